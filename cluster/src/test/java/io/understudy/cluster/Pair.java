package io.understudy.cluster;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.understudy.api.DataAccessPort;
import io.understudy.api.InetEndpoint;
import io.understudy.api.UnderstudyException;
import io.understudy.api.event.NodeStateChanged;
import io.understudy.api.event.NodeStep;
import io.understudy.api.event.UnderstudyEvent;
import io.understudy.api.ownership.DiskId;
import io.understudy.api.ownership.NodeId;
import io.understudy.api.ownership.OwnershipService;
import io.understudy.api.spi.ProviderContext;
import io.understudy.ownership.file.FileOwnershipProvider;
import io.understudy.session.Frame;
import io.understudy.session.Status;
import io.understudy.spi.transport.Connection;
import io.understudy.spi.transport.Transport;
import io.understudy.testkit.ManualClock;
import io.understudy.transport.tcp.TcpTransportProvider;
import io.understudy.transport.vi.ViTransportProvider;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

/**
 * Two node engines, FilerA (127.0.0.11) and FilerB (127.0.0.12), in this JVM, over real TCP on loopback and
 * real file-backed disks in a temporary directory, with one manual clock. Each node keeps its event log.
 */
final class Pair implements AutoCloseable {

    static final DataAccessPort IC = NodeSettings.INTERCONNECT;
    static final NodeId A = NodeId.of("FilerA");
    static final NodeId B = NodeId.of("FilerB");
    static final DiskId A_DISK = DiskId.of("a0");
    static final DiskId B_DISK = DiskId.of("b0");

    final Path dir;
    final String dataTransport;
    final ManualClock clock = new ManualClock();
    final Node a;
    final Node b;
    final int dafs;
    final int pdaf;
    final int icA;
    final int icB;
    final List<java.net.ServerSocket> hungSockets = new CopyOnWriteArrayList<>();

    final class Node implements AutoCloseable {
        final NodeId id;
        final String address;
        final int rank;
        final int icPort;
        final int partnerIcPort;
        final List<UnderstudyEvent> events = new CopyOnWriteArrayList<>();
        /** The WARNINGs the engine logged about its interconnect. */
        final List<String> warnings = new CopyOnWriteArrayList<>();
        final TestApp app = new TestApp();
        /** The application of the next {@link #start}: {@link #app} unless a test sets a factory. */
        java.util.function.Supplier<VolumeService> services;
        VolumeService service;
        Transport transport;
        Transport interconnect;
        OwnershipService ownership;
        NodeEngine engine;
        java.util.function.UnaryOperator<NodeSettings> tweak = x -> x;
        /** The interconnect security of the next {@link #start}; none unless a test sets a key. */
        InterconnectSecurity security = InterconnectSecurity.none();
        /** Wraps the interconnect transport the engine is given (a test's tap); the identity by default. */
        java.util.function.UnaryOperator<Transport> wrapInterconnect = t -> t;

        Node(NodeId id, String address, int rank, int icPort, int partnerIcPort) {
            this.id = id;
            this.address = address;
            this.rank = rank;
            this.icPort = icPort;
            this.partnerIcPort = partnerIcPort;
        }

        /** Builds and starts a fresh engine for this node (a new process would do the same). */
        Node start() {
            interconnect = new TcpTransportProvider().open(ProviderContext.builder().portNumber(IC, icPort)
                    .setting("tcp.bindAddress", address).clock(clock).build());
            transport = switch (dataTransport) {
                case "tcp" -> new TcpTransportProvider().open(ProviderContext.builder()
                        .portNumber(DataAccessPort.DAFS, dafs).portNumber(DataAccessPort.PDAF, pdaf)
                        .setting("tcp.bindAddress", address).clock(clock).build());
                // VI: the data-access ports are discriminators on the emulated NIC at the node's address.
                case "vi" -> new ViTransportProvider().open(ProviderContext.builder()
                        .setting("vi.bindAddress", address).setting("vi.directory", dir.resolve("vi-fabric").toString())
                        .clock(clock).build());
                default -> throw new IllegalArgumentException(dataTransport);
            };
            ownership = openOwnership(id);
            NodeId partner = id.equals(A) ? B : A;
            NodeSettings s = NodeSettings.defaults(id, partner, rank, List.of(id.equals(A) ? A_DISK : B_DISK),
                    List.of(id.equals(A) ? B_DISK : A_DISK), new InetEndpoint(loopback(id.equals(A) ? "127.0.0.12" : "127.0.0.11"), partnerIcPort));
            engine = NodeEngine.builder().settings(tweak.apply(s)).dataTransport(transport).interconnectTransport(wrapInterconnect.apply(interconnect)).ownership(ownership).volumeService(service = services == null ? app : services.get())
                    .clock(clock).autoTick(false).listener(events::add).security(security).warnings(warnings::add).build();
            engine.start();
            return this;
        }

        /**
         * Stops the engine as a crash of the process would: no message to the partner, the disks stay as they
         * were, and the host refuses connections to the interconnect port (nothing listens there any more).
         */
        void crash() {
            engine.close();
            transport.close();
            interconnect.close();
            ownership.close();
        }

        /**
         * Crashes the engine but leaves the host accepting connections on the interconnect port without ever
         * reading (a hung host, or a process stopped with SIGSTOP): the partner sees only silence, no refusal.
         * The socket is closed with the pair.
         */
        void crashLeavingTheHostSilent() throws java.io.IOException {
            crash();
            java.net.ServerSocket hung = new java.net.ServerSocket();
            hung.setReuseAddress(true);
            hung.bind(new java.net.InetSocketAddress(loopback(address), icPort), 50);
            hungSockets.add(hung);
        }

        List<String> steps() {
            List<String> out = new ArrayList<>();
            for (UnderstudyEvent e : events) {
                if (e instanceof NodeStep s) {
                    out.add(s.step().name());
                } else if (e instanceof NodeStateChanged c) {
                    out.add(c.to().name());
                }
            }
            return out;
        }

        /** Sends one request on a port of this node over real TCP and returns the reply. */
        Frame request(DataAccessPort port, String text) {
            try (Connection c = transport.connect(InetEndpoint.of(loopback(address)), port, Duration.ofSeconds(2))) {
                c.send(Frame.request(1, 1, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8))).encode());
                return Frame.decode(c.receive(Duration.ofSeconds(5)));
            }
        }

        String ok(DataAccessPort port, String text) {
            Frame f = request(port, text);
            if (f.status() != Status.OK) {
                fail(id + " " + port + " '" + text + "' -> " + f.status() + " " + StandardCharsets.UTF_8.decode(f.payload()));
            }
            return StandardCharsets.UTF_8.decode(f.payload()).toString();
        }

        /** Opens a connection to a port of this node (the caller closes it). */
        Connection open(DataAccessPort port) {
            return transport.connect(InetEndpoint.of(loopback(address)), port, Duration.ofSeconds(2));
        }

        /** Sends one request on an open connection and returns the reply, on another thread. */
        static java.util.concurrent.CompletableFuture<Frame> send(Connection c, long seq, String text) {
            c.send(Frame.request(1, seq, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8))).encode());
            return java.util.concurrent.CompletableFuture.supplyAsync(() -> Frame.decode(c.receive(Duration.ofSeconds(20))),
                    java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        }

        boolean refuses(DataAccessPort port) {
            try (Connection c = transport.connect(InetEndpoint.of(loopback(address)), port, Duration.ofSeconds(2))) {
                return false;
            } catch (UnderstudyException e) {
                return true;
            }
        }

        @Override
        public void close() {
            if (engine != null) {
                engine.close();
            }
            if (transport != null) {
                transport.close();
            }
            if (interconnect != null) {
                interconnect.close();
            }
            if (ownership != null) {
                ownership.close();
            }
        }
    }

    Pair(Path dir) throws Exception {
        this(dir, "tcp");
    }

    /** A pair whose data-access ports use {@code dataTransport} ({@code tcp} or {@code vi}); the interconnect is TCP. */
    Pair(Path dir, String dataTransport) throws Exception {
        this.dir = dir;
        this.dataTransport = dataTransport;
        int[] ports = freePorts(4);
        dafs = ports[0];
        pdaf = ports[1];
        icA = ports[2];
        icB = ports[3];
        a = new Node(A, "127.0.0.11", 0, icA, icB);
        b = new Node(B, "127.0.0.12", 1, icB, icA);
    }

    OwnershipService openOwnership(NodeId node) {
        return new FileOwnershipProvider().open(ProviderContext.builder().nodeName(node.name()).clock(clock)
                .setting("file.directory", dir.toString()).setting("file.create", "a0:1MiB,b0:1MiB").build());
    }

    Pair start() {
        a.start();
        b.start();
        return this;
    }

    /** Exchanges heartbeats until each node has heard the other. */
    void heartbeatUntilHeard() {
        waitFor(() -> {
            a.engine.tick();
            b.engine.tick();
            return !a.engine.status().partnerState().equals("unknown") && !b.engine.status().partnerState().equals("unknown");
        }, "both nodes hear each other");
    }

    /** Moves time past the detection window (5 x 100 ms) and the split-brain delay. */
    void silenceLongerThanWindow() {
        clock.advance(Duration.ofMillis(1000));
    }

    static void waitFor(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting until " + what);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(2_000_000);
        }
    }

    static InetAddress loopback(String a) {
        try {
            return InetAddress.getByName(a);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Consecutive-free ports below Linux's ephemeral range (32768+), free on both node addresses, so that no
     * outgoing connection of these tests can be holding one when a node restarts on it.
     */
    static int[] freePorts(int n) throws Exception {
        java.util.Random r = new java.util.Random();
        for (int attempt = 0; attempt < 500; attempt++) {
            int base = 20000 + r.nextInt(12000);
            boolean free = true;
            for (int p = base; p < base + n && free; p++) {
                for (String a : new String[] {"127.0.0.11", "127.0.0.12"}) {
                    try (ServerSocket s = new ServerSocket()) {
                        s.bind(new java.net.InetSocketAddress(InetAddress.getByName(a), p));
                    } catch (java.io.IOException e) {
                        free = false;
                    }
                }
            }
            if (free) {
                int[] out = new int[n];
                for (int i = 0; i < n; i++) {
                    out[i] = base + i;
                }
                return out;
            }
        }
        throw new IllegalStateException("no free ports");
    }

    static void assertInOrder(List<String> actual, String... expected) {
        int i = 0;
        for (String s : actual) {
            if (i < expected.length && s.equals(expected[i])) {
                i++;
            }
        }
        assertTrue(i == expected.length, "expected in order " + List.of(expected) + " within " + actual);
    }

    @Override
    public void close() {
        a.close();
        b.close();
        for (java.net.ServerSocket s : hungSockets) {
            try {
                s.close();
            } catch (java.io.IOException e) {
                // closing a test socket: nothing to do
            }
        }
    }
}
