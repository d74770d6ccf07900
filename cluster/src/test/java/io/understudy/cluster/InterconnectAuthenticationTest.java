package io.understudy.cluster;

import static io.understudy.cluster.Pair.IC;
import static io.understudy.cluster.Pair.loopback;
import static io.understudy.cluster.Pair.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.DataAccessPort;
import io.understudy.api.Endpoint;
import io.understudy.api.InetEndpoint;
import io.understudy.api.event.NodeState;
import io.understudy.api.spi.ProviderContext;
import io.understudy.spi.transport.Connection;
import io.understudy.spi.transport.Listener;
import io.understudy.spi.transport.Transport;
import io.understudy.transport.tcp.TcpTransportProvider;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An authenticated pair over real TCP: forged, unsigned, wrongly keyed and replayed interconnect messages
 * sent from a raw connection to a node's interconnect port are rejected, logged and counted, and change
 * nothing; partners with different keys never hear each other.
 */
class InterconnectAuthenticationTest {

    @TempDir
    Path dir;

    private Pair pair;
    private Transport raw;
    private static InterconnectSecurity key() {
        byte[] k = new byte[32];
        new SecureRandom().nextBytes(k);
        return InterconnectSecurity.hmacSha256(k, Duration.ofSeconds(30));
    }

    @BeforeEach
    void start() throws Exception {
        pair = new Pair(dir);
        raw = new TcpTransportProvider().open(ProviderContext.builder().portNumber(IC, pair.icB).clock(pair.clock).build());
    }

    @AfterEach
    void stop() {
        raw.close();
        pair.close();
    }

    /** Sends frames to B's interconnect port from a connection of its own, as an attacker on the network would. */
    private void sendToB(ByteBuffer... frames) {
        try (Connection c = raw.connect(new InetEndpoint(loopback("127.0.0.12"), pair.icB), IC, Duration.ofSeconds(2))) {
            for (ByteBuffer f : frames) {
                c.send(f.duplicate());
            }
        }
    }

    private List<String> warnings() {
        List<String> all = new java.util.ArrayList<>(pair.a.warnings);
        all.addAll(pair.b.warnings);
        return all;
    }

    private long rejectedByB(String reason) {
        return pair.b.engine.rejectedMessages().get(reason);
    }

    private InterconnectMessage fromA(InterconnectMessage.Type type, long epoch, long seq, String detail) {
        return new InterconnectMessage(type, "FilerA", epoch, seq, pair.clock.instant().toEpochMilli(), NodeState.NORMAL, detail);
    }

    @Test
    void forgedPleaseShutdownIAmFailingAndHeartbeatsChangeNothing() {
        InterconnectSecurity k = key();
        pair.a.security = k;
        pair.b.security = k;
        pair.start();
        pair.heartbeatUntilHeard();

        InterconnectSecurity attacker = key();
        ByteBuffer badTag = fromA(InterconnectMessage.Type.I_AM_FAILING, 7, 1, "forged").encode(k);
        badTag.put(badTag.limit() - 1, (byte) (badTag.get(badTag.limit() - 1) ^ 1));
        sendToB(fromA(InterconnectMessage.Type.PLEASE_SHUTDOWN, 1, 1, "2000").encode(attacker),
                fromA(InterconnectMessage.Type.I_AM_FAILING, 2, 1, "forged").encode(),
                fromA(InterconnectMessage.Type.HEARTBEAT, 3, 1, "").encode(InterconnectSecurity.none()),
                badTag,
                ByteBuffer.wrap(new byte[] {0x49, 0x43, 1, 0}));
        waitFor(() -> rejectedByB("wrong-key") == 1 && rejectedByB("missing-tag") == 2 && rejectedByB("bad-tag") == 1
                && rejectedByB("malformed") == 1, "B rejects the five forgeries: " + pair.b.engine.rejectedMessages());

        // Nothing happened: B still serves its own disk, did not shut down, and takes nothing over.
        pair.b.engine.tick();
        pair.a.engine.tick();
        assertEquals(NodeState.NORMAL, pair.b.engine.state());
        assertEquals(NodeState.NORMAL, pair.a.engine.state());
        assertFalse(pair.b.steps().contains("PLEASE_SHUTDOWN_RECEIVED"), pair.b.steps().toString());
        assertFalse(pair.b.steps().contains("PARTNER_FAILING"), pair.b.steps().toString());
        assertFalse(pair.b.steps().contains("TAKING_OVER"), pair.b.steps().toString());
        assertEquals(0, pair.b.engine.status().takeovers());
        assertTrue(pair.b.refuses(DataAccessPort.PDAF), "B has not opened pDAF");
        assertTrue(warnings().stream().anyMatch(w -> w.contains("rejected interconnect message (wrong-key) from ")
                && w.contains("PLEASE_SHUTDOWN from 'FilerA'")), warnings().toString());
        assertTrue(warnings().stream().anyMatch(w -> w.contains("(missing-tag)") && w.contains("I_AM_FAILING")), warnings().toString());
        assertTrue(warnings().stream().anyMatch(w -> w.contains("(bad-tag)")), warnings().toString());
        assertTrue(warnings().stream().anyMatch(w -> w.contains("(malformed)") && w.contains("at offset")), warnings().toString());
    }

    @Test
    void messagesOutsideTheClockSkewWindowAreRejected() {
        InterconnectSecurity k = key();
        pair.a.security = k;
        pair.b.security = k;
        pair.start();
        long now = pair.clock.instant().toEpochMilli();
        sendToB(new InterconnectMessage(InterconnectMessage.Type.I_AM_FAILING, "FilerA", 9, 1, now - 31_000, NodeState.NORMAL, "old").encode(k),
                new InterconnectMessage(InterconnectMessage.Type.I_AM_FAILING, "FilerA", 9, 2, now + 31_000, NodeState.NORMAL, "future").encode(k));
        waitFor(() -> rejectedByB("clock-skew") == 2, "B rejects both: " + pair.b.engine.rejectedMessages());
        pair.b.engine.tick();
        assertEquals(NodeState.NORMAL, pair.b.engine.state());
        assertTrue(warnings().stream().anyMatch(w -> w.contains("(clock-skew)") && w.contains("maxClockSkew")), warnings().toString());
    }

    @Test
    void replayedPleaseShutdownAndHeartbeatsCapturedFromTheLinkAreRejected() throws Exception {
        InterconnectSecurity k = key();
        pair.a.security = k;
        pair.b.security = k;
        Tap tap = new Tap();
        pair.a.wrapInterconnect = tap::wrap;
        pair.start();
        pair.heartbeatUntilHeard();

        // A real operator takeover and giveback: the tap records A's genuine "Please Shutdown".
        CompletableFuture<NodeState> takeover = pair.a.engine.operatorTakeover();
        assertEquals(NodeState.IN_TAKEOVER, takeover.get(10, TimeUnit.SECONDS));
        assertEquals(NodeState.NORMAL, pair.a.engine.giveback().get(10, TimeUnit.SECONDS));
        waitFor(() -> pair.b.engine.state() == NodeState.NORMAL, "B reclaims after giveback");
        long shutdownsBefore = pair.b.steps().stream().filter("PLEASE_SHUTDOWN_RECEIVED"::equals).count();
        assertEquals(1, shutdownsBefore);

        ByteBuffer pleaseShutdown = tap.first(InterconnectMessage.Type.PLEASE_SHUTDOWN);
        ByteBuffer heartbeat = tap.first(InterconnectMessage.Type.HEARTBEAT);
        sendToB(pleaseShutdown, heartbeat);
        waitFor(() -> rejectedByB("replay") == 2, "B rejects both replays: " + pair.b.engine.rejectedMessages());
        pair.b.engine.tick();
        assertEquals(NodeState.NORMAL, pair.b.engine.state());
        assertEquals(1, pair.b.steps().stream().filter("PLEASE_SHUTDOWN_RECEIVED"::equals).count(), pair.b.steps().toString());
        assertTrue(warnings().stream().anyMatch(w -> w.contains("(replay)") && w.contains("PLEASE_SHUTDOWN")), warnings().toString());

        // Replayed heartbeats do not keep a dead partner alive: B takes over after the usual silence.
        long heard = pair.b.engine.acceptedMessages();
        pair.a.engine.tick();
        waitFor(() -> pair.b.engine.acceptedMessages() > heard, "B hears A's heartbeat after the giveback");
        pair.a.crash();
        long before = rejectedByB("replay");
        for (ByteBuffer hb : tap.all(InterconnectMessage.Type.HEARTBEAT)) {
            sendToB(hb);
        }
        long replays = before + tap.all(InterconnectMessage.Type.HEARTBEAT).size();
        waitFor(() -> rejectedByB("replay") == replays, "every replayed heartbeat rejected: " + pair.b.engine.rejectedMessages());
        pair.silenceLongerThanWindow();
        pair.b.engine.tick();
        pair.clock.advance(Duration.ofMillis(300));
        pair.b.engine.tick();
        assertEquals(NodeState.IN_TAKEOVER, pair.b.engine.state());
    }

    @Test
    void partnersWithDifferentKeysNeverHearEachOther() {
        pair.a.security = key();
        pair.b.security = key();
        pair.start();
        waitFor(() -> {
            pair.a.engine.tick();
            pair.b.engine.tick();
            return pair.a.engine.rejectedMessages().get("wrong-key") >= 3 && rejectedByB("wrong-key") >= 3;
        }, "both reject each other's heartbeats");
        assertEquals("unknown", pair.a.engine.status().partnerState());
        assertEquals("unknown", pair.b.engine.status().partnerState());
        assertTrue(warnings().stream().anyMatch(w -> w.contains("keyFile differs")), warnings().toString());
    }

    @Test
    void aKeyedNodeRejectsAnUnkeyedPartner() {
        pair.a.security = InterconnectSecurity.none();
        pair.b.security = key();
        pair.start();
        waitFor(() -> {
            pair.a.engine.tick();
            pair.b.engine.tick();
            return rejectedByB("missing-tag") >= 3;
        }, "B rejects A's unsigned heartbeats");
        assertEquals("unknown", pair.b.engine.status().partnerState());
    }

    /** Records every frame the engine sends on its interconnect: what an eavesdropper on the link would capture. */
    static final class Tap {
        final List<ByteBuffer> sent = new CopyOnWriteArrayList<>();

        Transport wrap(Transport t) {
            return new Transport() {
                @Override
                public String id() {
                    return t.id();
                }

                @Override
                public Listener listen(DataAccessPort port) {
                    return t.listen(port);
                }

                @Override
                public Connection connect(Endpoint endpoint, DataAccessPort port, Duration timeout) {
                    Connection c = t.connect(endpoint, port, timeout);
                    return new Connection() {
                        @Override
                        public DataAccessPort port() {
                            return c.port();
                        }

                        @Override
                        public String peer() {
                            return c.peer();
                        }

                        @Override
                        public void send(ByteBuffer frame) {
                            ByteBuffer copy = ByteBuffer.allocate(frame.remaining()).put(frame.duplicate()).flip();
                            c.send(frame);
                            sent.add(copy);
                        }

                        @Override
                        public ByteBuffer receive(Duration timeout) {
                            return c.receive(timeout);
                        }

                        @Override
                        public boolean isOpen() {
                            return c.isOpen();
                        }

                        @Override
                        public void close() {
                            c.close();
                        }
                    };
                }

                @Override
                public int maxFrameSize() {
                    return t.maxFrameSize();
                }

                @Override
                public void close() {
                    t.close();
                }
            };
        }

        List<ByteBuffer> all(InterconnectMessage.Type type) {
            return sent.stream().filter(b -> InterconnectMessage.decode(b.duplicate()).type() == type).toList();
        }

        ByteBuffer first(InterconnectMessage.Type type) {
            List<ByteBuffer> l = all(type);
            assertFalse(l.isEmpty(), "the tap saw no " + type);
            return l.get(0);
        }
    }
}
