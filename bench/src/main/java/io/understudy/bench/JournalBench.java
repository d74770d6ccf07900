package io.understudy.bench;

import io.understudy.api.DataAccessPort;
import io.understudy.api.ownership.ClaimResult;
import io.understudy.api.ownership.DiskId;
import io.understudy.api.ownership.DiskIo;
import io.understudy.api.ownership.OwnershipService;
import io.understudy.api.spi.ProviderContext;
import io.understudy.cluster.JournaledApplication;
import io.understudy.cluster.JournaledVolumeService;
import io.understudy.cluster.RequestContext;
import io.understudy.ownership.file.FileOwnershipProvider;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;

/**
 * Durable writes per second and acknowledgement latency (p50, p99) of the journal at 1, 16 and 64
 * concurrent clients, side by side with a raw baseline: the same group commit (leader writes and forces
 * what every waiter appended) straight on a {@link FileChannel} over a preallocated file, with records of
 * the same size. Both run in this process on the same file system; no network.
 *
 * <p>Each measurement: a warm-up, then {@code bench.iterations} timed runs of {@code bench.seconds}; every
 * acknowledgement's latency is kept (no sampling) and the percentiles are over all of them. Settings:
 * {@code -Dbench.dir} (default: a temporary directory under {@code java.io.tmpdir}), {@code bench.clients}
 * (default {@code 1,16,64}), {@code bench.seconds} (3), {@code bench.warmup} (1), {@code bench.iterations}
 * (3). Run with {@code bench/run}.
 */
public final class JournalBench {

    static final int REQUEST_BYTES = 64;
    static final int REPLY_BYTES = 8;
    static final DiskId DISK = DiskId.of("j0");

    /** One client's work: do one durable write and return when it is acknowledged. */
    interface Writer {
        void write(int client, long sequence) throws Exception;
    }

    record Result(String name, int clients, long writes, double seconds, long forces, long p50, long p99, long p999) {
        double perSecond() {
            return writes / seconds;
        }
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(System.getProperty("bench.dir", Files.createTempDirectory("understudy-bench").toString()));
        Files.createDirectories(dir);
        int[] clients = Arrays.stream(System.getProperty("bench.clients", "1,16,64").split(",")).mapToInt(Integer::parseInt).toArray();
        double seconds = Double.parseDouble(System.getProperty("bench.seconds", "3"));
        double warmup = Double.parseDouble(System.getProperty("bench.warmup", "1"));
        int iterations = Integer.getInteger("bench.iterations", 3);
        System.out.printf("understudy journal bench: dir=%s cpus=%d java=%s os=%s %s%n", dir, Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"), System.getProperty("os.name"), System.getProperty("os.version"));
        System.out.printf("request %d B, reply %d B, record %d B; warm-up %.1f s, %d x %.1f s per cell%n",
                REQUEST_BYTES, REPLY_BYTES, 44 + REQUEST_BYTES + REPLY_BYTES + 4, warmup, iterations, seconds);

        List<Result> results = new ArrayList<>();
        for (int n : clients) {
            try (RawGroupCommit raw = new RawGroupCommit(dir.resolve("raw.log"), 64L << 20, 44 + REQUEST_BYTES + REPLY_BYTES + 4)) {
                results.add(measure("raw FileChannel.force group commit", n, raw::write, raw::forces, warmup, seconds, iterations));
            }
            try (JournalTarget j = new JournalTarget(dir.resolve("disks-" + n))) {
                results.add(measure("journal (JournaledVolumeService)", n, j::write, j::forces, warmup, seconds, iterations));
            }
        }
        System.out.println();
        System.out.println("| path | clients | durable writes/s | writes per force | p50 ack | p99 ack | p99.9 ack |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|");
        for (Result r : results) {
            System.out.printf("| %s | %d | %,.0f | %.1f | %s | %s | %s |%n", r.name(), r.clients(), r.perSecond(),
                    r.forces() == 0 ? 0.0 : (double) r.writes() / r.forces(), us(r.p50()), us(r.p99()), us(r.p999()));
        }
    }

    static String us(long nanos) {
        return nanos >= 10_000_000 ? String.format("%.1f ms", nanos / 1e6) : String.format("%.0f us", nanos / 1e3);
    }

    static Result measure(String name, int clients, Writer w, java.util.function.LongSupplier forces, double warmup,
                          double seconds, int iterations) throws Exception {
        run(clients, w, warmup, new long[clients][], new long[clients]);
        long totalWrites = 0;
        double totalSeconds = 0;
        long forcesBefore = forces.getAsLong();
        List<long[]> all = new ArrayList<>();
        for (int i = 0; i < iterations; i++) {
            long[][] lat = new long[clients][];
            long[] counts = new long[clients];
            double s = run(clients, w, seconds, lat, counts);
            totalSeconds += s;
            for (int c = 0; c < clients; c++) {
                totalWrites += counts[c];
                all.add(Arrays.copyOf(lat[c], (int) counts[c]));
            }
        }
        long forcesDone = forces.getAsLong() - forcesBefore;
        long[] merged = all.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        Result r = new Result(name, clients, totalWrites, totalSeconds, forcesDone, pct(merged, 0.50), pct(merged, 0.99), pct(merged, 0.999));
        System.out.printf("%-36s clients=%-3d %,10.0f writes/s  p50=%s p99=%s%n", name, clients, r.perSecond(), us(r.p50()), us(r.p99()));
        return r;
    }

    static long pct(long[] sorted, double p) {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    /** Runs {@code clients} threads for {@code seconds}; returns the measured wall time. */
    static double run(int clients, Writer w, double seconds, long[][] latencies, long[] counts) throws Exception {
        CyclicBarrier start = new CyclicBarrier(clients + 1);
        long[] startNs = new long[1];
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        long durationNs = (long) (seconds * 1e9);
        for (int c = 0; c < clients; c++) {
            int id = c;
            threads.add(Thread.ofPlatform().name("bench-client-" + c).start(() -> {
                long[] lat = new long[1 << 16];
                long n = 0;
                try {
                    start.await();
                    long end = startNs[0] + durationNs;
                    long seq = sequences.computeIfAbsent(id, k -> new long[1])[0];
                    while (true) {
                        long t0 = System.nanoTime();
                        if (t0 >= end) {
                            break;
                        }
                        w.write(id, ++seq);
                        long dt = System.nanoTime() - t0;
                        if (n == lat.length) {
                            lat = Arrays.copyOf(lat, lat.length * 2);
                        }
                        lat[(int) n++] = dt;
                    }
                    sequences.get(id)[0] = seq;
                } catch (Throwable t) {
                    failures.add(t);
                }
                latencies[id] = lat;
                counts[id] = n;
            }));
        }
        startNs[0] = System.nanoTime() + 5_000_000;
        start.await();
        for (Thread t : threads) {
            t.join();
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException("a client failed", failures.get(0));
        }
        return (System.nanoTime() - startNs[0]) / 1e9;
    }

    private static final Map<Integer, long[]> sequences = new ConcurrentHashMap<>();

    /** The baseline: leader/follower group commit of fixed-size records on a preallocated file. */
    static final class RawGroupCommit implements AutoCloseable {
        private final FileChannel ch;
        private final long size;
        private final int recordBytes;
        private final Object bufLock = new Object();
        private final Object flushLock = new Object();
        private ByteBuffer pending = ByteBuffer.allocateDirect(1 << 20);
        private ByteBuffer spare = ByteBuffer.allocateDirect(1 << 20);
        private long appended;
        private long pendingUpTo;
        private volatile long durable;
        private long position;
        private volatile long forces;
        private boolean flushing;

        RawGroupCommit(Path file, long size, int recordBytes) throws IOException {
            this.size = size;
            this.recordBytes = recordBytes;
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
            for (long p = 0; p < size; p += zeros.capacity()) {
                ch.write(zeros.clear(), p);
            }
            ch.force(true);
        }

        void write(int client, long sequence) throws IOException {
            long mine;
            synchronized (bufLock) {
                mine = ++appended;
                for (int i = 0; i < recordBytes / 8; i++) {
                    pending.putLong(mine ^ i);
                }
                pending.put(new byte[recordBytes % 8]);
                pendingUpTo = mine;
            }
            if (durable >= mine) {
                return;
            }
            synchronized (flushLock) {
                while (true) {
                    if (durable >= mine) {
                        return;
                    }
                    if (!flushing) {
                        flushing = true;
                        break;
                    }
                    try {
                        flushLock.wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException(e);
                    }
                }
            }
            try {
                ByteBuffer batch;
                long upTo;
                synchronized (bufLock) {
                    batch = pending;
                    pending = spare;
                    upTo = pendingUpTo;
                }
                batch.flip();
                if (position + batch.remaining() > size) {
                    position = 0;
                }
                while (batch.hasRemaining()) {
                    position += ch.write(batch, position);
                }
                ch.force(false);
                forces++;
                batch.clear();
                spare = batch;
                durable = upTo;
            } finally {
                synchronized (flushLock) {
                    flushing = false;
                    flushLock.notifyAll();
                }
            }
        }

        long forces() {
            return forces;
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }

    /** The journal on a file-backed volume, through {@link JournaledVolumeService#handle}. */
    static final class JournalTarget implements AutoCloseable {
        private final OwnershipService ownership;
        private final DiskIo io;
        private final JournaledVolumeService svc;
        private final ByteBuffer request;
        private final long[] sessions = new long[1024];

        JournalTarget(Path dir) throws IOException {
            Files.createDirectories(dir);
            ownership = new FileOwnershipProvider().open(ProviderContext.builder().nodeName("BenchNode")
                    .setting("file.directory", dir.toString()).setting("file.create", DISK.name() + ":40MiB").build());
            if (!(ownership.claim(DISK) instanceof ClaimResult.Acquired)) {
                throw new IllegalStateException("could not claim " + DISK + " in " + dir);
            }
            io = ownership.open(DISK);
            svc = JournaledVolumeService.builder().application(new Counter()).checkpointSlotBytes(2 << 20)
                    .halfBytes(16 << 20).maxReplyBytes(64).checkpointInterval(Duration.ofSeconds(10)).build();
            svc.mount(DISK, io);
            byte[] req = new byte[REQUEST_BYTES];
            Arrays.fill(req, (byte) 'x');
            System.arraycopy("incr j0 ".getBytes(), 0, req, 0, 8);
            request = ByteBuffer.wrap(req).asReadOnlyBuffer();
            java.util.Random r = new java.util.Random(42);
            for (int i = 0; i < sessions.length; i++) {
                sessions[i] = r.nextLong();
            }
        }

        void write(int client, long sequence) {
            svc.handle(new RequestContext(DataAccessPort.DAFS, Set.of(DISK), sessions[client], sequence), request.duplicate());
        }

        long forces() {
            long[] c = svc.counters(DISK);
            return c == null ? 0 : c[1];
        }

        @Override
        public void close() {
            svc.consistencyPoint(DISK);
            svc.unmount(DISK);
            svc.close();
            io.close();
            ownership.close();
        }
    }

    /** A counter per volume: {@code incr VOL ...} answers the new value (8 bytes). */
    static final class Counter implements JournaledApplication {
        private final Map<DiskId, long[]> values = new ConcurrentHashMap<>();

        @Override
        public Route route(RequestContext request, ByteBuffer payload) {
            return new Route(DISK, true);
        }

        @Override
        public void restore(DiskId disk, ByteBuffer snapshot) {
            values.put(disk, new long[] {snapshot.remaining() >= 8 ? snapshot.getLong(snapshot.position()) : 0});
        }

        @Override
        public ByteBuffer execute(DiskId disk, ByteBuffer payload) {
            long[] v = values.get(disk);
            return ByteBuffer.allocate(REPLY_BYTES).putLong(0, ++v[0]);
        }

        @Override
        public ByteBuffer snapshot(DiskId disk) {
            return ByteBuffer.allocate(8).putLong(0, values.get(disk)[0]);
        }

        @Override
        public void forget(DiskId disk) {
            values.remove(disk);
        }
    }
}
