package io.understudy.naming.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.TextParseException;

/** RFC 2782 ordering: priority strictly first, weight as a probability within one priority. */
class SrvOrderTest {

    @Test
    void lowerPriorityAlwaysComesFirstWhateverTheWeights() throws Exception {
        List<SRVRecord> records = List.of(srv(30, 100, "c"), srv(10, 0, "a"), srv(20, 1000, "b"));
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < 200; i++) {
            assertEquals(List.of("a.", "b.", "c."), targets(SrvOrder.order(records, random)));
        }
    }

    @Test
    void withinOnePriorityHeavierTargetsComeFirstInProportionToTheirWeight() throws Exception {
        List<SRVRecord> records = List.of(srv(10, 10, "light"), srv(10, 90, "heavy"), srv(5, 0, "first"));
        SplittableRandom random = new SplittableRandom(42);
        int heavyFirst = 0;
        int n = 10_000;
        for (int i = 0; i < n; i++) {
            List<String> order = targets(SrvOrder.order(records, random));
            assertEquals("first.", order.getFirst(), "priority 5 before priority 10");
            assertEquals(3, order.size());
            if (order.get(1).equals("heavy.")) {
                heavyFirst++;
            }
        }
        // P(heavy first) = 90/101 with the RFC's inclusive pick (about 0.89); allow a wide margin.
        assertTrue(heavyFirst > n * 0.85 && heavyFirst < n * 0.93, "heavy first " + heavyFirst + " of " + n);
    }

    @Test
    void zeroWeightsAllGetTurns() throws Exception {
        List<SRVRecord> records = List.of(srv(1, 0, "x"), srv(1, 0, "y"));
        SplittableRandom random = new SplittableRandom(7);
        assertEquals(List.of("x.", "y."), targets(SrvOrder.order(records, random)), "all zero: server order kept");
    }

    private static List<String> targets(List<SRVRecord> records) {
        return records.stream().map(r -> r.getTarget().toString()).toList();
    }

    private static SRVRecord srv(int priority, int weight, String target) throws TextParseException {
        return new SRVRecord(Name.fromString("_pdaf._tcp.filera-failover."), DClass.IN, 30, priority, weight, 7001,
                Name.fromString(target + "."));
    }
}
