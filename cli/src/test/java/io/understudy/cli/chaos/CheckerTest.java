package io.understudy.cli.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.cli.chaos.Checker.LogRecord;
import io.understudy.cli.chaos.Checker.Violation;
import io.understudy.cli.chaos.HistoryEntry.Type;
import io.understudy.session.ApplicationException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The checker on synthetic histories: a clean one, and one for each kind of violation. */
class CheckerTest {

    private static final String LOG = "filera-vol0/chaos/log";
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    /** Builds a history and a log by hand. */
    private static final class Run {
        final List<HistoryEntry> history = new ArrayList<>();
        final List<LogRecord> log = new ArrayList<>();
        final List<NodeEvent> events = new ArrayList<>();
        long offset;

        /** An op invoked at ms, completed at ms + 5. */
        HistoryEntry op(String client, long op, long ms, Type outcome, String node, String port, String error) {
            HistoryEntry inv = HistoryEntry.invoke(client, op, LOG, ChaosClient.payload(client, op), T0.plusMillis(ms));
            history.add(inv);
            HistoryEntry done = inv.complete(outcome, T0.plusMillis(ms + 5), outcome == Type.OK ? offset : null, node, port, error);
            history.add(done);
            return done;
        }

        /** An acknowledged op whose record is in the log where acknowledged. */
        void ok(String client, long op, long ms) {
            op(client, op, ms, Type.OK, "FilerA", "DAFS", null);
            record(ChaosClient.payload(client, op));
        }

        void record(String payload) {
            log.add(new LogRecord(offset, payload));
            offset += payload.length() + 1;
        }

        Checker.Result check(Instant healedAt) {
            return Checker.check(new Checker.Input(history, Map.of(LOG, log), events, healedAt, Duration.ofSeconds(2)));
        }
    }

    private static Run clean() {
        Run r = new Run();
        for (int i = 0; i < 10; i++) {
            r.ok("c0", i, i * 10L);
            r.ok("c1", i, i * 10L + 1);
        }
        return r;
    }

    @Test
    void aCleanHistoryPasses() {
        Run r = clean();
        // An indeterminate op may be present or absent: neither is a violation.
        r.op("c0", 10, 200, Type.INFO, null, null, "US-6003 gave up");
        r.record("c0-000010");
        r.op("c0", 11, 210, Type.INFO, null, null, "US-3002 timeout");
        // A definite failure that is absent.
        r.op("c1", 10, 220, Type.FAIL, "FilerA", "DAFS", "US-6004 volume full");
        r.ok("c0", 12, 300);
        r.ok("c1", 11, 300);
        Checker.Result res = r.check(T0.plusMillis(250));
        assertTrue(res.ok(), res.violations().toString());
        assertEquals(25, res.ops());
        assertEquals(22, res.acked());
        assertEquals(1, res.failed());
        assertEquals(2, res.unknown());
    }

    @Test
    void anAcknowledgedAppendMissingFromTheLogIsLost() {
        Run r = clean();
        r.op("c1", 10, 200, Type.OK, "FilerB", "pDAF", null); // acked, never written
        Checker.Result res = r.check(null);
        Violation v = only(res, Violation.Kind.LOST_ACK);
        assertEquals("c1", v.client());
        assertEquals(10, v.op());
        assertEquals("c1-000010", v.payload());
        assertTrue(v.evidence().contains("FilerB on pDAF") && v.evidence().contains("missing from " + LOG), v.evidence());
    }

    @Test
    void anAppendAppliedTwiceIsADuplicateWhetherAckedOrNot() {
        Run r = clean();
        r.record("c0-000003"); // acked op 3, re-applied
        r.op("c1", 10, 200, Type.INFO, null, null, "US-6003 gave up");
        r.record("c1-000010");
        r.record("c1-000010"); // an indeterminate op applied twice
        Checker.Result res = r.check(null);
        List<Violation> d = res.violations().stream().filter(v -> v.kind() == Violation.Kind.DUPLICATE).toList();
        assertEquals(2, d.size(), res.violations().toString());
        assertEquals(2, res.violations().size(), res.violations().toString());
        assertEquals("c0-000003", d.get(0).payload());
        assertTrue(d.get(0).evidence().contains("appears 2 times"), d.get(0).evidence());
        assertEquals("c1-000010", d.get(1).payload());
        assertEquals("c1", d.get(1).client());
    }

    @Test
    void aDefiniteFailureThatWasAppliedIsReported() {
        Run r = clean();
        r.op("c0", 10, 200, Type.FAIL, "FilerA", "DAFS", "US-6004 volume full");
        r.record("c0-000010");
        Violation v = only(r.check(null), Violation.Kind.FAILED_BUT_PRESENT);
        assertEquals("c0", v.client());
        assertTrue(v.evidence().contains("volume full"), v.evidence());
    }

    @Test
    void anAckAtTheWrongOffsetIsReported() {
        Run r = clean();
        r.op("c0", 10, 200, Type.OK, "FilerA", "DAFS", null);
        r.offset += 7; // the record landed elsewhere than acknowledged
        r.record("c0-000010");
        Violation v = only(r.check(null), Violation.Kind.WRONG_OFFSET);
        assertTrue(v.evidence().contains("found at offset"), v.evidence());
    }

    @Test
    void aRecordNoClientAppendedIsAPhantom() {
        Run r = clean();
        r.record("c9-000001");
        Violation v = only(r.check(null), Violation.Kind.PHANTOM);
        assertEquals("c9-000001", v.payload());
    }

    @Test
    void aLostAckFromAFencedNodeIsAFencedWrite() {
        Run r = clean();
        r.events.add(new NodeEvent(T0.plusMillis(150), "FilerB", "FENCED filera-vol0 was preempted; stopping pDAF"));
        r.op("c0", 10, 200, Type.OK, "FilerB", "pDAF", null); // answered by FilerB after it was fenced; lost
        r.ok("c0", 11, 210);
        Checker.Result res = r.check(null);
        Violation v = only(res, Violation.Kind.FENCED_WRITE);
        assertEquals("c0", v.client());
        assertEquals(10, v.op());
        assertTrue(v.evidence().contains("FENCED filera-vol0"), v.evidence());
        // The same loss from a node that re-claimed its disk since is an ordinary lost ack.
        r.events.add(new NodeEvent(T0.plusMillis(180), "FilerB", "DISK_CLAIMED filera-vol0 <B,B> epoch 4"));
        only(r.check(null), Violation.Kind.LOST_ACK);
    }

    @Test
    void aClientWithoutSuccessAfterTheHealHasNotRecovered() {
        Run r = clean();
        // c0 keeps failing after the heal at 200 ms; c1 succeeds at once; c2 succeeds only 3 s later.
        r.op("c0", 10, 300, Type.INFO, null, null, "US-6003 gave up after 30 s");
        r.ok("c1", 10, 300);
        r.ok("c2", 0, 100);
        r.ok("c2", 1, 3300);
        Checker.Result res = r.check(T0.plusMillis(200));
        assertEquals(2, res.violations().size(), res.violations().toString());
        Violation c0 = res.violations().get(0);
        assertEquals(Violation.Kind.NOT_RECOVERED, c0.kind());
        assertEquals("c0", c0.client());
        assertTrue(c0.evidence().contains("no acknowledged append") && c0.evidence().contains("gave up"), c0.evidence());
        Violation c2 = res.violations().get(1);
        assertEquals("c2", c2.client());
        assertTrue(c2.evidence().contains("3105 ms later"), c2.evidence());
    }

    @Test
    void anUnreadLogLosesEveryAck() {
        Run r = clean();
        Checker.Result res = Checker.check(new Checker.Input(r.history, Map.of(), List.of(), null, Duration.ofSeconds(1)));
        assertEquals(20, res.violations().size());
        assertTrue(res.violations().stream().allMatch(v -> v.kind() == Violation.Kind.LOST_ACK && v.evidence().contains("not read back")));
    }

    @Test
    void errorsAreClassifiedDefiniteOrIndeterminate() {
        assertEquals(Type.FAIL, Outcomes.classify(new ApplicationException("volume full")));
        assertEquals(Type.FAIL, Outcomes.classify(new UnderstudyException(ErrorCode.FRAME_TOO_LARGE, "too big")));
        assertEquals(Type.FAIL, Outcomes.classify(new IllegalArgumentException("bad path")));
        assertEquals(Type.INFO, Outcomes.classify(new UnderstudyException(ErrorCode.FAILOVER_EXHAUSTED, "gave up")));
        assertEquals(Type.INFO, Outcomes.classify(new UnderstudyException(ErrorCode.TIMEOUT, "interrupted")));
        assertEquals(Type.INFO, Outcomes.classify(new UnderstudyException(ErrorCode.CLOSED, "closed")));
        assertEquals(Type.INFO, Outcomes.classify(new IllegalStateException("?")));
        assertTrue(Outcomes.describe(new UnderstudyException(ErrorCode.TIMEOUT, "slow")).startsWith("US-3002"));
    }

    private static Violation only(Checker.Result res, Violation.Kind kind) {
        assertEquals(1, res.violations().size(), res.violations().toString());
        Violation v = res.violations().get(0);
        assertEquals(kind, v.kind(), v.toString());
        return v;
    }
}
