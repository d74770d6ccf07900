package io.understudy.cluster;

import static io.understudy.cluster.Pair.loopback;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.InetEndpoint;
import io.understudy.api.event.NodeState;
import io.understudy.api.spi.ProviderContext;
import io.understudy.spi.transport.Connection;
import io.understudy.spi.transport.Transport;
import io.understudy.transport.tcp.TcpTransportProvider;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin endpoint of a node with a key, over real TCP: only signed, fresh, unreplayed requests run. */
class AdminEndpointAuthenticationTest {

    @TempDir
    Path dir;

    private Pair pair;
    private InterconnectSecurity key;
    private Transport server;
    private Transport client;
    private AdminEndpoint admin;
    private int port;

    private static InterconnectSecurity random() {
        byte[] k = new byte[32];
        new SecureRandom().nextBytes(k);
        return InterconnectSecurity.hmacSha256(k, Duration.ofSeconds(30));
    }

    @BeforeEach
    void start() throws Exception {
        pair = new Pair(dir);
        key = random();
        pair.a.security = key;
        pair.b.security = key;
        pair.start();
        pair.heartbeatUntilHeard();
        port = Pair.freePorts(1)[0];
        server = new TcpTransportProvider().open(ProviderContext.builder().portNumber(AdminEndpoint.ADMIN, port)
                .setting("tcp.bindAddress", "127.0.0.11").clock(pair.clock).build());
        client = new TcpTransportProvider().open(ProviderContext.builder().clock(pair.clock).build());
        admin = AdminEndpoint.start(pair.a.engine, server, Duration.ofSeconds(10));
    }

    @AfterEach
    void stop() {
        admin.close();
        server.close();
        client.close();
        pair.close();
    }

    private String send(String request) {
        try (Connection c = client.connect(new InetEndpoint(loopback("127.0.0.11"), port), AdminEndpoint.ADMIN, Duration.ofSeconds(2))) {
            c.send(ByteBuffer.wrap(request.getBytes(StandardCharsets.UTF_8)));
            return StandardCharsets.UTF_8.decode(c.receive(Duration.ofSeconds(10))).toString();
        }
    }

    private long now() {
        return pair.clock.instant().toEpochMilli();
    }

    @Test
    void onlySignedFreshRequestsRun() {
        assertTrue(send("takeover").startsWith("error unauthenticated: this node requires signed admin requests"));
        String wrongKey = send(AdminEndpoint.sign(random(), "takeover", now()));
        assertTrue(wrongKey.startsWith("error unauthenticated: signed with key"), wrongKey);
        String stale = send(AdminEndpoint.sign(key, "takeover", now() - 31_000));
        assertTrue(stale.startsWith("error unauthenticated: clock-skew"), stale);
        String forged = AdminEndpoint.sign(key, "status", now()).replace(" status", " takeover");
        assertTrue(send(forged).startsWith("error unauthenticated: tag does not verify"), "a signed status cannot become a takeover");
        assertTrue(send("auth1 x y z w takeover").startsWith("error unauthenticated: malformed"));
        assertEquals(5, admin.refusedRequests());
        assertEquals(NodeState.NORMAL, pair.a.engine.state());
        assertEquals(NodeState.NORMAL, pair.b.engine.state());
        assertEquals(0, pair.a.engine.status().takeovers());

        String signed = AdminEndpoint.sign(key, "status", now());
        assertTrue(send(signed).startsWith("ok {\"node\":\"FilerA\""));
        String replay = send(signed);
        assertTrue(replay.startsWith("error unauthenticated: replay"), replay);
        assertEquals(6, admin.refusedRequests());
    }
}
