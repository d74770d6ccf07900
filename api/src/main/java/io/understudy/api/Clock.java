package io.understudy.api;

import java.time.Instant;

/**
 * The SDK's source of time, injected everywhere time matters (failure detection, countdowns, timeouts,
 * TTLs, event timestamps) so tests drive it deterministically instead of sleeping. The testkit provides a
 * manual clock.
 *
 * <p>Implementations must be thread-safe.
 *
 * @since 0.1
 */
public interface Clock {

    /** {@return the current wall-clock time, for event timestamps} */
    Instant instant();

    /** {@return a monotonic nanosecond reading, for measuring intervals; only differences are meaningful} */
    long nanoTime();

    /** {@return the system clock} */
    static Clock system() {
        return SystemClock.INSTANCE;
    }

    /** The system clock. */
    enum SystemClock implements Clock {
        /** The one instance. */
        INSTANCE;

        @Override
        public Instant instant() {
            return Instant.now();
        }

        @Override
        public long nanoTime() {
            return System.nanoTime();
        }
    }
}
