package io.understudy.cluster;

import static io.understudy.cluster.JournaledVolumeServiceTest.A0;
import static io.understudy.cluster.JournaledVolumeServiceTest.LAYOUT;
import static io.understudy.cluster.JournaledVolumeServiceTest.ctx;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A disk that stops answering (the LUN offline) and comes back: nothing unacknowledged is claimed, nothing
 * is run twice, and the volume serves again once it is remounted in the background.
 */
class DiskErrorRecoveryTest {

    private static JournaledVolumeService.Builder builder(AppendApp app, JournalFaults faults) {
        return JournaledVolumeServiceTest.builder(app).faults(faults)
                .diskRetry(Duration.ofMillis(5), Duration.ofMillis(20), 1000);
    }

    private static String append(JournaledVolumeService svc, long seq) {
        return AppendApp.text(svc.handle(ctx(7, seq), AppendApp.utf8("append a0 item-" + seq)));
    }

    @Test
    void aLunOfflineStopsTheVolumeAndItIsRemountedWhenTheDiskAnswersAgain() {
        CrashDisk disk = new CrashDisk(A0, new byte[(int) LAYOUT.totalBytes()]);
        AppendApp app = new AppendApp();
        try (JournaledVolumeService svc = builder(app, JournalFaults.NONE).build()) {
            svc.mount(A0, disk);
            for (int i = 1; i <= 5; i++) {
                assertEquals(Integer.toString(i - 1), append(svc, i));
            }
            disk.offline();
            for (int i = 6; i <= 8; i++) { // never acknowledged: the write does not reach the disk
                int seq = i;
                UnderstudyException e = assertThrows(UnderstudyException.class, () -> append(svc, seq));
                assertEquals(ErrorCode.DISK_IO, e.code(), e.getMessage());
            }
            assertFalse(svc.health(A0).serving());
            assertEquals(1, svc.health(A0).diskErrors(), "one stop, however many requests fail on it");
            disk.online();
            Pair.waitFor(() -> svc.health(A0).serving(), "the remount once the disk answers");
            assertEquals(1, svc.health(A0).recoveries());
            // The client re-sends the same sequences: they run once now (their records never reached the disk).
            for (int i = 6; i <= 8; i++) {
                assertEquals(Integer.toString(i - 1), append(svc, i));
            }
            List<String> expected = new ArrayList<>();
            for (int i = 1; i <= 8; i++) {
                expected.add("item-" + i);
            }
            assertEquals(expected, app.lists.get(A0), "the state is the disk's, each item once");
        }
    }

    @Test
    void aRecordThatReachedTheDiskButWasNotAcknowledgedIsAnsweredFromTheReplyCacheAfterRecovery() {
        CrashDisk disk = new CrashDisk(A0, new byte[(int) LAYOUT.totalBytes()]);
        AppendApp app = new AppendApp();
        AtomicBoolean armed = new AtomicBoolean();
        JournalFaults faults = (point, d) -> {
            if (point == JournalFaults.Point.AFTER_FORCE && armed.compareAndSet(true, false)) {
                throw new UnderstudyException(ErrorCode.DISK_IO, "disk " + d + ": I/O error reported after the force");
            }
        };
        try (JournaledVolumeService svc = builder(app, faults).build()) {
            svc.mount(A0, disk);
            assertEquals("0", append(svc, 1));
            armed.set(true);
            assertThrows(UnderstudyException.class, () -> append(svc, 2));
            Pair.waitFor(() -> svc.health(A0).recoveries() == 1, "the remount");
            assertEquals(2, svc.lastMount(A0).lastLsn(), "the second record was on the disk: " + svc.lastMount(A0));
            assertEquals("1", append(svc, 2), "the re-send gets the first run's reply");
            assertEquals(1, svc.counters(A0)[3], "answered from the reply cache, not run again");
            assertEquals(List.of("item-1", "item-2"), app.lists.get(A0));
        }
    }

    @Test
    void aDiskThatNeverReturnsEndsTheRetriesAfterTheBound() {
        CrashDisk disk = new CrashDisk(A0, new byte[(int) LAYOUT.totalBytes()]);
        try (JournaledVolumeService svc = JournaledVolumeServiceTest.builder(new AppendApp())
                .diskRetry(Duration.ofMillis(1), Duration.ofMillis(4), 5).build()) {
            svc.mount(A0, disk);
            append(svc, 1);
            disk.offline();
            assertThrows(UnderstudyException.class, () -> append(svc, 2));
            Pair.waitFor(() -> svc.health(A0).gaveUp(), "giving up after 5 attempts");
            disk.online();
            UnderstudyException e = assertThrows(UnderstudyException.class, () -> append(svc, 2));
            assertEquals(ErrorCode.DISK_IO, e.code());
            assertEquals(0, svc.health(A0).recoveries());
            assertTrue(svc.health(A0).lastError().contains("LUN is offline"), svc.health(A0).lastError());
        }
    }

    @Test
    void badRetrySettingsAreRefusedWithTheirValues() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> JournaledVolumeService.builder().diskRetry(Duration.ofSeconds(2), Duration.ofSeconds(1), 3));
        assertTrue(e.getMessage().contains("first PT2S"), e.getMessage());
    }
}
