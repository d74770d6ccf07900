package io.understudy.transport.vi.bench;

import io.understudy.api.DataAccessPort;
import io.understudy.api.Endpoint;
import io.understudy.api.InetEndpoint;
import io.understudy.api.ViEndpoint;
import io.understudy.api.spi.ProviderContext;
import io.understudy.spi.transport.Connection;
import io.understudy.spi.transport.Listener;
import io.understudy.spi.transport.Transport;
import io.understudy.spi.transport.TransportProvider;
import io.understudy.transport.tcp.TcpTransportProvider;
import io.understudy.transport.vi.ViTransportProvider;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;

/**
 * The VI transport benchmark: 64-byte round trip (median, p99) and 4 KiB streaming throughput, over the
 * {@code vi} transport on shared memory and on its TCP wire fabric (loopback), a raw shared-memory ping-pong (the floor: two words in a mapped
 * file, the same spin-then-park waiting), and {@code tcp} on loopback, in one run, each between two threads
 * of this JVM. Run it with {@code impl-vi/bench.sh} (see docs/PERFORMANCE.md).
 *
 * <p>Arguments: {@code [roundTrips] [streamFrames]}, default 50000 and 100000.
 */
public final class ViBenchmark {
    private static final VarHandle LONG = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());
    private static final Duration WAIT = Duration.ofSeconds(30);

    private ViBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int trips = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
        int frames = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        Path dir = Files.createTempDirectory(Path.of(Files.isDirectory(Path.of("/dev/shm")) ? "/dev/shm" : System.getProperty("java.io.tmpdir")),
                "understudy-vi-bench-");
        try {
            System.out.printf("%-22s %12s %12s %12s %16s%n", "transport", "rtt median", "rtt p99", "rtt mean", "4 KiB stream");
            long[] raw = rawPingPong(dir, trips);
            print("raw shm ping-pong", raw, Double.NaN);
            ProviderContext vi = ProviderContext.builder().setting("vi.directory", dir.resolve("fabric").toString())
                    .setting("vi.bindAddress", "bench/nic0").build();
            run("vi (shared memory)", new ViTransportProvider(), vi, new ViEndpoint("bench/nic0"), trips, frames);
            int wirePort = freePort();
            ProviderContext wire = ProviderContext.builder().setting("vi.directory", dir.resolve("fabric").toString())
                    .setting("vi.bindAddress", "bench/nic1").setting("vi.wirePort", String.valueOf(wirePort))
                    .setting("vi.wireAddress", "127.0.0.1").build();
            run("vi (wire, loopback)", new ViTransportProvider(), wire, new InetEndpoint(InetAddress.getLoopbackAddress(), wirePort),
                    trips, frames);
            int port = freePort();
            ProviderContext tcp = ProviderContext.builder().portNumber(DataAccessPort.DAFS, port)
                    .setting("tcp.bindAddress", "127.0.0.1").build();
            run("tcp (loopback)", new TcpTransportProvider(), tcp, InetEndpoint.of(InetAddress.getLoopbackAddress()), trips, frames);
        } finally {
            try (var walk = Files.walk(dir)) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void run(String name, TransportProvider provider, ProviderContext ctx, Endpoint at, int trips, int frames)
            throws Exception {
        try (Transport server = provider.open(ctx); Transport client = provider.open(ctx)) {
            Listener l = server.listen(DataAccessPort.DAFS);
            CompletableFuture<Connection> accepted = CompletableFuture.supplyAsync(l::accept);
            Connection c = client.connect(at, DataAccessPort.DAFS, WAIT);
            Connection s = accepted.get();
            Thread echo = Thread.ofPlatform().name("bench-echo").start(() -> {
                // Echo round trips, then count the stream and acknowledge it.
                for (int i = 0; i < trips; i++) {
                    s.send(s.receive(WAIT));
                }
                for (int i = 0; i < frames; i++) {
                    s.receive(WAIT);
                }
                s.send(ByteBuffer.allocate(1));
            });
            ByteBuffer small = ByteBuffer.allocate(64);
            long[] rtt = new long[trips];
            for (int i = 0; i < trips; i++) {
                long t0 = System.nanoTime();
                c.send(small.clear());
                c.receive(WAIT);
                rtt[i] = System.nanoTime() - t0;
            }
            ByteBuffer page = ByteBuffer.allocate(4096);
            long t0 = System.nanoTime();
            for (int i = 0; i < frames; i++) {
                c.send(page.clear());
            }
            c.receive(WAIT);
            long ns = System.nanoTime() - t0;
            echo.join();
            double mibs = (double) frames * 4096 / (1 << 20) / (ns / 1e9);
            print(name, Arrays.copyOfRange(rtt, trips / 5, trips), mibs); // the first fifth is warm-up
        }
    }

    /** Two threads bounce a counter through two words of a mapped file: the cost of shared memory itself. */
    private static long[] rawPingPong(Path dir, int trips) throws IOException, InterruptedException {
        MappedByteBuffer b;
        try (FileChannel ch = FileChannel.open(dir.resolve("raw"), StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            b = ch.map(FileChannel.MapMode.READ_WRITE, 0, 4096);
        }
        Thread pong = Thread.ofPlatform().name("bench-pong").start(() -> {
            for (long i = 1; i <= trips; i++) {
                awaitValue(b, 0, i);
                LONG.setRelease(b, 128, i);
            }
        });
        long[] rtt = new long[trips];
        for (int i = 1; i <= trips; i++) {
            long t0 = System.nanoTime();
            LONG.setRelease(b, 0, (long) i);
            awaitValue(b, 128, i);
            rtt[i - 1] = System.nanoTime() - t0;
        }
        pong.join();
        return Arrays.copyOfRange(rtt, trips / 5, trips);
    }

    /** The VI fabric's waiting: spin 20 us, 50 yields, then parks doubling from 1 us to 1 ms. */
    private static void awaitValue(ByteBuffer b, int offset, long value) {
        int n = 0;
        long park = 1_000;
        long spinUntil = System.nanoTime() + Long.getLong("understudy.vi.spinNanos", 20_000);
        int yields = Integer.getInteger("understudy.vi.yields", 50);
        while ((long) LONG.getAcquire(b, offset) != value) {
            if (n == 0) {
                Thread.onSpinWait();
                if (System.nanoTime() - spinUntil >= 0) {
                    n = 1;
                }
            } else if (n <= yields) {
                n++;
                Thread.yield();
            } else {
                LockSupport.parkNanos(park);
                park = Math.min(park << 1, 1_000_000);
            }
        }
    }

    private static void print(String name, long[] rtt, double mibs) {
        long[] s = rtt.clone();
        Arrays.sort(s);
        double mean = Arrays.stream(s).average().orElse(0);
        System.out.printf("%-22s %9.1f us %9.1f us %9.1f us %16s%n", name, s[s.length / 2] / 1e3, s[(int) (s.length * 0.99)] / 1e3,
                mean / 1e3, Double.isNaN(mibs) ? "-" : String.format("%.0f MiB/s", mibs));
    }
}
