package io.understudy.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BackoffTest {

    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    @Test
    void basesDoubleFromTheInitialWaitUpToTheCap() {
        Backoff b = new Backoff(Duration.ofMillis(50), Duration.ofSeconds(1), new SplittableRandom(1));
        long[] expected = {50, 100, 200, 400, 800, 1000, 1000, 1000};
        for (int n = 0; n < expected.length; n++) {
            assertEquals(expected[n] * MS, b.baseNanos(n), "base " + n);
        }
        assertEquals(1000 * MS, b.baseNanos(61));
        assertEquals(1000 * MS, b.baseNanos(62));
        assertEquals(1000 * MS, b.baseNanos(Integer.MAX_VALUE));
    }

    @Test
    void aSeededGeneratorGivesTheSameJitteredSequenceEveryTime() {
        List<Long> first = draw(new SplittableRandom(42), 12);
        List<Long> second = draw(new SplittableRandom(42), 12);
        assertEquals(first, second);
        assertNotEquals(first, draw(new SplittableRandom(43), 12), "another seed gives other waits");
    }

    @Test
    void eachWaitIsBetweenHalfItsBaseAndItsBaseAndMatchesTheEqualJitterFormula() {
        SplittableRandom mirror = new SplittableRandom(7);
        Backoff b = new Backoff(Duration.ofMillis(50), Duration.ofSeconds(1), new SplittableRandom(7));
        for (int n = 0; n < 20; n++) {
            long base = b.baseNanos(n);
            long half = base / 2;
            long expected = base - half + mirror.nextLong(half + 1);
            long d = b.nextNanos();
            assertEquals(expected, d, "wait " + n);
            assertTrue(d >= (base + 1) / 2 && d <= base, "wait " + n + " = " + d + " outside [" + base / 2 + ", " + base + "]");
            assertTrue(d <= 1000 * MS, "never above the cap");
        }
        assertEquals(20, b.steps());
    }

    @Test
    void theSequenceGrowsThenStaysUnderTheCap() {
        Backoff b = new Backoff(Duration.ofMillis(10), Duration.ofMillis(80), new SplittableRandom(3));
        long sumFirstThree = b.nextNanos() + b.nextNanos() + b.nextNanos();
        assertTrue(sumFirstThree <= (10 + 20 + 40) * MS && sumFirstThree >= (5 + 10 + 20) * MS, "first three: " + sumFirstThree);
        for (int i = 0; i < 100; i++) {
            long d = b.nextNanos();
            assertTrue(d >= 40 * MS && d <= 80 * MS, "capped wait " + d);
        }
    }

    @Test
    void rejectsAnInitialWaitAboveTheCapOrNotPositive() {
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), new SplittableRandom()));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ZERO, Duration.ofSeconds(1), new SplittableRandom()));
    }

    private static List<Long> draw(SplittableRandom random, int n) {
        Backoff b = new Backoff(Duration.ofMillis(50), Duration.ofSeconds(1), random);
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(b.nextNanos());
        }
        return out;
    }
}
