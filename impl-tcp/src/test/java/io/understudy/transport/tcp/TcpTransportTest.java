package io.understudy.transport.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The transport conformance suite for TCP, and what only TCP has: raw-socket peers, port mapping, options. */
class TcpTransportTest extends AbstractTransportTest {

    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private int dafs;
    private int pdaf;

    @Override
    protected TransportProvider provider() {
        return new TcpTransportProvider();
    }

    @Override
    protected ProviderContext context() {
        int[] ports = freePorts(2);
        dafs = ports[0];
        pdaf = ports[1];
        return ProviderContext.builder()
                .portNumber(DataAccessPort.DAFS, dafs)
                .portNumber(DataAccessPort.PDAF, pdaf)
                .option(TcpOptions.BIND_ADDRESS, LOOPBACK)
                .build();
    }

    @Override
    protected Endpoint serverEndpoint() {
        return InetEndpoint.of(LOOPBACK);
    }

    @Override
    protected boolean requireAvailable() {
        return true;
    }

    // ---- hostile and broken peers, written with a raw socket ----

    @Test
    void headerClaimingTwoGibibytesIsRejectedWithoutAllocating() throws IOException {
        assertTrue(Runtime.getRuntime().maxMemory() < Integer.MAX_VALUE,
                "the test heap must be too small for a 2 GiB frame, or an allocation would go unnoticed (surefire sets -Xmx256m)");
        Listener l = server().listen(DataAccessPort.DAFS);
        try (Raw raw = rawConnect(l)) {
            raw.out.write(new byte[] {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1, 2, 3});
            UnderstudyException e = assertCode(ErrorCode.FRAME_TOO_LARGE, () -> raw.accepted.receive(patience()));
            assertTrue(e.getMessage().contains("2147483647"), e.getMessage());
            assertTrue(e.getMessage().contains(raw.accepted.peer()), "message does not name the peer: " + e.getMessage());
            assertTrue(e.getMessage().contains(String.valueOf(TcpOptions.DEFAULT_MAX_FRAME_SIZE)), e.getMessage());
            assertFalse(raw.accepted.isOpen(), "connection still open after an oversized header");
            assertTrue(raw.disconnectedWithin(patience()), "the raw peer was not disconnected");
        }
    }

    @Test
    void negativeLengthIsMalformed() throws IOException {
        Listener l = server().listen(DataAccessPort.DAFS);
        try (Raw raw = rawConnect(l)) {
            raw.out.write(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xfe});
            UnderstudyException e = assertCode(ErrorCode.FRAME_MALFORMED, () -> raw.accepted.receive(patience()));
            assertTrue(e.getMessage().contains("-2") && e.getMessage().contains("0xfffffffe"), e.getMessage());
            assertFalse(raw.accepted.isOpen());
        }
    }

    @Test
    void truncatedFrameIsMalformed() throws IOException {
        Listener l = server().listen(DataAccessPort.DAFS);
        try (Raw raw = rawConnect(l)) {
            raw.out.write(new byte[] {0, 0, 0, 100, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
            raw.socket.shutdownOutput();
            UnderstudyException e = assertCode(ErrorCode.FRAME_MALFORMED, () -> raw.accepted.receive(patience()));
            assertTrue(e.getMessage().contains("10 of 100 payload bytes") && e.getMessage().contains("truncated"), e.getMessage());
            assertFalse(raw.accepted.isOpen());
        }
    }

    @Test
    void truncatedHeaderIsMalformed() throws IOException {
        Listener l = server().listen(DataAccessPort.DAFS);
        try (Raw raw = rawConnect(l)) {
            raw.out.write(new byte[] {0, 0, 0, 1, 42, 0, 0});
            raw.socket.shutdownOutput();
            assertArrayEquals(new byte[] {42}, bytes(raw.accepted.receive(patience())));
            UnderstudyException e = assertCode(ErrorCode.FRAME_MALFORMED, () -> raw.accepted.receive(patience()));
            assertTrue(e.getMessage().contains("2 of 4 header bytes"), e.getMessage());
        }
    }

    @Test
    void frameInterruptedByTimeoutResumes() throws IOException {
        Listener l = server().listen(DataAccessPort.DAFS);
        try (Raw raw = rawConnect(l)) {
            raw.out.write(new byte[] {0, 0, 0, 8, 1, 2, 3});
            UnderstudyException e = assertCode(ErrorCode.TIMEOUT, () -> raw.accepted.receive(Duration.ofMillis(50)));
            assertTrue(e.getMessage().contains("7 bytes of the next frame"), e.getMessage());
            raw.out.write(new byte[] {4, 5, 6, 7, 8, 0, 0, 0, 0});
            assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, bytes(raw.accepted.receive(patience())));
            assertEquals(0, raw.accepted.receive(patience()).remaining(), "the empty frame after it");
        }
    }

    @Test
    void framesOnTheWireAreLengthPrefixedBigEndian() throws IOException {
        Listener l = server().listen(DataAccessPort.DAFS);
        try (Raw raw = rawConnect(l)) {
            raw.accepted.send(ByteBuffer.wrap(new byte[] {9, 8, 7}));
            byte[] wire = raw.in.readNBytes(7);
            assertArrayEquals(new byte[] {0, 0, 0, 3, 9, 8, 7}, wire);
        }
    }

    // ---- mapping, options, addresses ----

    @Test
    void unmappedPortIsReportedByName() {
        DataAccessPort vol7 = DataAccessPort.of("vol7");
        UnderstudyException e = assertCode(ErrorCode.PORT_NOT_MAPPED, () -> server().listen(vol7));
        assertTrue(e.getMessage().contains("vol7") && e.getMessage().contains("portNumber"), e.getMessage());
        assertCode(ErrorCode.PORT_NOT_MAPPED, () -> client().connect(serverEndpoint(), vol7, patience()));
    }

    @Test
    void portPublishedWithTheEndpointOverridesTheMapping() {
        Listener l = server().listen(DataAccessPort.DAFS);
        try (Transport unmapped = provider().open(ProviderContext.defaults())) {
            CompletableFuture<Connection> accepted = start(l::accept);
            Connection c = unmapped.connect(new InetEndpoint(LOOPBACK, dafs), DataAccessPort.DAFS, patience());
            Connection s = await(accepted);
            c.send(ByteBuffer.wrap(new byte[] {5}));
            assertArrayEquals(new byte[] {5}, bytes(s.receive(patience())));
            assertTrue(c.peer().endsWith(":" + dafs), c.peer());
        }
    }

    @Test
    void nodesOnOneHostBindTheirOwnLoopbackAddresses() throws IOException {
        InetAddress a = InetAddress.getByName("127.0.0.11");
        InetAddress b = InetAddress.getByName("127.0.0.12");
        try (Transport nodeA = provider().open(ProviderContext.builder().portNumber(DataAccessPort.DAFS, dafs)
                        .option(TcpOptions.BIND_ADDRESS, a).build());
             Transport nodeB = provider().open(ProviderContext.builder().portNumber(DataAccessPort.DAFS, dafs)
                        .setting(TcpOptions.BIND_ADDRESS.name(), "127.0.0.12").build())) {
            Listener la = nodeA.listen(DataAccessPort.DAFS);
            Listener lb = nodeB.listen(DataAccessPort.DAFS);
            assertReaches(a, la);
            assertReaches(b, lb);
        }
    }

    /** Connects to {@code address} on DAFS and checks that {@code listener}, not another, accepted. */
    private void assertReaches(InetAddress address, Listener listener) {
        CompletableFuture<Connection> accepted = start(listener::accept);
        Connection c = client().connect(InetEndpoint.of(address), DataAccessPort.DAFS, patience());
        c.send(ByteBuffer.wrap(new byte[] {1}));
        assertEquals(1, await(accepted).receive(patience()).remaining(), "the frame sent to " + address + " did not arrive");
        assertTrue(c.peer().startsWith(address.getHostAddress() + ":"), c.peer());
    }

    @Test
    void portHeldByAnotherSocketIsInUse() throws IOException {
        try (ServerSocket squatter = new ServerSocket(pdaf, 1, LOOPBACK)) {
            UnderstudyException e = assertCode(ErrorCode.PORT_IN_USE, () -> server().listen(DataAccessPort.PDAF));
            assertTrue(e.getMessage().contains(":" + pdaf), e.getMessage());
            assertTrue(squatter.isBound());
        }
    }

    @Test
    void badOptionsAreInvalidConfiguration() {
        ProviderContext badAddress = ProviderContext.builder().setting("tcp.bindAddress", "not an address!").build();
        UnderstudyException e = assertCode(ErrorCode.INVALID_CONFIGURATION, () -> provider().open(badAddress));
        assertTrue(e.getMessage().contains("tcp.bindAddress"), e.getMessage());
        ProviderContext badSize = ProviderContext.builder().option(TcpOptions.MAX_FRAME_SIZE, -1).build();
        e = assertCode(ErrorCode.INVALID_CONFIGURATION, () -> provider().open(badSize));
        assertTrue(e.getMessage().contains("tcp.maxFrameSize"), e.getMessage());
        ProviderContext badBacklog = ProviderContext.builder().option(TcpOptions.BACKLOG, 0).build();
        e = assertCode(ErrorCode.INVALID_CONFIGURATION, () -> provider().open(badBacklog));
        assertTrue(e.getMessage().contains("tcp.backlog"), e.getMessage());
    }

    /**
     * The listen queue holds a crowd reconnecting at once (every client of a failed node, at takeover): 120
     * connections complete while nobody accepts (120: more than the JDK default of 50, within an old kernel's somaxconn of 128); and a
     * small {@code tcp.backlog} is applied (the kernel then drops the excess attempts, which time out).
     */
    @Test
    void theListenQueueHoldsACrowdAndFollowsTcpBacklog() throws IOException {
        List<Socket> crowd = new ArrayList<>();
        try {
            server().listen(DataAccessPort.PDAF);
            for (int i = 0; i < 120; i++) {
                Socket s = new Socket();
                crowd.add(s);
                s.connect(new InetSocketAddress(LOOPBACK, pdaf), 2_000);
            }
        } finally {
            for (Socket s : crowd) {
                s.close();
            }
        }
        crowd.clear();
        try (Transport small = provider().open(ProviderContext.builder().portNumber(DataAccessPort.DAFS, dafs)
                .option(TcpOptions.BIND_ADDRESS, LOOPBACK).option(TcpOptions.BACKLOG, 2).build())) {
            small.listen(DataAccessPort.DAFS);
            int completed = 0;
            boolean dropped = false;
            for (int i = 0; i < 16 && !dropped; i++) {
                Socket s = new Socket();
                crowd.add(s);
                try {
                    s.connect(new InetSocketAddress(LOOPBACK, dafs), 300);
                    completed++;
                } catch (SocketTimeoutException e) {
                    dropped = true;
                }
            }
            assertTrue(dropped, "a listener with tcp.backlog 2 took " + completed + " connections without accepting");
            assertTrue(completed >= 2 && completed <= 4, completed + " connections completed with tcp.backlog 2");
        } finally {
            for (Socket s : crowd) {
                s.close();
            }
        }
    }

    @Test
    void smallerMaxFrameSizeIsEnforcedOnReceive() throws IOException {
        try (Transport small = provider().open(ProviderContext.builder().portNumber(DataAccessPort.PDAF, pdaf)
                .option(TcpOptions.BIND_ADDRESS, LOOPBACK).setting("tcp.maxFrameSize", "16").build())) {
            assertEquals(16, small.maxFrameSize());
            Listener l = small.listen(DataAccessPort.PDAF);
            CompletableFuture<Connection> accepted = start(l::accept);
            Connection c = client().connect(serverEndpoint(), DataAccessPort.PDAF, patience());
            Connection s = await(accepted);
            c.send(ByteBuffer.allocate(16));
            c.send(ByteBuffer.allocate(17));
            assertEquals(16, s.receive(patience()).remaining());
            UnderstudyException e = assertCode(ErrorCode.FRAME_TOO_LARGE, () -> s.receive(patience()));
            assertTrue(e.getMessage().contains("17 bytes"), e.getMessage());
        }
    }

    @Test
    void connectTimesOutWithinTheConfiguredCap() throws IOException {
        // A full accept backlog makes Linux drop new SYNs, so a connect hangs until its timeout.
        List<Socket> fillers = new ArrayList<>();
        try (ServerSocket full = new ServerSocket(0, 1, LOOPBACK)) {
            boolean saturated = false;
            for (int i = 0; i < 16 && !saturated; i++) {
                Socket s = new Socket();
                fillers.add(s);
                try {
                    s.connect(full.getLocalSocketAddress(), 200);
                } catch (SocketTimeoutException e) {
                    saturated = true;
                }
            }
            Assumptions.assumeTrue(saturated, "this kernel refuses instead of dropping SYNs on a full backlog");
            ProviderContext capped = ProviderContext.builder().setting("tcp.connectTimeout", "150ms").build();
            try (Transport t = provider().open(capped)) {
                long t0 = System.nanoTime();
                UnderstudyException e = assertCode(ErrorCode.TIMEOUT,
                        () -> t.connect(new InetEndpoint(LOOPBACK, full.getLocalPort()), DataAccessPort.DAFS, Duration.ofSeconds(30)));
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(ms >= 100 && ms < 5_000, "connect gave up after " + ms + " ms, expected about 150 (the cap)");
                assertTrue(e.getMessage().contains("150 ms"), e.getMessage());
            }
        } finally {
            for (Socket s : fillers) {
                s.close();
            }
        }
    }

    // ---- helpers ----

    /** A raw socket connected to a listener, and the connection the listener accepted for it. */
    record Raw(Socket socket, InputStream in, OutputStream out, Connection accepted) implements AutoCloseable {
        /** {@return whether the other side hung up (end of stream, or a reset if it left bytes unread)} */
        boolean disconnectedWithin(Duration d) throws IOException {
            socket.setSoTimeout((int) d.toMillis());
            try {
                return in.read() == -1;
            } catch (SocketTimeoutException e) {
                return false;
            } catch (SocketException e) {
                return true;
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
            accepted.close();
        }
    }

    private Raw rawConnect(Listener l) throws IOException {
        CompletableFuture<Connection> accepted = start(l::accept);
        Socket s = new Socket();
        s.connect(new InetSocketAddress(LOOPBACK, l.port().equals(DataAccessPort.DAFS) ? dafs : pdaf), (int) patience().toMillis());
        return new Raw(s, s.getInputStream(), s.getOutputStream(), await(accepted));
    }

    /**
     * {@return n distinct TCP port numbers free on the loopback interface a moment ago} They are drawn
     * below Linux's ephemeral range (32768 and up), so the local ports of the tests' own outgoing
     * connections cannot take them between now and the listen.
     */
    static int[] freePorts(int n) {
        java.util.Random random = new java.util.Random();
        List<ServerSocket> held = new ArrayList<>();
        try {
            for (int tries = 0; held.size() < n && tries < 1000; tries++) {
                try {
                    held.add(new ServerSocket(20_000 + random.nextInt(12_000), 1, LOOPBACK));
                } catch (IOException inUse) {
                    // taken: draw another
                }
            }
            if (held.size() < n) {
                throw new IllegalStateException("no free TCP ports between 20000 and 32000 on the loopback interface");
            }
            return held.stream().mapToInt(ServerSocket::getLocalPort).toArray();
        } finally {
            for (ServerSocket s : held) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // best effort
                }
            }
        }
    }
}
