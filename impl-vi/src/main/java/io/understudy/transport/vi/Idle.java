package io.understudy.transport.vi;

import java.util.concurrent.locks.LockSupport;

/**
 * How a waiter waits on shared memory: spin for a short time (a reply often comes within microseconds),
 * then yield (on a busy machine that hands the core to the peer it waits for), then park for exponentially
 * longer up to a cap, so two busy processes on a small machine do not starve each other. There is no
 * cross-process wake-up in pure Java, so the cap bounds the latency of a waiter that has gone to sleep.
 * The spin time and the yields can be tuned with the system properties {@code understudy.vi.spinNanos}
 * (default 20000) and {@code understudy.vi.yields} (default 50), for benchmarking. Not thread-safe: one
 * per waiting thread.
 */
final class Idle {
    static final long SPIN_NANOS = Long.getLong("understudy.vi.spinNanos", 20_000);
    static final int YIELDS = Integer.getInteger("understudy.vi.yields", 50);
    static final long MIN_PARK_NANOS = 1_000;

    private final long maxParkNanos;
    private long spinUntil;
    private int count;
    private long park;

    Idle(long maxParkNanos) {
        this.maxParkNanos = maxParkNanos;
    }

    void reset() {
        count = 0;
        spinUntil = 0;
        park = MIN_PARK_NANOS;
    }

    void idle() {
        if (count == 0) {
            spinUntil = System.nanoTime() + SPIN_NANOS;
            count = 1;
        }
        if (count == 1) {
            Thread.onSpinWait();
            if ((++park & 15) == 0 && System.nanoTime() - spinUntil >= 0) {
                count = 2;
                park = MIN_PARK_NANOS;
            }
        } else if (count < 2 + YIELDS) {
            count++;
            Thread.yield();
        } else {
            LockSupport.parkNanos(park);
            park = Math.min(park << 1, maxParkNanos);
        }
    }
}
