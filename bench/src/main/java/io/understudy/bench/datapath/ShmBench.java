package io.understudy.bench.datapath;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The shared-memory floor under {@link ViBench}, the same as {@code impl-vi/bench.sh}'s "raw shm
 * ping-pong": the benchmark thread and a pong thread bounce a counter through two 8-byte words of a file
 * mapped from {@code /dev/shm}, waiting exactly as the VI fabric waits (spin 20 µs, 50 yields, then parks
 * doubling from 1 µs to 1 ms). Round trip only: one benchmark thread.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ShmBench {

    private static final VarHandle LONG = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());
    private static final int PING = 0;
    private static final int PONG = 128;

    /** The mapped words and the pong thread. */
    @State(Scope.Benchmark)
    public static class Pair {
        Path dir;
        MappedByteBuffer words;
        Thread pong;
        volatile boolean stop;
        long next;

        /** Maps the file and starts the pong thread. */
        @Setup(Level.Trial)
        public void start() throws IOException {
            dir = tempDir("understudy-shm-bench-");
            try (FileChannel ch = FileChannel.open(dir.resolve("words"), StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE)) {
                words = ch.map(FileChannel.MapMode.READ_WRITE, 0, 4096);
            }
            pong = Thread.ofPlatform().daemon().name("shm-pong").start(() -> {
                for (long i = 1; ; i++) {
                    if (!await(words, PING, i, this)) {
                        return;
                    }
                    LONG.setRelease(words, PONG, i);
                }
            });
        }

        /** Stops the pong thread and removes the file. */
        @TearDown(Level.Trial)
        public void stop() throws Exception {
            stop = true;
            pong.join(Duration.ofSeconds(5));
            delete(dir);
        }
    }

    /** {@return the counter} after one round trip */
    @Benchmark
    public long roundTrip(Pair p) {
        long i = ++p.next;
        LONG.setRelease(p.words, PING, i);
        await(p.words, PONG, i, p);
        return i;
    }

    /** Waits as the VI fabric waits; {@return false} if the pair was stopped first. */
    static boolean await(ByteBuffer b, int offset, long value, Pair p) {
        int n = 0;
        long park = 1_000;
        long spinUntil = System.nanoTime() + 20_000;
        while ((long) LONG.getAcquire(b, offset) != value) {
            if (n == 0) {
                Thread.onSpinWait();
                if (System.nanoTime() - spinUntil >= 0) {
                    n = 1;
                }
            } else if (n <= 50) {
                n++;
                Thread.yield();
            } else {
                if (p.stop) {
                    return false;
                }
                LockSupport.parkNanos(park);
                park = Math.min(park << 1, 1_000_000);
            }
        }
        return true;
    }

    /** {@return a fresh directory under /dev/shm, or the temporary directory where there is none} */
    static Path tempDir(String prefix) throws IOException {
        Path shm = Path.of("/dev/shm");
        return Files.createTempDirectory(Files.isDirectory(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir")), prefix);
    }

    /** Deletes a directory tree. */
    static void delete(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
