package io.understudy.cluster;

import java.time.Duration;

/**
 * Decides when the partner has failed (Fig. 4, 410): when no heartbeat has arrived for
 * {@code interval * missedBeats}, or at once when it said "I am failing". Until the first heartbeat the
 * partner is not suspected: a node that has never heard its partner cannot tell a dead one from one not
 * yet started, and taking over at boot would race the partner's own start.
 *
 * <p>Pure logic over a nanosecond reading supplied by the caller, so it is tested with a manual clock.
 * Not thread-safe; the engine calls it from its control thread and its interconnect thread under a lock.
 */
final class FailureDetector {

    private final long windowNanos;
    private long lastHeard = Long.MIN_VALUE;
    private boolean failing;
    private String failingReason = "";

    FailureDetector(Duration interval, int missedBeats) {
        if (missedBeats < 1) {
            throw new IllegalArgumentException("missedBeats must be at least 1: " + missedBeats);
        }
        this.windowNanos = interval.toNanos() * missedBeats;
    }

    synchronized void heard(long nowNanos) {
        lastHeard = nowNanos;
    }

    synchronized void failing(String reason) {
        failing = true;
        failingReason = reason;
    }

    /** Forgets what it knew: after a takeover or giveback the partner starts afresh. */
    synchronized void reset() {
        lastHeard = Long.MIN_VALUE;
        failing = false;
        failingReason = "";
    }

    synchronized boolean everHeard() {
        return lastHeard != Long.MIN_VALUE;
    }

    /** {@return null if the partner is believed alive, else why it is believed failed} */
    synchronized String suspicion(long nowNanos) {
        if (failing) {
            return "partner said it is failing: " + failingReason;
        }
        if (lastHeard == Long.MIN_VALUE) {
            return null;
        }
        long silent = nowNanos - lastHeard;
        if (silent >= windowNanos) {
            return "no heartbeat for " + Duration.ofNanos(silent).toMillis() + " ms (window " + Duration.ofNanos(windowNanos).toMillis() + " ms)";
        }
        return null;
    }

    synchronized boolean saidFailing() {
        return failing;
    }
}
