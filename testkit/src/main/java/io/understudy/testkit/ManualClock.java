package io.understudy.testkit;

import io.understudy.api.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link Clock} that moves only when told to, so detectors, countdowns, timeouts and TTLs are tested
 * without sleeping. Thread-safe.
 *
 * @since 0.1
 */
public final class ManualClock implements Clock {

    private final Instant origin;
    private final AtomicLong nanos = new AtomicLong();

    /** Creates a clock at 2001-08-20T00:00:00Z (the seed's filing year), nano reading 0. */
    public ManualClock() {
        this(Instant.parse("2001-08-20T00:00:00Z"));
    }

    /**
     * Creates a clock at an instant.
     *
     * @param origin the wall-clock time at nano reading 0
     */
    public ManualClock(Instant origin) {
        this.origin = origin;
    }

    /**
     * Moves the clock forward.
     *
     * @param d how far, not negative
     * @return this
     */
    public ManualClock advance(Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("a clock does not go backwards: " + d);
        }
        nanos.addAndGet(d.toNanos());
        return this;
    }

    /**
     * Moves the clock forward.
     *
     * @param millis how far, in milliseconds
     * @return this
     */
    public ManualClock advanceMillis(long millis) {
        return advance(Duration.ofMillis(millis));
    }

    @Override
    public Instant instant() {
        return origin.plusNanos(nanos.get());
    }

    @Override
    public long nanoTime() {
        return nanos.get();
    }

    @Override
    public String toString() {
        return "ManualClock[" + instant() + "]";
    }
}
