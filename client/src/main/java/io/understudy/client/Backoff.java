package io.understudy.client;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * The waits between reconnection tries: exponential with "equal jitter". The n-th base (from 0) is
 * {@code min(max, initial * 2^n)}; the wait is drawn uniformly from {@code [ceil(base / 2), base]}. The
 * exponential part keeps a dead pair from being hammered; the jitter keeps the clients of one failed
 * server from reconnecting in lock step. Jitter comes from the injected generator, so a seeded
 * generator gives a reproducible sequence.
 *
 * <p>Not thread-safe: one instance belongs to one recovery at a time.
 */
final class Backoff {

    private final long initialNanos;
    private final long maxNanos;
    private final RandomGenerator random;
    private int step;

    /**
     * @param initial the first base, positive
     * @param max     the largest base, at least {@code initial}
     * @param random  the jitter source, not null
     */
    Backoff(Duration initial, Duration max, RandomGenerator random) {
        this.initialNanos = initial.toNanos();
        this.maxNanos = max.toNanos();
        this.random = Objects.requireNonNull(random, "random");
        if (initialNanos <= 0 || maxNanos < initialNanos) {
            throw new IllegalArgumentException("backoff needs 0 < initial <= max, got " + initial + " and " + max);
        }
    }

    /** {@return the base of the {@code n}-th wait (from 0), before jitter: {@code min(max, initial * 2^n)}} */
    long baseNanos(int n) {
        if (n >= 62 || initialNanos > (maxNanos >> Math.min(n, 62))) {
            return maxNanos;
        }
        return Math.min(maxNanos, initialNanos << n);
    }

    /** {@return the next wait in nanoseconds, and advances the sequence} */
    long nextNanos() {
        long base = baseNanos(step);
        if (step < 62) {
            step++;
        }
        long half = base / 2;
        return base - half + random.nextLong(half + 1);
    }

    /** {@return how many waits have been drawn (saturating at 62)} */
    int steps() {
        return step;
    }
}
