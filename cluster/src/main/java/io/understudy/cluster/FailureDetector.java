package io.understudy.cluster;

import java.time.Duration;

/**
 * Decides when the partner has failed (Fig. 4, 410): when no heartbeat has arrived for
 * {@code interval * missedBeats}, or at once when it said "I am failing", or when its host has refused
 * {@value #REFUSALS} or more interconnect connections in a row over at least one interval since it was last
 * heard (its process is gone: killed, crashed; a paused or partitioned partner never refuses). Until the first heartbeat the
 * partner is not suspected: a node that has never heard its partner cannot tell a dead one from one not
 * yet started, and taking over at boot would race the partner's own start.
 *
 * <p>Pure logic over a nanosecond reading supplied by the caller, so it is tested with a manual clock.
 * Not thread-safe; the engine calls it from its control thread and its interconnect thread under a lock.
 */
final class FailureDetector {

    /** Refused connections in a row that, over at least one interval, mean the partner's process is gone. */
    static final int REFUSALS = 2;

    private final long windowNanos;
    private final long intervalNanos;
    private long lastHeard = Long.MIN_VALUE;
    private long refusedSince = Long.MIN_VALUE;
    private int refusals;
    private boolean failing;
    private String failingReason = "";

    FailureDetector(Duration interval, int missedBeats) {
        if (missedBeats < 1) {
            throw new IllegalArgumentException("missedBeats must be at least 1: " + missedBeats);
        }
        this.windowNanos = interval.toNanos() * missedBeats;
        this.intervalNanos = interval.toNanos();
    }

    synchronized void heard(long nowNanos) {
        lastHeard = nowNanos;
        refusedSince = Long.MIN_VALUE;
        refusals = 0;
    }

    /**
     * The partner's host refused an interconnect connection: it answers, but nothing listens on the
     * interconnect port, so the partner's process is gone (a paused or partitioned partner does not
     * refuse: its kernel still accepts, or nothing answers at all).
     */
    synchronized void refused(long nowNanos) {
        if (refusals == 0) {
            refusedSince = nowNanos;
        }
        refusals++;
    }

    synchronized int refusals() {
        return refusals;
    }

    /** {@return whether the partner's host has been refusing connections since it was last heard} */
    synchronized boolean processGone(long nowNanos) {
        return lastHeard != Long.MIN_VALUE && refusals >= REFUSALS && nowNanos - refusedSince >= intervalNanos;
    }

    synchronized void failing(String reason) {
        failing = true;
        failingReason = reason;
    }

    /** Forgets what it knew: after a takeover or giveback the partner starts afresh. */
    synchronized void reset() {
        lastHeard = Long.MIN_VALUE;
        refusedSince = Long.MIN_VALUE;
        refusals = 0;
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
        if (processGone(nowNanos)) {
            return "partner's interconnect refused " + refusals + " connections over "
                    + Duration.ofNanos(nowNanos - refusedSince).toMillis() + " ms after " + Duration.ofNanos(silent).toMillis()
                    + " ms of silence: its process is gone";
        }
        if (silent >= windowNanos) {
            return "no heartbeat for " + Duration.ofNanos(silent).toMillis() + " ms (window " + Duration.ofNanos(windowNanos).toMillis() + " ms)";
        }
        return null;
    }

    synchronized boolean saidFailing() {
        return failing;
    }
}
