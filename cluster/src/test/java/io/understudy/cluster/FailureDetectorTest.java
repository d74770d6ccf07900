package io.understudy.cluster;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class FailureDetectorTest {

    static final long MS = 1_000_000;

    @Test
    void aPartnerNeverHeardIsNotSuspected() {
        FailureDetector d = new FailureDetector(Duration.ofMillis(100), 5);
        assertNull(d.suspicion(10_000 * MS));
    }

    @Test
    void suspectedOnlyAfterTheWholeWindow() {
        FailureDetector d = new FailureDetector(Duration.ofMillis(100), 5);
        d.heard(1000 * MS);
        assertNull(d.suspicion(1499 * MS), "499 ms of silence is shorter than the 500 ms window");
        String s = d.suspicion(1500 * MS);
        assertTrue(s != null && s.contains("no heartbeat for 500 ms (window 500 ms)"), s);
        d.heard(1600 * MS);
        assertNull(d.suspicion(1700 * MS), "a heartbeat clears the suspicion");
    }

    @Test
    void iAmFailingSkipsTheWaitAndResetForgetsIt() {
        FailureDetector d = new FailureDetector(Duration.ofMillis(100), 5);
        d.heard(0);
        d.failing("disk controller error");
        assertTrue(d.suspicion(1).contains("disk controller error"));
        d.reset();
        assertNull(d.suspicion(1));
        assertNull(d.suspicion(10_000 * MS), "after a reset the partner is unheard again");
    }

    @Test
    void thresholdMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new FailureDetector(Duration.ofMillis(100), 0));
    }

    @Test
    void refusalsOverAnIntervalMeanTheProcessIsGoneAndAHeartbeatClearsThem() {
        FailureDetector d = new FailureDetector(Duration.ofMillis(100), 5);
        d.refused(0);
        d.refused(100_000_000);
        assertNull(d.suspicion(100_000_000), "refusals before the partner was ever heard mean nothing (it may not be up yet)");
        d.heard(200_000_000);
        d.refused(250_000_000);
        assertNull(d.suspicion(300_000_000), "one refusal is not enough");
        d.refused(300_000_000);
        assertNull(d.suspicion(300_000_000), "two refusals 50 ms apart are not yet over an interval");
        assertTrue(d.processGone(350_000_000));
        String why = d.suspicion(350_000_000);
        assertTrue(why != null && why.contains("refused 2 connections") && why.contains("process is gone"), why);
        d.heard(360_000_000);
        assertNull(d.suspicion(400_000_000), "a heartbeat after the refusals clears them (the partner restarted)");
        assertTrue(!d.processGone(500_000_000));
    }
}
