package io.understudy.examples.fileservice;

import static io.understudy.examples.fileservice.Fixture.VOL;
import static io.understudy.examples.fileservice.Fixture.bytes;
import static io.understudy.examples.fileservice.Fixture.text;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.DataAccessPort;
import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.api.ownership.DiskId;
import io.understudy.cluster.RequestContext;
import io.understudy.session.ApplicationException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class FileServiceTest {

    @Test
    void everyOperationRoundTrips() {
        Fixture f = new Fixture(64 * 1024);
        FileServiceClient c = f.client;

        FileReply.Created created = c.create(VOL, "docs/readme.txt");
        assertTrue(created.created());
        assertEquals(0, created.size());
        assertEquals(new FileReply.Written(11), c.write(VOL, "docs/readme.txt", 0, bytes("hello world")));
        assertEquals(new FileReply.Written(11), c.write(VOL, "docs/readme.txt", 6, bytes("WORLD")));

        FileReply.ReadData all = c.read(VOL, "docs/readme.txt", 0, 100);
        assertEquals("hello WORLD", text(all));
        assertEquals(11, all.fileSize());
        assertEquals("lo W", text(c.read(VOL, "docs/readme.txt", 3, 4)));
        assertEquals("", text(c.read(VOL, "docs/readme.txt", 11, 4)), "at the end");
        assertEquals("", text(c.read(VOL, "docs/readme.txt", 500, 4)), "past the end");

        c.create(VOL, "a");
        assertEquals(List.of(new FileInfo("a", 0), new FileInfo("docs/readme.txt", 11)), c.list(VOL));
        assertEquals(Optional.of(new FileInfo("docs/readme.txt", 11)), c.stat(VOL, "docs/readme.txt"));
        assertEquals(Optional.empty(), c.stat(VOL, "nope"));
        assertTrue(f.io.allDurable(), "every acknowledged write was forced");
    }

    @Test
    void writesPastTheEndLeaveAZeroFilledHoleAndOverlapsKeepTheNewestBytes() {
        Fixture f = new Fixture(64 * 1024);
        f.client.create(VOL, "sparse");
        assertEquals(10, f.client.write(VOL, "sparse", 8, bytes("xy")).size());
        assertArrayEquals(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 'x', 'y'}, f.client.read(VOL, "sparse", 0, 10).bytes());
        f.client.write(VOL, "sparse", 2, bytes("abcdefg")); // covers part of the hole and the 'x'
        assertArrayEquals(new byte[] {0, 0, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'y'}, f.client.read(VOL, "sparse", 0, 10).bytes());
    }

    @Test
    void readsComeFromTheDiskNotAHeapCopy() {
        Fixture f = new Fixture(64 * 1024);
        f.client.create(VOL, "f");
        f.client.write(VOL, "f", 0, bytes("abc"));
        long dataAt = VolumeLayoutDescriptor.LOG_START + VolumeLayoutDescriptor.recordLength(1, 0)
                + VolumeLayoutDescriptor.RECORD_HEADER_LENGTH + 1;
        f.io.poke(dataAt, bytes("Z"));
        assertEquals("Zbc", text(f.client.read(VOL, "f", 0, 3)));
    }

    @Test
    void resentCreateAndWriteAreIdempotent() {
        Fixture f = new Fixture(64 * 1024);
        assertTrue(f.client.create(VOL, "f").created());
        f.client.write(VOL, "f", 0, bytes("0123456789"));
        // A failover re-sends both:
        FileReply.Created again = f.client.create(VOL, "f");
        assertFalse(again.created());
        assertEquals(10, again.size());
        assertEquals(10, f.client.write(VOL, "f", 0, bytes("0123456789")).size());
        assertEquals("0123456789", text(f.client.read(VOL, "f", 0, 100)));
        Fixture after = f.crashAndRemount();
        assertEquals("0123456789", text(after.client.read(VOL, "f", 0, 100)));
        assertEquals(List.of(new FileInfo("f", 10)), after.client.list(VOL));
    }

    @Test
    void reopenRecoversEveryAcknowledgedWrite() {
        Fixture f = new Fixture(256 * 1024);
        Map<String, String> expected = new TreeMap<>();
        for (int i = 0; i < 20; i++) {
            String path = "dir" + (i % 3) + "/file" + i;
            f.client.create(VOL, path);
            StringBuilder content = new StringBuilder();
            for (int chunk = 0; chunk < 3; chunk++) {
                String s = "<" + i + ":" + chunk + ">";
                f.client.write(VOL, path, content.length(), bytes(s));
                content.append(s);
            }
            expected.put(path, content.toString());
        }
        List<FileInfo> listing = f.client.list(VOL);

        // Clean reopen: unmount, a new service, mount the same disk.
        f.service.unmount(VOL);
        Fixture reopened = new Fixture(f.io);
        assertEquals(listing, reopened.client.list(VOL));
        assertEquals(expected, contents(reopened, listing));
        MountReport report = reopened.service.mountReport(VOL).orElseThrow();
        assertFalse(report.formatted());
        assertTrue(report.clean());
        assertEquals(20 * 4, report.records());
        assertEquals("test-node", report.createdBy());

        // Crash: only what was forced survives, and that is everything acknowledged.
        Fixture crashed = f.crashAndRemount();
        assertEquals(expected, contents(crashed, listing));
        assertTrue(crashed.log.at(System.Logger.Level.WARNING).isEmpty(), crashed.log.entries.toString());
    }

    @Test
    void aBlankVolumeIsFormattedOnceAndWhatItIsNotIsRefused() {
        Fixture f = new Fixture(8 * 1024);
        MountReport report = f.service.mountReport(VOL).orElseThrow();
        assertTrue(report.formatted());
        assertEquals(1, report.generation());
        assertEquals(VolumeLayoutDescriptor.LOG_START, report.logEnd());
        assertTrue(f.io.allDurable(), "the superblock was forced");

        MemoryDiskIo other = new MemoryDiskIo(VOL, 8 * 1024);
        other.poke(0, bytes("ext4 or something"));
        UnderstudyException e = assertThrows(UnderstudyException.class, () -> new FileService().mount(VOL, other));
        assertEquals(ErrorCode.DISK_IO, e.code());
        assertTrue(e.getMessage().contains("bad magic"), e.getMessage());

        MemoryDiskIo headless = new MemoryDiskIo(VOL, 8 * 1024);
        headless.poke(VolumeLayoutDescriptor.LOG_START + 3, new byte[] {7});
        e = assertThrows(UnderstudyException.class, () -> new FileService().mount(VOL, headless));
        assertTrue(e.getMessage().contains("refusing to format"), e.getMessage());
        assertEquals(0, headless.writes.get(), "nothing was written to it");

        UnderstudyException twice = assertThrows(UnderstudyException.class, () -> f.service.mount(VOL, f.io));
        assertEquals(ErrorCode.ILLEGAL_STATE, twice.code());
    }

    @Test
    void aFullVolumeSaysSoAndKeepsServing() {
        Fixture f = new Fixture(2048); // 1536 bytes of log
        f.client.create(VOL, "big");
        byte[] kb = new byte[1000];
        java.util.Arrays.fill(kb, (byte) 'k');
        f.client.write(VOL, "big", 0, kb);
        ApplicationException full = assertThrows(ApplicationException.class, () -> f.client.write(VOL, "big", 1000, kb));
        assertEquals(ErrorCode.APPLICATION_ERROR, full.code());
        assertTrue(full.getMessage().contains("volume vol0 full: "), full.getMessage());

        assertEquals(1000, f.client.stat(VOL, "big").orElseThrow().size(), "the refused write changed nothing");
        assertEquals(1010, f.client.write(VOL, "big", 1000, bytes("0123456789")).size(), "a write that fits still goes");
        assertArrayEquals(kb, java.util.Arrays.copyOf(f.client.read(VOL, "big", 0, 2000).bytes(), 1000));
        assertEquals(1010, f.crashAndRemount().client.stat(VOL, "big").orElseThrow().size());
    }

    @Test
    void aFencedWritePropagatesAsIsAndLeavesTheIndexUnchanged() {
        Fixture f = new Fixture(64 * 1024);
        f.client.create(VOL, "f");
        f.client.write(VOL, "f", 0, bytes("before"));
        List<FileInfo> before = f.service.snapshot(VOL).orElseThrow();
        assertEquals(List.of(new FileInfo("f", 6)), before);
        int writes = f.io.writes.get();

        f.io.fence(true);
        UnderstudyException onWrite = assertThrows(UnderstudyException.class, () -> f.client.write(VOL, "f", 0, bytes("AFTER!!!")));
        assertEquals(ErrorCode.FENCED, onWrite.code());
        assertFalse(onWrite instanceof ApplicationException, "not turned into an application error");
        assertTrue(onWrite.getMessage().contains("reservation conflict"), "the disk's own exception: " + onWrite.getMessage());
        assertEquals(before, f.service.snapshot(VOL).orElseThrow(), "index unchanged");

        // A fenced node stops serving the volume at once, reads included, with the same code.
        UnderstudyException onCreate = assertThrows(UnderstudyException.class, () -> f.client.create(VOL, "g"));
        assertEquals(ErrorCode.FENCED, onCreate.code());
        assertEquals(ErrorCode.FENCED, assertThrows(UnderstudyException.class, () -> f.client.list(VOL)).code());
        assertEquals(before, f.service.snapshot(VOL).orElseThrow());
        assertEquals(writes, f.io.writes.get(), "nothing reached the disk");

        // The disk holds exactly what was acknowledged.
        f.service.unmount(VOL);
        f.io.fence(false);
        Fixture after = new Fixture(f.io);
        assertEquals(before, after.client.list(VOL));
        assertEquals("before", text(after.client.read(VOL, "f", 0, 100)));
    }

    @Test
    void aFencedForcePropagatesLeavesTheIndexUnchangedAndStopsTheVolume() {
        Fixture f = new Fixture(64 * 1024);
        f.client.create(VOL, "f");
        f.client.write(VOL, "f", 0, bytes("before"));
        UnderstudyException preempted = new UnderstudyException(ErrorCode.FENCED, "preempted between write and force");
        f.io.beforeForce(() -> {
            throw preempted;
        });

        List<FileInfo> before = f.service.snapshot(VOL).orElseThrow();
        UnderstudyException e = assertThrows(UnderstudyException.class, () -> f.client.write(VOL, "f", 0, bytes("after, longer")));
        assertSame(preempted, e, "the disk's exception, as is");
        assertEquals(before, f.service.snapshot(VOL).orElseThrow(), "index unchanged");
        UnderstudyException e2 = assertThrows(UnderstudyException.class, () -> f.client.create(VOL, "g"));
        assertEquals(ErrorCode.FENCED, e2.code(), "the stopped volume keeps saying FENCED");
        assertFalse(f.io.allDurable(), "the failed write's record was never made durable");

        // The index is as it was: after a remount of the same disk, too, the unacknowledged write is absent.
        f.io.beforeForce(() -> { });
        f.service.unmount(VOL);
        Fixture after = f.crashAndRemount();
        assertEquals("before", text(after.client.read(VOL, "f", 0, 100)));
        assertEquals(List.of(new FileInfo("f", 6)), after.client.list(VOL));
    }

    @Test
    void requestsForAVolumeThePortDoesNotServeOrThatIsNotMountedAreRefused() {
        Fixture f = new Fixture(64 * 1024);
        DiskId vol1 = DiskId.of("vol1");
        MemoryDiskIo io1 = new MemoryDiskIo(vol1, 64 * 1024);
        f.service.mount(vol1, io1);

        // Port DAFS serves vol0 only; pDAF serves vol1 (the partner's, taken over).
        RequestContext dafs = new RequestContext(DataAccessPort.DAFS, Set.of(VOL), 7, 1);
        RequestContext pdaf = new RequestContext(DataAccessPort.PDAF, Set.of(vol1), 7, 2);
        FileServiceClient onDafs = new FileServiceClient(r -> f.service.handle(dafs, r));
        FileServiceClient onPdaf = new FileServiceClient(r -> f.service.handle(pdaf, r));

        ApplicationException refused = assertThrows(ApplicationException.class, () -> onDafs.create(vol1, "x"));
        assertTrue(refused.getMessage().contains("volume vol1 is not served on port DAFS"), refused.getMessage());
        assertTrue(onPdaf.create(vol1, "x").created());
        assertThrows(ApplicationException.class, () -> onPdaf.list(VOL));
        assertEquals(List.of(), onDafs.list(VOL), "vol0 did not get vol1's file");
        assertEquals(List.of(new FileInfo("x", 0)), onPdaf.list(vol1));

        f.service.consistencyPoint(vol1);
        f.service.unmount(vol1);
        ApplicationException gone = assertThrows(ApplicationException.class, () -> onPdaf.list(vol1));
        assertTrue(gone.getMessage().contains("volume vol1 is not mounted"), gone.getMessage());
        assertEquals(ErrorCode.ILLEGAL_STATE,
                assertThrows(UnderstudyException.class, () -> f.service.consistencyPoint(vol1)).code());
        assertTrue(io1.allDurable());
    }

    @Test
    void missingFilesAndMalformedRequestsAreApplicationErrors() {
        Fixture f = new Fixture(64 * 1024);
        ApplicationException e = assertThrows(ApplicationException.class, () -> f.client.write(VOL, "ghost", 0, bytes("x")));
        assertTrue(e.getMessage().contains("no such file 'ghost' on volume vol0"), e.getMessage());
        assertThrows(ApplicationException.class, () -> f.client.read(VOL, "ghost", 0, 1));
        RequestContext ctx = new RequestContext(DataAccessPort.DAFS, Set.of(VOL), 1, 1);
        MalformedMessageException bad = assertThrows(MalformedMessageException.class,
                () -> f.service.handle(ctx, ByteBuffer.wrap(new byte[] {1, 9})));
        assertEquals(1, bad.offset());
        assertEquals(List.of(), f.client.list(VOL));
    }

    @Test
    void concurrentWritersShareAForce() throws Exception {
        Fixture f = new Fixture(64 * 1024);
        int n = 6;
        for (int i = 0; i < n; i++) {
            f.client.create(VOL, "f" + i);
        }
        int forcesBefore = f.io.forces.get();
        CountDownLatch leaderInForce = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch othersAppended = new CountDownLatch(n - 1);
        f.io.beforeForce(() -> {
            leaderInForce.countDown();
            await(release);
        });
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            Future<FileReply.Written> first = pool.submit(() -> f.client.write(VOL, "f0", 0, bytes("zero")));
            await(leaderInForce);
            f.io.afterWrite(othersAppended::countDown);
            List<Future<FileReply.Written>> rest = new ArrayList<>();
            for (int i = 1; i < n; i++) {
                String path = "f" + i;
                rest.add(pool.submit(() -> f.client.write(VOL, path, 0, bytes("data of " + path))));
            }
            await(othersAppended); // all appended while the first force is still running
            f.io.beforeForce(() -> { });
            release.countDown();
            assertEquals(4, first.get(10, TimeUnit.SECONDS).size());
            for (int i = 1; i < n; i++) {
                assertEquals(("data of f" + i).length(), rest.get(i - 1).get(10, TimeUnit.SECONDS).size());
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(2, f.io.forces.get() - forcesBefore, "one force for the first writer, one for the other " + (n - 1));
        assertTrue(f.io.allDurable());
        Fixture after = f.crashAndRemount();
        for (int i = 1; i < n; i++) {
            assertEquals("data of f" + i, text(after.client.read(VOL, "f" + i, 0, 100)));
        }
    }

    @Test
    void manyThreadsWritingDistinctFilesAllReadBack() throws Exception {
        Fixture f = new Fixture(1 << 20);
        int threads = 8;
        int filesEach = 25;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> done = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                int id = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < filesEach; i++) {
                        String path = "t" + id + "/f" + i;
                        f.client.create(VOL, path);
                        f.client.write(VOL, path, 0, bytes(content(id, i).substring(0, 10)));
                        f.client.write(VOL, path, 10, bytes(content(id, i).substring(10)));
                    }
                    return null;
                }));
            }
            for (Future<?> d : done) {
                d.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(threads * filesEach, f.client.list(VOL).size());
        Fixture after = f.crashAndRemount();
        for (Fixture x : List.of(f, after)) {
            for (int t = 0; t < threads; t++) {
                for (int i = 0; i < filesEach; i++) {
                    assertEquals(content(t, i), text(x.client.read(VOL, "t" + t + "/f" + i, 0, 1000)));
                }
            }
        }
        assertTrue(f.io.forces.get() <= 1 + threads * filesEach * 3, "at most one force per write");
    }

    private static String content(int thread, int file) {
        return "thread " + thread + " file " + file + " " + "x".repeat(file);
    }

    private static Map<String, String> contents(Fixture f, List<FileInfo> files) {
        Map<String, String> m = new TreeMap<>();
        files.forEach(i -> m.put(i.path(), text(f.client.read(VOL, i.path(), 0, 1000))));
        return m;
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new AssertionError("timed out waiting for a latch");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
