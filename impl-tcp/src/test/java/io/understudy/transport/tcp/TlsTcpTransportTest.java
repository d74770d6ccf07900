package io.understudy.transport.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.DataAccessPort;
import io.understudy.api.Endpoint;
import io.understudy.api.ErrorCode;
import io.understudy.api.InetEndpoint;
import io.understudy.api.UnderstudyException;
import io.understudy.api.spi.ProviderContext;
import io.understudy.spi.transport.Connection;
import io.understudy.spi.transport.Listener;
import io.understudy.spi.transport.Transport;
import io.understudy.spi.transport.TransportProvider;
import io.understudy.testkit.AbstractTransportTest;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The transport conformance suite over TLS with mutual authentication (both transports present the good
 * server certificate and trust CA 1), and what TLS adds: refused certificates, names, plain peers, bad files.
 * The certificates are real, made by {@code keytool} ({@link TestPki}).
 */
class TlsTcpTransportTest extends AbstractTransportTest {

    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private static TestPki pki;

    private int dafs;
    private int pdaf;

    @BeforeAll
    static void certificates() throws Exception {
        pki = TestPki.get();
    }

    @Override
    protected TransportProvider provider() {
        return new TcpTransportProvider();
    }

    @Override
    protected ProviderContext context() {
        int[] ports = TcpTransportTest.freePorts(2);
        dafs = ports[0];
        pdaf = ports[1];
        return tls(b -> b.setting("tcp.tls.keyStore", pki.server.toString()).setting("tcp.tls.clientAuth", "need"));
    }

    @Override
    protected Endpoint serverEndpoint() {
        // getLoopbackAddress() carries the name "localhost", which the server certificate names.
        return InetEndpoint.of(LOOPBACK);
    }

    @Override
    protected boolean requireAvailable() {
        return true;
    }

    /** A TLS context on this test's ports, trusting CA 1, with {@code more} settings. */
    private ProviderContext tls(UnaryOperator<ProviderContext.Builder> more) {
        ProviderContext.Builder b = ProviderContext.builder()
                .portNumber(DataAccessPort.DAFS, dafs)
                .portNumber(DataAccessPort.PDAF, pdaf)
                .option(TcpOptions.BIND_ADDRESS, LOOPBACK)
                .setting("tcp.tls", "on")
                .setting("tcp.tls.keyStorePassword", TestPki.PASSWORD)
                .setting("tcp.tls.trustStore", pki.trustCa1.toString())
                .setting("tcp.tls.trustStorePassword", TestPki.PASSWORD);
        return more.apply(b).build();
    }

    private ProviderContext plain() {
        return ProviderContext.builder().portNumber(DataAccessPort.DAFS, dafs).portNumber(DataAccessPort.PDAF, pdaf)
                .option(TcpOptions.BIND_ADDRESS, LOOPBACK).build();
    }

    /** Connects {@code client} to {@code listener}, accepting on another thread, and checks a frame each way. */
    private void assertServes(Transport from, Endpoint to, Listener listener) {
        CompletableFuture<Connection> accepted = start(listener::accept);
        try (Connection c = from.connect(to, listener.port(), patience())) {
            Connection s = await(accepted);
            c.send(ByteBuffer.wrap(new byte[] {1, 2, 3}));
            assertArrayEquals(new byte[] {1, 2, 3}, bytes(s.receive(patience())));
            s.send(ByteBuffer.wrap(new byte[] {4}));
            assertArrayEquals(new byte[] {4}, bytes(c.receive(patience())));
            s.close();
        }
    }

    // ---- mutual authentication ----

    @Test
    void clientWithoutCertificateIsRefusedWhenNeeded() {
        Listener l = server().listen(DataAccessPort.DAFS);
        CompletableFuture<Connection> accepted = start(l::accept);
        try (Transport anonymous = provider().open(tls(b -> b))) {
            UnderstudyException e = assertCode(ErrorCode.TLS_HANDSHAKE_FAILED,
                    () -> anonymous.connect(serverEndpoint(), DataAccessPort.DAFS, patience()));
            assertTrue(e.getMessage().contains("certificate"), e.getMessage());
            assertTrue(e.getMessage().contains(":" + dafs), "the message names the endpoint: " + e.getMessage());
        }
        // The same accept call goes on and serves a good client.
        Connection c = client().connect(serverEndpoint(), DataAccessPort.DAFS, patience());
        Connection s = await(accepted);
        c.send(ByteBuffer.wrap(new byte[] {7}));
        assertArrayEquals(new byte[] {7}, bytes(s.receive(patience())));
    }

    @Test
    void clientWithoutCertificateIsServedWhenWantedOrNone() {
        for (String mode : new String[] {"want", "none"}) {
            try (Transport server = provider().open(tls(b -> b.setting("tcp.tls.keyStore", pki.server.toString())
                            .setting("tcp.tls.clientAuth", mode)));
                 Transport anonymous = provider().open(tls(b -> b))) {
                assertServes(anonymous, serverEndpoint(), server.listen(DataAccessPort.PDAF));
            }
        }
    }

    @Test
    void clientCertificateFromAnotherCaIsRefused() {
        Listener l = server().listen(DataAccessPort.DAFS);
        CompletableFuture<Connection> accepted = start(l::accept);
        try (Transport foreign = provider().open(tls(b -> b.setting("tcp.tls.keyStore", pki.otherClient.toString())))) {
            UnderstudyException e = assertCode(ErrorCode.TLS_HANDSHAKE_FAILED,
                    () -> foreign.connect(serverEndpoint(), DataAccessPort.DAFS, patience()));
            assertTrue(e.getMessage().contains("refused"), e.getMessage());
        }
        // With a certificate from the right CA, a client is served.
        try (Transport trusted = provider().open(tls(b -> b.setting("tcp.tls.keyStore", pki.client.toString())))) {
            Connection c = trusted.connect(serverEndpoint(), DataAccessPort.DAFS, patience());
            c.send(ByteBuffer.allocate(2));
            assertEquals(2, await(accepted).receive(patience()).remaining());
        }
    }

    @Test
    void serverWithUntrustedCertificateIsRefused() {
        try (Transport impostor = provider().open(tls(b -> b.setting("tcp.tls.keyStore", pki.impostor.toString())))) {
            Listener l = impostor.listen(DataAccessPort.DAFS);
            start(l::accept);
            UnderstudyException e = assertCode(ErrorCode.TLS_HANDSHAKE_FAILED,
                    () -> client().connect(serverEndpoint(), DataAccessPort.DAFS, patience()));
            assertTrue(e.getMessage().contains("not signed by a CA in tcp.tls.trustStore"), e.getMessage());
            l.close();
        }
    }

    @Test
    void serverWhoseCertificateDoesNotNameTheHostIsRefused() {
        try (Transport elsewhere = provider().open(tls(b -> b.setting("tcp.tls.keyStore", pki.wrongName.toString())))) {
            Listener l = elsewhere.listen(DataAccessPort.DAFS);
            start(l::accept);
            UnderstudyException e = assertCode(ErrorCode.TLS_HANDSHAKE_FAILED,
                    () -> client().connect(serverEndpoint(), DataAccessPort.DAFS, patience()));
            assertTrue(e.getMessage().contains("does not name") && e.getMessage().contains("localhost"), e.getMessage());
            l.close(); // its accept() is still waiting for a client that passes
            Listener again = elsewhere.listen(DataAccessPort.DAFS);
            // Naming the expected identity explicitly, or (with a private CA) not checking names, is accepted.
            try (Transport pinned = provider().open(tls(b -> b.setting("tcp.tls.keyStore", pki.client.toString())
                            .setting("tcp.tls.peerName", "elsewhere.example")));
                 Transport unchecked = provider().open(tls(b -> b.setting("tcp.tls.keyStore", pki.client.toString())
                            .setting("tcp.tls.verifyPeerName", "false")))) {
                assertServes(pinned, serverEndpoint(), again);
                assertServes(unchecked, serverEndpoint(), again);
            }
        }
    }

    /**
     * After takeover a client reaches FilerB under the failover name: the resolver hands the transport the
     * address with the name it was found under, and the certificate must carry that name too.
     */
    @Test
    void theNameTheEndpointCarriesIsWhatIsChecked() throws Exception {
        Listener l = server().listen(DataAccessPort.PDAF);
        byte[] loopback = LOOPBACK.getAddress();
        assertServes(client(), InetEndpoint.of(InetAddress.getByAddress("FilerA-failover", loopback)), l);
        assertServes(client(), InetEndpoint.of(InetAddress.getByAddress("FilerB", loopback)), l);
        assertServes(client(), InetEndpoint.of(InetAddress.getByAddress(loopback)), l); // 127.0.0.1, an IP SAN
        start(l::accept);
        UnderstudyException e = assertCode(ErrorCode.TLS_HANDSHAKE_FAILED, () -> client().connect(
                InetEndpoint.of(InetAddress.getByAddress("FilerC", loopback)), DataAccessPort.PDAF, patience()));
        assertTrue(e.getMessage().contains("FilerC"), e.getMessage());
    }

    @Test
    void listenerKeepsServingAfterManyBadHandshakes() {
        Listener l = server().listen(DataAccessPort.DAFS);
        CompletableFuture<Connection> accepted = start(l::accept);
        try (Transport anonymous = provider().open(tls(b -> b));
             Transport foreign = provider().open(tls(b -> b.setting("tcp.tls.keyStore", pki.otherClient.toString())));
             Transport distrustful = provider().open(tls(b -> b.setting("tcp.tls.keyStore", pki.client.toString())
                     .setting("tcp.tls.trustStore", pki.trustCa2.toString())))) {
            for (int i = 0; i < 3; i++) {
                assertCode(ErrorCode.TLS_HANDSHAKE_FAILED, () -> anonymous.connect(serverEndpoint(), DataAccessPort.DAFS, patience()));
                assertCode(ErrorCode.TLS_HANDSHAKE_FAILED, () -> foreign.connect(serverEndpoint(), DataAccessPort.DAFS, patience()));
                assertCode(ErrorCode.TLS_HANDSHAKE_FAILED, () -> distrustful.connect(serverEndpoint(), DataAccessPort.DAFS, patience()));
            }
        }
        assertTrue(l.isOpen(), "the listener closed after bad handshakes");
        Connection c = client().connect(serverEndpoint(), DataAccessPort.DAFS, patience());
        Connection s = await(accepted);
        c.send(ByteBuffer.wrap(new byte[] {42}));
        assertArrayEquals(new byte[] {42}, bytes(s.receive(patience())));
    }

    /** Handshakes run beside each other: clients that stall theirs delay nobody (the handshake timeout is 30 s). */
    @Test
    void stalledHandshakesDoNotHoldUpOtherClients() throws Exception {
        try (Transport server = provider().open(tls(b -> b.setting("tcp.tls.keyStore", pki.server.toString())
                        .setting("tcp.tls.handshakeTimeout", "30s")))) {
            Listener l = server.listen(DataAccessPort.PDAF);
            try (java.net.Socket mute1 = new java.net.Socket(LOOPBACK, pdaf);
                 java.net.Socket mute2 = new java.net.Socket(LOOPBACK, pdaf)) {
                // Both connect and accept are bounded by patience(), far below the 30 s a serial handshake would take.
                assertServes(client(), serverEndpoint(), l);
                assertServes(client(), serverEndpoint(), l);
                assertTrue(mute1.isConnected() && mute2.isConnected() && !mute1.isClosed());
            }
        }
    }

    // ---- plain and TLS peers ----

    @Test
    void plainClientAgainstTlsListenerIsDisconnected() {
        try (Transport server = provider().open(tls(b -> b.setting("tcp.tls.keyStore", pki.server.toString())
                        .setting("tcp.tls.handshakeTimeout", "300ms")));
             Transport plain = provider().open(plain())) {
            Listener l = server.listen(DataAccessPort.PDAF);
            CompletableFuture<Connection> accepted = start(l::accept);
            // One that sends a frame: not a TLS record, refused at once. The server's TLS alert may arrive
            // first, and reads as an absurd frame header.
            Connection talker = plain.connect(serverEndpoint(), DataAccessPort.PDAF, patience());
            talker.send(ByteBuffer.wrap(new byte[] {1, 2, 3}));
            UnderstudyException refused = org.junit.jupiter.api.Assertions.assertThrows(UnderstudyException.class,
                    () -> talker.receive(patience()));
            assertTrue(refused.code() == ErrorCode.CLOSED || refused.code() == ErrorCode.FRAME_TOO_LARGE, refused.getMessage());
            assertTrue(!talker.isOpen(), "the plain client's connection is still open");
            // One that says nothing: dropped after tcp.tls.handshakeTimeout.
            Connection mute = plain.connect(serverEndpoint(), DataAccessPort.PDAF, patience());
            long t0 = System.nanoTime();
            assertCode(ErrorCode.CLOSED, () -> mute.receive(patience()));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms >= 150, "the mute client was dropped after " + ms + " ms, before the 300 ms handshake timeout");
            // The listener still serves TLS clients.
            Connection good = client().connect(serverEndpoint(), DataAccessPort.PDAF, patience());
            good.send(ByteBuffer.wrap(new byte[] {9}));
            assertArrayEquals(new byte[] {9}, bytes(await(accepted).receive(patience())));
        }
    }

    @Test
    void tlsClientAgainstPlainListenerFailsWithinTheConnectTimeout() {
        try (Transport plain = provider().open(plain())) {
            Listener l = plain.listen(DataAccessPort.PDAF);
            // A plain server that reads: the ClientHello's first bytes are a frame header of ~370 MB, and it hangs up.
            CompletableFuture<Connection> accepted = start(l::accept);
            CompletableFuture<Object> reader = start(() -> {
                try {
                    return await(accepted).receive(patience());
                } catch (UnderstudyException e) {
                    return e.code();
                }
            });
            UnderstudyException e = assertCode(ErrorCode.TLS_HANDSHAKE_FAILED,
                    () -> client().connect(serverEndpoint(), DataAccessPort.PDAF, patience()));
            assertEquals(ErrorCode.FRAME_TOO_LARGE, await(reader));
            assertTrue(e.getMessage().contains(":" + pdaf), e.getMessage());
            // A plain server that only accepts: the handshake times out within the connect timeout.
            start(l::accept);
            long t0 = System.nanoTime();
            e = assertCode(ErrorCode.TIMEOUT, () -> client().connect(serverEndpoint(), DataAccessPort.PDAF, Duration.ofMillis(300)));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < patience().toMillis(), "gave up after " + ms + " ms");
            assertTrue(e.getMessage().contains("TLS"), e.getMessage());
        }
    }

    // ---- key material and options ----

    @Test
    void pemCertificateKeyAndCaFileWork() {
        try (Transport pemServer = provider().open(tls(b -> b.setting("tcp.tls.certificate", pki.serverCertPem.toString())
                        .setting("tcp.tls.privateKey", pki.serverKeyPem.toString())
                        .setting("tcp.tls.keyStorePassword", "")));
             Transport pemClient = provider().open(tls(b -> b.setting("tcp.tls.trustStore", pki.trustCa1Pem.toString())
                        .setting("tcp.tls.trustStorePassword", "")))) {
            assertServes(pemClient, serverEndpoint(), pemServer.listen(DataAccessPort.PDAF));
        }
    }

    @Test
    void protocolsCanBeNarrowedAndMustMeet() {
        try (Transport tls12 = provider().open(tls(b -> b.setting("tcp.tls.keyStore", pki.server.toString())
                        .setting("tcp.tls.protocols", "TLSv1.2")));
             Transport both = provider().open(tls(b -> b.setting("tcp.tls.protocols", "TLSv1.3, TLSv1.2")))) {
            Listener l = tls12.listen(DataAccessPort.PDAF);
            assertServes(both, serverEndpoint(), l);
            start(l::accept);
            UnderstudyException e = assertCode(ErrorCode.TLS_HANDSHAKE_FAILED,
                    () -> client().connect(serverEndpoint(), DataAccessPort.PDAF, patience()));
            assertTrue(e.getMessage().contains("tcp.tls.protocols"), e.getMessage());
        }
    }

    @Test
    void badKeyMaterialFailsAtOpenNamingTheOptionAndFile() {
        Path missing = pki.dir.resolve("no-such.p12");
        assertInvalid(Map.of("tcp.tls.keyStore", missing.toString()), "tcp.tls.keyStore", missing + " does not exist");
        assertInvalid(Map.of("tcp.tls.keyStore", pki.server.toString(), "tcp.tls.keyStorePassword", "wrong"),
                "tcp.tls.keyStorePassword", pki.server.toString());
        assertInvalid(Map.of("tcp.tls.keyStore", pki.serverKeyPem.toString()), "tcp.tls.keyStore", pki.serverKeyPem.toString());
        assertInvalid(Map.of("tcp.tls.keyStore", pki.trustCa1.toString()), "holds no private key", pki.trustCa1.toString());
        assertInvalid(Map.of("tcp.tls.trustStore", missing.toString()), "tcp.tls.trustStore", missing.toString());
        assertInvalid(Map.of("tcp.tls.trustStore", pki.trustCa1.toString(), "tcp.tls.trustStorePassword", "wrong"),
                "tcp.tls.trustStorePassword", pki.trustCa1.toString());
        assertInvalid(Map.of("tcp.tls.certificate", pki.serverCertPem.toString()), "tcp.tls.certificate", "tcp.tls.privateKey");
        assertInvalid(Map.of("tcp.tls.certificate", pki.serverCertPem.toString(), "tcp.tls.privateKey", pki.serverCertPem.toString()),
                "tcp.tls.privateKey", "PKCS#8");
        assertInvalid(Map.of("tcp.tls.certificate", pki.serverKeyPem.toString(), "tcp.tls.privateKey", pki.serverKeyPem.toString()),
                "tcp.tls.certificate", pki.serverKeyPem.toString());
        assertInvalid(Map.of("tcp.tls.protocols", "TLSv9"), "tcp.tls.protocols", "TLSv9");
        assertInvalid(Map.of("tcp.tls.clientAuth", "always"), "tcp.tls.clientAuth", "none, want or need");
        assertInvalid(Map.of("tcp.tls", "yes"), "tcp.tls", "on or off");
        // TLS files without tcp.tls: on would silently mean plain TCP.
        ProviderContext forgot = ProviderContext.builder().setting("tcp.tls.keyStore", pki.server.toString()).build();
        UnderstudyException e = assertCode(ErrorCode.INVALID_CONFIGURATION, () -> provider().open(forgot));
        assertTrue(e.getMessage().contains("tcp.tls is off"), e.getMessage());
    }

    @Test
    void listeningWithoutACertificateIsInvalidConfiguration() {
        try (Transport keyless = provider().open(tls(b -> b))) {
            UnderstudyException e = assertCode(ErrorCode.INVALID_CONFIGURATION, () -> keyless.listen(DataAccessPort.DAFS));
            assertTrue(e.getMessage().contains("tcp.tls.keyStore") && e.getMessage().contains("tcp.tls.certificate"), e.getMessage());
        }
    }

    private void assertInvalid(Map<String, String> settings, String... mentions) {
        ProviderContext ctx = tls(b -> b.settings(settings));
        UnderstudyException e = assertCode(ErrorCode.INVALID_CONFIGURATION, () -> provider().open(ctx).close());
        for (String m : mentions) {
            assertTrue(e.getMessage().contains(m), "message for " + settings + " does not mention '" + m + "': " + e.getMessage());
        }
    }
}
