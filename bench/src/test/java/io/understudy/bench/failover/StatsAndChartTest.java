package io.understudy.bench.failover;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class StatsAndChartTest {

    @Test
    void nearestRankPercentiles() {
        Stats s = new Stats();
        for (int i = 1; i <= 100; i++) {
            s.add(i);
        }
        assertEquals(50.0, s.percentile(50));
        assertEquals(95.0, s.percentile(95));
        assertEquals(99.0, s.percentile(99));
        assertEquals(100.0, s.max());
        assertEquals(50.5, s.mean(), 1e-9);
        assertTrue(Double.isNaN(new Stats().percentile(50)), "no samples, no percentile");
    }

    @Test
    void acksFallIntoHundredMillisecondBuckets() {
        long start = 1_000_000_000L;
        List<Long> acks = List.of(start, start + 50_000_000L, start + 100_000_000L, start + 299_999_999L,
                start - 1, start + 400_000_000L);
        ThroughputChart c = new ThroughputChart(start, start + 300_000_000L, acks);
        assertArrayEquals(new int[] {2, 1, 1}, c.buckets(), "before the start and after the end are left out");
    }
}
