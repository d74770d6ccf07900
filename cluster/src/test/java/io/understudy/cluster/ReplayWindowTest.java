package io.understudy.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ReplayWindowTest {

    @Test
    void sequenceNumbersMustRiseWithinAnEpoch() {
        ReplayWindow w = new ReplayWindow(30_000, 16);
        assertNull(w.check(1, 1, 1_000, 1_000));
        assertNull(w.check(1, 5, 1_100, 1_100));
        assertTrue(w.check(1, 5, 1_100, 1_200).startsWith("replay: sequence 5 of epoch 1 is not above 5"));
        assertTrue(w.check(1, 2, 1_100, 1_200).startsWith("replay"));
        assertNull(w.check(2, 1, 1_200, 1_200), "a new epoch (a restarted sender) starts afresh");
    }

    @Test
    void sendTimesOutsideTheWindowAreRejectedBothWays() {
        ReplayWindow w = new ReplayWindow(30_000, 16);
        assertTrue(w.check(1, 1, 0, 30_001).startsWith("clock-skew"));
        assertTrue(w.check(1, 1, 60_002, 30_001).startsWith("clock-skew"));
        assertNull(w.check(1, 1, 1, 30_001));
        assertTrue(w.check(3, 1, Long.MIN_VALUE, 0).startsWith("clock-skew"));
    }

    @Test
    void epochsAreForgottenOnlyWhenTheirMessagesCanNoLongerPassTheSkewCheck() {
        ReplayWindow w = new ReplayWindow(30_000, 1024);
        assertNull(w.check(1, 7, 0, 0));
        assertNull(w.check(2, 1, 20_000, 20_000)); // prunes nothing: epoch 1 is still replayable
        assertTrue(w.check(1, 7, 0, 29_000).startsWith("replay"));
        assertNull(w.check(3, 1, 31_000, 31_000)); // epoch 1 is now older than the window: forgotten
        assertEquals(2, w.size());
        assertTrue(w.check(1, 7, 0, 31_000).startsWith("clock-skew"), "its replay is still rejected, as too old");
    }

    @Test
    void theNumberOfEpochsIsBounded() {
        ReplayWindow w = new ReplayWindow(30_000, 4);
        for (int e = 0; e < 10; e++) {
            assertNull(w.check(e, 1, 1_000 + e, 1_000 + e));
        }
        assertTrue(w.size() <= 4, "size " + w.size());
    }
}
