package io.understudy.bench.failover;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Samples in milliseconds and their nearest-rank percentiles. */
final class Stats {

    private final List<Double> ms = new ArrayList<>();

    synchronized void add(double valueMs) {
        ms.add(valueMs);
    }

    synchronized void addNanos(long nanos) {
        ms.add(nanos / 1e6);
    }

    synchronized int count() {
        return ms.size();
    }

    /** {@return the nearest-rank percentile p (0 < p <= 100), or NaN without samples} */
    synchronized double percentile(double p) {
        if (ms.isEmpty()) {
            return Double.NaN;
        }
        List<Double> s = new ArrayList<>(ms);
        Collections.sort(s);
        int rank = (int) Math.ceil(p / 100.0 * s.size());
        return s.get(Math.clamp(rank - 1, 0, s.size() - 1));
    }

    synchronized double max() {
        return percentile(100);
    }

    synchronized double mean() {
        return ms.isEmpty() ? Double.NaN : ms.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    }
}
