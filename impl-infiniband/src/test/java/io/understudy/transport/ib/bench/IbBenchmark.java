package io.understudy.transport.ib.bench;

import io.understudy.api.DataAccessPort;
import io.understudy.api.Endpoint;
import io.understudy.api.IbEndpoint;
import io.understudy.api.InetEndpoint;
import io.understudy.api.ViEndpoint;
import io.understudy.api.spi.ProviderContext;
import io.understudy.spi.transport.Connection;
import io.understudy.spi.transport.Listener;
import io.understudy.spi.transport.Transport;
import io.understudy.spi.transport.TransportProvider;
import io.understudy.spi.transport.TransportRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.concurrent.CompletableFuture;

/**
 * The ib transport on the software verbs against {@code vi} (shared memory) and {@code tcp} (loopback), in one
 * run, each between two threads of this JVM: 64-byte round trip (median, p99, mean; first fifth is warm-up)
 * and 4 KiB streaming throughput. Run with {@code impl-infiniband/bench.sh [roundTrips] [streamFrames]}. The
 * software verbs measure this transport's own logic (fragmenting, credits, completion polling), not a fabric.
 */
public final class IbBenchmark {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private IbBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int trips = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int frames = args.length > 1 ? Integer.parseInt(args[1]) : 50_000;
        TransportRegistry reg = TransportRegistry.getDefault();
        System.out.printf("%-24s %12s %12s %12s %16s%n", "transport", "rtt median", "rtt p99", "rtt mean", "4 KiB stream");
        String gid = "fe80:0000:0000:0000:0000:0000:0000:0b01";
        ProviderContext ib = ProviderContext.builder().portNumber(DataAccessPort.DAFS, 4100).setting("ib.software", "true")
                .setting("ib.bindAddress", gid).build();
        run("ib (software, jvm fabric)", reg.select("ib", null), ib, new IbEndpoint(gid), trips, frames);
        Path dir = Files.createTempDirectory("understudy-ib-bench-");
        try {
            ProviderContext vi = ProviderContext.builder().setting("vi.directory", dir.toString()).setting("vi.bindAddress", "bench/nic0").build();
            run("vi (shared memory)", reg.select("vi", null), vi, new ViEndpoint("bench/nic0"), trips, frames);
        } finally {
            try (var walk = Files.walk(dir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        int ibPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            ibPort = s.getLocalPort();
        }
        ProviderContext ibTcp = ProviderContext.builder().portNumber(DataAccessPort.DAFS, ibPort).setting("ib.software", "true")
                .setting("ib.fabric", "tcp").setting("ib.bindAddress", "127.0.0.1").build();
        run("ib (software, tcp fabric)", reg.select("ib", null), ibTcp, InetEndpoint.of(InetAddress.getLoopbackAddress()), trips, frames);
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        ProviderContext tcp = ProviderContext.builder().portNumber(DataAccessPort.DAFS, port).setting("tcp.bindAddress", "127.0.0.1").build();
        run("tcp (loopback)", reg.select("tcp", null), tcp, InetEndpoint.of(InetAddress.getLoopbackAddress()), trips, frames);
    }

    private static void run(String name, TransportProvider provider, ProviderContext ctx, Endpoint at, int trips, int frames)
            throws Exception {
        try (Transport server = provider.open(ctx); Transport client = provider.open(ctx)) {
            Listener l = server.listen(DataAccessPort.DAFS);
            CompletableFuture<Connection> accepted = CompletableFuture.supplyAsync(l::accept);
            Connection c = client.connect(at, DataAccessPort.DAFS, WAIT);
            Connection s = accepted.get();
            Thread echo = Thread.ofPlatform().name("bench-echo").start(() -> {
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
            long[] r = Arrays.copyOfRange(rtt, trips / 5, trips);
            Arrays.sort(r);
            double mibs = (double) frames * 4096 / (1 << 20) / (ns / 1e9);
            System.out.printf("%-24s %9.1f us %9.1f us %9.1f us %12.0f MiB/s%n", name, r[r.length / 2] / 1e3,
                    r[(int) (r.length * 0.99)] / 1e3, Arrays.stream(r).average().orElse(0) / 1e3, mibs);
        }
    }
}
