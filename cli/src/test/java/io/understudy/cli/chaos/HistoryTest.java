package io.understudy.cli.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** History lines as JSON, node events from logs, the fault schedule, and a chaos client on a faulty store. */
class HistoryTest {

    @Test
    void historyLinesRoundTripThroughJsonLines(@TempDir Path dir) throws Exception {
        History h = new History();
        HistoryEntry inv = HistoryEntry.invoke("c1", 7, "filerb-vol0/chaos/log", "c1-000007", Instant.parse("2026-01-01T00:00:00.123456Z"));
        h.add(inv);
        h.add(inv.complete(HistoryEntry.Type.OK, Instant.parse("2026-01-01T00:00:01Z"), 42L, "FilerA", "pDAF", null));
        h.add(inv.complete(HistoryEntry.Type.INFO, Instant.parse("2026-01-01T00:00:02Z"), null, null, null, "US-6003 \"gave\" up"));
        Path f = dir.resolve("history.jsonl");
        h.write(f);
        assertEquals(h.entries(), History.read(f));
        String first = Files.readAllLines(f).get(1);
        assertTrue(first.startsWith("{\"type\":\"ok\",\"client\":\"c1\",\"op\":7"), first);
        Files.writeString(f, "{\"type\":\"ok\"}\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> History.read(f));
        assertTrue(e.getMessage().contains("history.jsonl:1") && e.getMessage().contains("client"), e.getMessage());
    }

    @Test
    void nodeEventsAreReadFromANodeLog(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("FilerB.log");
        Files.writeString(log, """
                ready FilerB NORMAL admin 127.0.0.12:20003
                event 2026-01-01T00:00:01Z FilerB PARTNER_SILENT no heartbeat for 571 ms
                event 2026-01-01T00:00:02Z FilerB FENCED filera-vol0 was preempted
                event 2026-01-01T00:00:0""");
        List<NodeEvent> ev = NodeEvent.readLog("FilerB", log);
        assertEquals(2, ev.size());
        assertTrue(ev.get(1).fencing());
        assertEquals("FENCED filera-vol0 was preempted", ev.get(1).text());
        assertEquals(List.of(), NodeEvent.readLog("FilerA", dir.resolve("FilerA.log")));
    }

    @Test
    void theScheduleIsDeterministicPerSeedAndCoversEveryKindEachRound() {
        List<Fault.Kind> all = List.of(Fault.Kind.values());
        List<Fault> a = Fault.schedule(new Random(12345), all, List.of("FilerA", "FilerB"), 4, 12);
        assertEquals(a, Fault.schedule(new Random(12345), all, List.of("FilerA", "FilerB"), 4, 12));
        assertEquals(KindSet.of(a.subList(0, all.size())), KindSet.of(all), "the first round holds every kind once");
        for (Fault f : a) {
            assertTrue(f.delayMs() >= 200 && f.delayMs() < 1000, f.toString());
            if (f.kind() == Fault.Kind.PAUSE) {
                assertTrue(f.holdMs() >= 100 && f.holdMs() < 1500, f.toString());
            }
            if (f.kind() == Fault.Kind.DISKERROR) {
                assertTrue(f.holdMs() >= 300 && f.holdMs() < 2000, f.toString());
            }
            if (f.kind() == Fault.Kind.CLIENTDROP) {
                assertTrue(Integer.parseInt(f.target()) < 4, f.toString());
            } else {
                assertTrue(f.target().startsWith("Filer"), f.toString());
            }
        }
        assertEquals(List.of(Fault.Kind.KILL9, Fault.Kind.CUT), Fault.Kind.parseList("kill9, cut,kill9"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Fault.Kind.parseList("kill9,reboot"));
        assertTrue(e.getMessage().contains("'reboot'") && e.getMessage().contains("clientdrop"), e.getMessage());
    }

    /** The client records every op, and the checker catches a store that applies an append twice. */
    @Test
    void aStoreThatAppliesAnAppendTwiceIsCaught() throws Exception {
        List<String> log = new ArrayList<>();
        // Re-sends every 5th append as a new request (a fresh sequence number, so no reply cache can help).
        Store buggy = new Store() {
            int n;

            @Override
            public long append(byte[] record) {
                synchronized (log) {
                    long at = log.stream().mapToLong(s -> s.length() + 1).sum();
                    String s = new String(record, java.nio.charset.StandardCharsets.UTF_8).strip();
                    log.add(s);
                    if (++n % 5 == 0) {
                        log.add(s);
                    }
                    if (n == 12) {
                        throw new io.understudy.api.UnderstudyException(io.understudy.api.ErrorCode.FAILOVER_EXHAUSTED, "gave up");
                    }
                    return at;
                }
            }

            @Override
            public String log() {
                return "mem/log";
            }

            @Override
            public void close() {
            }
        };
        History h = new History();
        ChaosClient c = new ChaosClient("c0", buggy, h, Clock.fixed(Instant.EPOCH, ZoneOffset.UTC), 0);
        Thread t = Thread.ofPlatform().start(c);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (c.acks() < 20 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertTrue(c.stop(10_000));
        t.join();
        List<Checker.LogRecord> recs = new ArrayList<>();
        long off = 0;
        synchronized (log) {
            for (String s : log) {
                recs.add(new Checker.LogRecord(off, s));
                off += s.length() + 1;
            }
        }
        Checker.Result r = Checker.check(new Checker.Input(h.entries(), java.util.Map.of("mem/log", recs), List.of(), null,
                java.time.Duration.ofSeconds(1)));
        assertTrue(r.acked() >= 20);
        assertEquals(1, r.unknown(), "op 11 gave up: indeterminate");
        long dups = r.violations().stream().filter(v -> v.kind() == Checker.Violation.Kind.DUPLICATE).count();
        assertTrue(dups >= 4, r.violations().toString());
        assertTrue(r.violations().stream().anyMatch(v -> v.kind() == Checker.Violation.Kind.DUPLICATE && v.payload().equals("c0-000004")),
                r.violations().toString());
    }

    /** Set of kinds, for comparing a schedule's first round with the enabled kinds. */
    private static final class KindSet {
        static java.util.Set<Fault.Kind> of(List<?> items) {
            java.util.Set<Fault.Kind> s = java.util.EnumSet.noneOf(Fault.Kind.class);
            for (Object o : items) {
                s.add(o instanceof Fault f ? f.kind() : (Fault.Kind) o);
            }
            return s;
        }
    }
}
