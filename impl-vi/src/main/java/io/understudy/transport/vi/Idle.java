package io.understudy.transport.vi;

import java.util.concurrent.locks.LockSupport;

/**
 * How a waiter waits on shared memory: spin briefly (a reply often comes within microseconds), then yield,
 * then park for exponentially longer up to a cap, so two busy processes on a small machine do not starve
 * each other. There is no cross-process wake-up in pure Java, so the cap bounds the latency of a waiter
 * that has gone to sleep. Not thread-safe: one per waiting thread.
 */
final class Idle {
    static final int SPINS = 200;
    static final int YIELDS = 20;
    static final long MIN_PARK_NANOS = 1_000;

    private final long maxParkNanos;
    private int count;
    private long park;

    Idle(long maxParkNanos) {
        this.maxParkNanos = maxParkNanos;
    }

    void reset() {
        count = 0;
        park = MIN_PARK_NANOS;
    }

    void idle() {
        if (count < SPINS) {
            count++;
            Thread.onSpinWait();
        } else if (count < SPINS + YIELDS) {
            count++;
            Thread.yield();
        } else {
            LockSupport.parkNanos(park);
            park = Math.min(park << 1, maxParkNanos);
        }
    }
}
