package io.understudy.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.DataAccessPort;
import io.understudy.api.ownership.DiskId;
import io.understudy.session.Status;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The journal's record and checkpoint formats, the scan of a log half, and what mount reports. */
class JournalFormatTest {

    static final DiskId A0 = DiskId.of("a0");

    static ByteBuffer records(long firstLsn, int n, int capacity) {
        ByteBuffer b = ByteBuffer.allocate(capacity);
        for (int i = 0; i < n; i++) {
            JournalFormat.encodeRecord(b, firstLsn + i, 7, firstLsn + i, Status.OK, utf8("append a0 x" + i), utf8b("" + i));
        }
        return b.clear();
    }

    @Test
    void aRecordRoundTrips() {
        ByteBuffer b = ByteBuffer.allocate(200);
        JournalFormat.encodeRecord(b, 42, 0xabcdefL, 9, Status.APPLICATION_ERROR, utf8("req"), utf8b("no"));
        assertEquals(JournalFormat.recordLength(3, 2), b.position());
        JournalFormat.Decoded d = JournalFormat.decodeRecord(b.flip());
        JournalFormat.Entry e = assertInstanceOf(JournalFormat.Decoded.Ok.class, d).entry();
        assertEquals(42, e.lsn());
        assertEquals(0xabcdefL, e.sessionId());
        assertEquals(9, e.sequence());
        assertEquals(Status.APPLICATION_ERROR, e.status());
        assertArrayEquals(utf8b("req"), e.request());
        assertArrayEquals(utf8b("no"), e.reply());
    }

    @Test
    void everySingleBitFlipInARecordIsDetected() {
        ByteBuffer b = ByteBuffer.allocate(100);
        JournalFormat.encodeRecord(b, 1, 2, 3, Status.OK, utf8("append a0 hello"), utf8b("0"));
        int len = b.position();
        for (int bit = 0; bit < len * 8; bit++) {
            ByteBuffer c = ByteBuffer.allocate(100).put(b.duplicate().flip()).clear();
            c.put(bit / 8, (byte) (c.get(bit / 8) ^ (1 << (bit % 8))));
            JournalFormat.Decoded d = JournalFormat.decodeRecord(c);
            assertTrue(!(d instanceof JournalFormat.Decoded.Ok), "flip of bit " + bit + " went unnoticed: " + d);
        }
    }

    @Test
    void fuzzedBytesNeverCrashTheDecoderNorDecodeAsARecordByChance() {
        long seed = Long.getLong("fuzz.seed", System.nanoTime());
        System.out.println("JournalFormatTest seed " + seed + " (rerun with -Dfuzz.seed=" + seed + ")");
        Random r = new Random(seed);
        ByteBuffer valid = records(1, 3, 400);
        int validLen = 3 * JournalFormat.recordLength(12, 1);
        for (int i = 0; i < 20_000; i++) {
            ByteBuffer b = ByteBuffer.allocate(1 + r.nextInt(400));
            int mode = r.nextInt(3);
            if (mode == 0) {
                byte[] junk = new byte[b.capacity()];
                r.nextBytes(junk);
                b.put(junk).clear();
            } else {
                // a valid journal with some bytes replaced or cut short
                ByteBuffer v = valid.duplicate().limit(Math.min(b.capacity(), valid.capacity()));
                b.put(v).clear();
                for (int k = 0; k < 1 + r.nextInt(4); k++) {
                    int at = r.nextInt(Math.min(b.capacity(), validLen));
                    b.put(at, (byte) (b.get(at) ^ (1 + r.nextInt(255))));
                }
            }
            JournalFormat.HalfScan s = JournalFormat.scanHalf(b, 0, 1000);
            for (JournalFormat.Entry e : s.entries()) {
                assertTrue(e.lsn() >= 1 && e.lsn() <= 3 && e.sessionId() == 7, "seed " + seed + ": decoded a record from junk: " + e);
            }
            assertTrue(s.end() <= b.capacity());
        }
    }

    @Test
    void aTornTailIsReportedWithItsPositionAndTheRecordsBeforeItStayUsable() {
        ByteBuffer half = records(10, 5, 4096);
        int one = JournalFormat.recordLength(12, 1);
        // tear the fourth record: its second half never reached the disk
        for (int i = 4 * one - 10; i < 4 * one; i++) {
            half.put(i, (byte) 0);
        }
        JournalFormat.HalfScan s = JournalFormat.scanHalf(half, 1, 5000);
        assertEquals(List.of(10L, 11L, 12L), s.entries().stream().map(JournalFormat.Entry::lsn).toList());
        assertNotNull(s.damage());
        assertEquals(5000 + 3 * one, s.damage().position());
        assertTrue(s.damage().reason().contains("checksum"), s.damage().reason());
        assertTrue(s.damage().toString().startsWith("log half 1 at data offset " + (5000 + 3 * one)), s.damage().toString());
    }

    @Test
    void recordsLeftFromAHalfsEarlierUseEndTheScanCleanly() {
        ByteBuffer half = records(1, 6, 4096); // the half's earlier use: lsns 1..6
        ByteBuffer fresh = records(20, 2, 4096); // reused from offset 0: lsns 20, 21
        int two = 2 * JournalFormat.recordLength(12, 1);
        half.put(0, fresh, 0, two);
        JournalFormat.HalfScan s = JournalFormat.scanHalf(half, 0, 0);
        assertEquals(List.of(20L, 21L), s.entries().stream().map(JournalFormat.Entry::lsn).toList());
        assertNull(s.damage());
        assertEquals(two, s.end());
    }

    @Test
    void aCheckpointRoundTripsAndACorruptOneIsRejected() {
        ByteBuffer cp = JournalFormat.encodeCheckpoint(3, 99, utf8("state"), utf8("cache"));
        JournalFormat.Checkpoint c = assertInstanceOf(JournalFormat.Checkpoint.class, JournalFormat.decodeCheckpoint(cp));
        assertEquals(3, c.generation());
        assertEquals(99, c.lsn());
        assertEquals("state", StandardCharsets.UTF_8.decode(c.snapshot()).toString());
        assertNull(JournalFormat.decodeCheckpoint(ByteBuffer.allocate(64)));
        ByteBuffer bad = ByteBuffer.allocate(cp.remaining()).put(cp.duplicate()).flip();
        bad.put(35, (byte) 'X');
        assertInstanceOf(String.class, JournalFormat.decodeCheckpoint(bad));
    }

    @Test
    void mountReportsGarbageInTheJournalAndAppliesNothingFromIt() {
        JournalFormat.Layout layout = new JournalFormat.Layout(8192, 4096);
        CrashDisk disk = new CrashDisk(A0, new byte[(int) layout.totalBytes()]);
        AppendApp app = new AppendApp();
        JournaledVolumeService svc = service(app, layout);
        svc.mount(A0, disk);
        for (int i = 1; i <= 5; i++) {
            svc.handle(new RequestContext(DataAccessPort.DAFS, Set.of(A0), 1, i), utf8("append a0 v" + i));
        }
        // garbage written over the third record of log half 0
        int one = JournalFormat.recordLength("append a0 v1".length(), 1);
        byte[] junk = new byte[20];
        new Random(1).nextBytes(junk);
        disk.write(layout.half(0) + 2L * one + 10, ByteBuffer.wrap(junk));
        disk.force();

        AppendApp again = new AppendApp();
        JournaledVolumeService svc2 = service(again, layout);
        svc2.mount(A0, disk);
        JournalReport r = svc2.lastMount(A0);
        assertEquals(2, r.replayed(), r.toString());
        assertEquals(List.of("v1", "v2"), again.lists.get(A0));
        assertEquals(1, r.damage().size(), r.toString());
        assertTrue(r.damage().get(0).startsWith("log half 0 at data offset " + (layout.half(0) + 2L * one)), r.damage().get(0));
    }

    @Test
    void aReSentRequestGetsTheRecordedReplyAfterRemountAndDoesNotRunAgain() {
        JournalFormat.Layout layout = new JournalFormat.Layout(8192, 4096);
        CrashDisk disk = new CrashDisk(A0, new byte[(int) layout.totalBytes()]);
        JournaledVolumeService svc = service(new AppendApp(), layout);
        svc.mount(A0, disk);
        RequestContext req = new RequestContext(DataAccessPort.DAFS, Set.of(A0), 5, 1);
        assertEquals("0", AppendApp.text(svc.handle(req, utf8("append a0 once"))));
        assertEquals("1", AppendApp.text(svc.handle(new RequestContext(DataAccessPort.DAFS, Set.of(A0), 5, 2), utf8("append a0 two"))));
        AppendApp app2 = new AppendApp();
        JournaledVolumeService svc2 = service(app2, layout);
        svc2.mount(A0, new CrashDisk(A0, disk.crashImage(new Random(0))));
        assertEquals("0", AppendApp.text(svc2.handle(req, utf8("append a0 once"))));
        assertEquals(List.of("once", "two"), app2.lists.get(A0));
        // an application error is recorded too: the re-send gets the same error
        RequestContext rej = new RequestContext(DataAccessPort.DAFS, Set.of(A0), 5, 3);
        String first = assertThrowsApp(() -> svc2.handle(rej, utf8("reject a0")));
        String second = assertThrowsApp(() -> svc2.handle(rej, utf8("reject a0")));
        assertEquals(first, second);
    }

    static String assertThrowsApp(Runnable r) {
        return org.junit.jupiter.api.Assertions.assertThrows(io.understudy.session.ApplicationException.class, r::run).getMessage();
    }

    static JournaledVolumeService service(AppendApp app, JournalFormat.Layout layout) {
        return JournaledVolumeService.builder().application(app).checkpointSlotBytes(layout.checkpointSlotBytes())
                .halfBytes(layout.halfBytes()).maxReplyBytes(64).checkpointInterval(Duration.ZERO).build();
    }

    static ByteBuffer utf8(String s) {
        return ByteBuffer.wrap(utf8b(s));
    }

    static byte[] utf8b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
