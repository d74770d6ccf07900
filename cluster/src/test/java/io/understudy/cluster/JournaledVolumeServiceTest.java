package io.understudy.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.DataAccessPort;
import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.api.ownership.DiskId;
import io.understudy.session.ApplicationException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Consistency points (half full, interval), the reply cache's window, and misuse of the service. */
class JournaledVolumeServiceTest {

    static final DiskId A0 = DiskId.of("a0");
    static final JournalFormat.Layout LAYOUT = new JournalFormat.Layout(32 * 1024, 2048);

    static RequestContext ctx(long session, long seq) {
        return new RequestContext(DataAccessPort.DAFS, Set.of(A0), session, seq);
    }

    static JournaledVolumeService.Builder builder(AppendApp app) {
        return JournaledVolumeService.builder().application(app).checkpointSlotBytes(LAYOUT.checkpointSlotBytes())
                .halfBytes(LAYOUT.halfBytes()).maxReplyBytes(64).checkpointInterval(Duration.ZERO);
    }

    @Test
    void fillingTheLogHalvesTakesCheckpointsAndARemountRestoresEverything() {
        CrashDisk disk = new CrashDisk(A0, new byte[(int) LAYOUT.totalBytes()]);
        JournaledVolumeService svc = builder(new AppendApp()).build();
        svc.mount(A0, disk);
        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= 300; i++) { // about 20 records fill a 2 KiB half: many switches
            svc.handle(ctx(9, i), AppendApp.utf8("append a0 item-" + i));
            expected.add("item-" + i);
        }
        long checkpoints = svc.counters(A0)[2];
        // ~15 half switches; a half is reused only once a checkpoint covers it (in the background, or at
        // once when the background one has not run yet), so at least one checkpoint per two switches.
        assertTrue(checkpoints >= 6, "checkpoints as the halves fill, got " + checkpoints);

        AppendApp again = new AppendApp();
        JournaledVolumeService svc2 = builder(again).build();
        svc2.mount(A0, new CrashDisk(A0, disk.crashImage(new Random(3))));
        assertEquals(expected, again.lists.get(A0));
        assertEquals(List.of(), svc2.lastMount(A0).damage());
        assertTrue(svc2.lastMount(A0).replayed() < 40, "a checkpoint covers most of it: " + svc2.lastMount(A0));
    }

    @Test
    void aCheckpointIsTakenAtTheInterval() {
        CrashDisk disk = new CrashDisk(A0, new byte[(int) LAYOUT.totalBytes()]);
        try (JournaledVolumeService svc = builder(new AppendApp()).checkpointInterval(Duration.ofMillis(20)).build()) {
            svc.mount(A0, disk);
            long atMount = svc.counters(A0)[2];
            svc.handle(ctx(1, 1), AppendApp.utf8("append a0 x"));
            Pair.waitFor(() -> svc.counters(A0)[2] > atMount, "the interval's checkpoint");
            AppendApp again = new AppendApp();
            JournaledVolumeService svc2 = builder(again).build();
            svc2.mount(A0, new CrashDisk(A0, disk.crashImage(new Random(1))));
            assertEquals(0, svc2.lastMount(A0).replayed(), "the checkpoint covers the record: " + svc2.lastMount(A0));
            assertEquals(List.of("x"), again.lists.get(A0));
        }
    }

    @Test
    void aReSendOlderThanTheSessionsWindowIsRefusedNotRunAgain() {
        CrashDisk disk = new CrashDisk(A0, new byte[(int) LAYOUT.totalBytes()]);
        AppendApp app = new AppendApp();
        JournaledVolumeService svc = builder(app).replyCache(2, 16).build();
        svc.mount(A0, disk);
        for (int i = 1; i <= 5; i++) {
            svc.handle(ctx(4, i), AppendApp.utf8("append a0 v" + i));
        }
        ApplicationException e = assertThrows(ApplicationException.class, () -> svc.handle(ctx(4, 2), AppendApp.utf8("append a0 v2")));
        assertTrue(e.getMessage().contains("older than the reply cache"), e.getMessage());
        assertEquals("4", AppendApp.text(svc.handle(ctx(4, 5), AppendApp.utf8("append a0 v5"))));
        assertEquals(5, app.lists.get(A0).size());
    }

    @Test
    void aVolumeTooSmallForTheJournalOrAStateTooLargeForItsSlotIsRefused() {
        JournaledVolumeService svc = builder(new AppendApp()).build();
        UnderstudyException small = assertThrows(UnderstudyException.class,
                () -> svc.mount(A0, new CrashDisk(A0, new byte[1024])));
        assertEquals(ErrorCode.DISK_IO, small.code());
        assertTrue(small.getMessage().contains("the journal needs"), small.getMessage());
        assertThrows(IllegalArgumentException.class, () -> JournaledVolumeService.builder().application(new AppendApp())
                .halfBytes(1024).maxReplyBytes(4096).build());

        JournaledVolumeService tiny = JournaledVolumeService.builder().application(new AppendApp()).checkpointSlotBytes(256)
                .halfBytes(2048).maxReplyBytes(64).checkpointInterval(Duration.ZERO).build();
        tiny.mount(A0, new CrashDisk(A0, new byte[4096 + 512]));
        String big = "y".repeat(200);
        tiny.handle(ctx(1, 1), AppendApp.utf8("append a0 " + big));
        UnderstudyException full = assertThrows(UnderstudyException.class, () -> tiny.consistencyPoint(A0));
        assertTrue(full.getMessage().contains("configure larger checkpoint slots"), full.getMessage());
        UnderstudyException stopped = assertThrows(UnderstudyException.class, () -> tiny.handle(ctx(1, 2), AppendApp.utf8("append a0 z")));
        assertTrue(stopped.getMessage().contains("stopped"), stopped.getMessage());
    }
}
