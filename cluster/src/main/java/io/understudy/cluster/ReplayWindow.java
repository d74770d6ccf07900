package io.understudy.cluster;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Remembers, per sender epoch (or per admin nonce), the highest sequence number accepted and the latest send
 * time, for as long as a message of that epoch could still pass the clock-skew check: an entry whose latest
 * send time is older than {@code now - maxSkew} can be forgotten, because a replay of any of its messages is
 * rejected as too old. Also rejects a send time further than {@code maxSkew} from {@code now} either way.
 *
 * <p>Thread-safe.
 */
final class ReplayWindow {

    private final long maxSkewMillis;
    private final int capacity;
    private final Map<Long, long[]> epochs = new HashMap<>(); // epoch -> {highest seq, latest sentAt}

    ReplayWindow(long maxSkewMillis, int capacity) {
        this.maxSkewMillis = maxSkewMillis;
        this.capacity = capacity;
    }

    /**
     * Checks a message and, if it passes, records it.
     *
     * @return null if accepted, else the reason, starting with {@code clock-skew} or {@code replay}
     */
    synchronized String check(long epoch, long seq, long sentAtMillis, long nowMillis) {
        long skew = sentAtMillis - nowMillis;
        if (Math.abs(skew) > maxSkewMillis || skew == Long.MIN_VALUE) {
            return "clock-skew: sent at " + java.time.Instant.ofEpochMilli(sentAtMillis) + ", " + Math.abs(skew)
                    + " ms " + (skew < 0 ? "before" : "after") + " this node's clock (" + java.time.Instant.ofEpochMilli(nowMillis)
                    + "); the limit is cluster.interconnect.maxClockSkew = " + maxSkewMillis + " ms";
        }
        long[] e = epochs.get(epoch);
        if (e != null && seq <= e[0]) {
            return "replay: sequence " + seq + " of epoch " + Long.toHexString(epoch) + " is not above " + e[0]
                    + ", the highest already accepted";
        }
        if (e == null) {
            prune(nowMillis);
            e = new long[] {seq, sentAtMillis};
            epochs.put(epoch, e);
        } else {
            e[0] = seq;
            e[1] = Math.max(e[1], sentAtMillis);
        }
        return null;
    }

    /** {@return how many epochs are remembered} */
    synchronized int size() {
        return epochs.size();
    }

    private void prune(long nowMillis) {
        epochs.values().removeIf(e -> e[1] < nowMillis - maxSkewMillis);
        while (epochs.size() >= capacity) {
            Iterator<Map.Entry<Long, long[]>> it = epochs.entrySet().iterator();
            Map.Entry<Long, long[]> oldest = it.next();
            while (it.hasNext()) {
                Map.Entry<Long, long[]> n = it.next();
                if (n.getValue()[1] < oldest.getValue()[1]) {
                    oldest = n;
                }
            }
            epochs.remove(oldest.getKey());
        }
    }
}
