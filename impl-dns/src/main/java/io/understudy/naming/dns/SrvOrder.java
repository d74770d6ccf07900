package io.understudy.naming.dns;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;
import java.util.random.RandomGenerator;
import org.xbill.DNS.SRVRecord;

/**
 * The order in which SRV targets are tried (RFC 2782): lowest priority first; within one priority, a
 * weighted random order, each pick taking a remaining record with probability weight / sum of the remaining
 * weights (records of weight 0 are placed first in the pool, so they are picked only rarely when others
 * weigh more, and in turn when all weigh 0).
 */
final class SrvOrder {

    private SrvOrder() {
    }

    static List<SRVRecord> order(List<SRVRecord> records, RandomGenerator random) {
        TreeMap<Integer, List<SRVRecord>> byPriority = new TreeMap<>();
        for (SRVRecord r : records) {
            byPriority.computeIfAbsent(r.getPriority(), p -> new ArrayList<>()).add(r);
        }
        List<SRVRecord> out = new ArrayList<>(records.size());
        for (List<SRVRecord> group : byPriority.values()) {
            List<SRVRecord> pool = new ArrayList<>(group);
            pool.sort(Comparator.comparingInt(r -> r.getWeight() == 0 ? 0 : 1)); // stable: zero weights first
            while (!pool.isEmpty()) {
                long sum = 0;
                for (SRVRecord r : pool) {
                    sum += r.getWeight();
                }
                long pick = sum == 0 ? 0 : random.nextLong(sum + 1);
                long running = 0;
                int chosen = pool.size() - 1;
                for (int i = 0; i < pool.size(); i++) {
                    running += pool.get(i).getWeight();
                    if (running >= pick) {
                        chosen = i;
                        break;
                    }
                }
                out.add(pool.remove(chosen));
            }
        }
        return out;
    }
}
