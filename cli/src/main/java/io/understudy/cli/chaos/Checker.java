package io.understudy.cli.chaos;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Checks a chaos run's history against the final contents of its logs. Pure: no I/O, no clock.
 *
 * <p>What it proves, for every log (one file read back after the run):
 * <ol>
 *   <li><b>Acknowledged implies present, once, where acknowledged</b>: every {@code ok} append's payload is in
 *       the final log ({@link Violation.Kind#LOST_ACK}), and at the offset the server reported
 *       ({@link Violation.Kind#WRONG_OFFSET}).</li>
 *   <li><b>Never applied twice</b>: no payload appears more than once in a log, whether its append was
 *       acknowledged, failed or indeterminate ({@link Violation.Kind#DUPLICATE}).</li>
 *   <li><b>Definite failure implies absent</b>: a {@code fail} append (see {@link Outcomes}) is not in the
 *       log ({@link Violation.Kind#FAILED_BUT_PRESENT}). Indeterminate ({@code info}) appends may be either.</li>
 *   <li><b>Nothing from nowhere</b>: every record in a log was invoked by some client on that log
 *       ({@link Violation.Kind#PHANTOM}).</li>
 *   <li><b>No write accepted from a fenced node</b>: a lost acknowledgement whose completion names the node
 *       that answered, and which ended after that node published {@code FENCED} or {@code CLAIM_LOST}, is
 *       reported as {@link Violation.Kind#FENCED_WRITE} with the fencing event as evidence (a fenced node
 *       that kept acknowledging writes to a disk it no longer owns loses them: the owner never sees them).
 *       Any such write is caught by rule 1 whatever the node attribution says; this rule names the cause.</li>
 *   <li><b>Every client recovered</b>: after the last fault healed, every client got an {@code ok} that
 *       completed within the recovery bound ({@link Violation.Kind#NOT_RECOVERED}).</li>
 * </ol>
 *
 * @since 0.1
 */
public final class Checker {

    /**
     * What the checker needs.
     *
     * @param history       every history line of the run
     * @param finalLogs     each log's records as read back after the run, in file order, by log name
     * @param nodeEvents    the nodes' events (may be empty)
     * @param healedAt      when the last fault was healed (both nodes serving normally), or null to skip the
     *                      recovery check
     * @param recoveryBound how soon after {@code healedAt} every client must have had an {@code ok}
     */
    public record Input(List<HistoryEntry> history, Map<String, List<LogRecord>> finalLogs, List<NodeEvent> nodeEvents,
            Instant healedAt, Duration recoveryBound) {
        /** Validates and copies. */
        public Input {
            history = List.copyOf(history);
            finalLogs = Map.copyOf(finalLogs);
            nodeEvents = List.copyOf(nodeEvents);
            Objects.requireNonNull(recoveryBound, "recoveryBound");
        }
    }

    /**
     * A record read back from a log.
     *
     * @param offset  its byte offset in the log
     * @param payload its payload (the line without its newline)
     */
    public record LogRecord(long offset, String payload) {
    }

    /**
     * One violated property.
     *
     * @param kind     which property
     * @param client   the client of the operation, or null if none is involved
     * @param op       the operation number, or -1
     * @param payload  the payload involved, or null
     * @param evidence what was seen, in words
     */
    public record Violation(Kind kind, String client, long op, String payload, String evidence) {
        /** The properties. */
        public enum Kind {
            /** An acknowledged append is not in the final log. */
            LOST_ACK,
            /** An acknowledged append is in the log at another offset than the one acknowledged. */
            WRONG_OFFSET,
            /** A payload appears more than once in a log. */
            DUPLICATE,
            /** An append that failed definitely is in the log. */
            FAILED_BUT_PRESENT,
            /** A record no client appended is in the log. */
            PHANTOM,
            /** A lost acknowledgement came from a node after it was fenced. */
            FENCED_WRITE,
            /** A client had no acknowledged append within the bound after the last fault healed. */
            NOT_RECOVERED,
            /**
             * The pair stopped in a state no giveback resolves: a node waiting for a giveback while its partner
             * is not in takeover (reported by the run, which then restarts the waiting node to go on).
             */
            STUCK,
            /** The harness could not heal the pair or read the logs back (reported by the run, not the checker). */
            HARNESS
        }

        @Override
        public String toString() {
            return kind + (client == null ? "" : " " + client + "/" + op) + (payload == null ? "" : " '" + payload + "'")
                    + ": " + evidence;
        }
    }

    /**
     * The checker's verdict.
     *
     * @param violations every violation found, in a stable order
     * @param ops        operations invoked
     * @param acked      operations acknowledged
     * @param failed     operations that failed definitely
     * @param unknown    operations whose outcome is unknown (info, or no completion)
     */
    public record Result(List<Violation> violations, long ops, long acked, long failed, long unknown) {
        /** Copies the list. */
        public Result {
            violations = List.copyOf(violations);
        }

        /** {@return whether no property was violated} */
        public boolean ok() {
            return violations.isEmpty();
        }
    }

    private Checker() {
    }

    /** {@return the verdict on a run} */
    public static Result check(Input in) {
        List<Violation> out = new ArrayList<>();
        // Pair each invocation with its completion.
        Map<String, HistoryEntry> invokes = new LinkedHashMap<>();
        Map<String, HistoryEntry> completions = new HashMap<>();
        for (HistoryEntry e : in.history()) {
            if (e.type() == HistoryEntry.Type.INVOKE) {
                invokes.put(e.key(), e);
            } else {
                completions.put(e.key(), e);
            }
        }
        // Where each payload is, per log.
        Map<String, Map<String, List<Long>>> where = new HashMap<>();
        for (var log : in.finalLogs().entrySet()) {
            Map<String, List<Long>> m = new LinkedHashMap<>();
            for (LogRecord r : log.getValue()) {
                m.computeIfAbsent(r.payload(), k -> new ArrayList<>()).add(r.offset());
            }
            where.put(log.getKey(), m);
        }
        Map<String, HistoryEntry> invokedPayloads = new HashMap<>();
        for (HistoryEntry i : invokes.values()) {
            invokedPayloads.put(i.log() + "\u0000" + i.payload(), i);
        }
        long acked = 0;
        long failed = 0;
        long unknown = 0;
        for (HistoryEntry inv : invokes.values()) {
            HistoryEntry done = completions.get(inv.key());
            HistoryEntry.Type outcome = done == null ? HistoryEntry.Type.INFO : done.type();
            Map<String, List<Long>> log = where.get(inv.log());
            List<Long> at = log == null ? List.of() : log.getOrDefault(inv.payload(), List.of());
            switch (outcome) {
                case OK -> {
                    acked++;
                    if (log == null) {
                        out.add(new Violation(Violation.Kind.LOST_ACK, inv.client(), inv.op(), inv.payload(),
                                "acknowledged at " + done.time() + describeServer(done) + " but log " + inv.log()
                                        + " was not read back"));
                    } else if (at.isEmpty()) {
                        NodeEvent fence = fencedBefore(in.nodeEvents(), done);
                        if (fence != null) {
                            out.add(new Violation(Violation.Kind.FENCED_WRITE, inv.client(), inv.op(), inv.payload(),
                                    "acknowledged at " + done.time() + describeServer(done) + ", after " + fence.node() + " published '"
                                            + fence.text() + "' at " + fence.at() + ", and missing from " + inv.log()));
                        } else {
                            out.add(new Violation(Violation.Kind.LOST_ACK, inv.client(), inv.op(), inv.payload(),
                                    "acknowledged at " + done.time() + describeServer(done)
                                            + (done.offset() == null ? "" : " at offset " + done.offset())
                                            + " but missing from " + inv.log() + " (" + log.size() + " records)"));
                        }
                    } else if (done.offset() != null && at.size() == 1 && at.get(0).longValue() != done.offset()) {
                        out.add(new Violation(Violation.Kind.WRONG_OFFSET, inv.client(), inv.op(), inv.payload(),
                                "acknowledged at offset " + done.offset() + describeServer(done) + " but found at offset "
                                        + at.get(0) + " of " + inv.log()));
                    }
                }
                case FAIL -> {
                    failed++;
                    if (!at.isEmpty()) {
                        out.add(new Violation(Violation.Kind.FAILED_BUT_PRESENT, inv.client(), inv.op(), inv.payload(),
                                "failed definitely at " + done.time() + " with '" + done.error() + "' but present in "
                                        + inv.log() + " at offset " + at.get(0)));
                    }
                }
                default -> unknown++;
            }
        }
        // Duplicates and phantoms, in log order.
        for (var log : new java.util.TreeMap<>(where).entrySet()) {
            for (var rec : log.getValue().entrySet()) {
                HistoryEntry inv = invokedPayloads.get(log.getKey() + "\u0000" + rec.getKey());
                if (rec.getValue().size() > 1) {
                    HistoryEntry done = inv == null ? null : completions.get(inv.key());
                    out.add(new Violation(Violation.Kind.DUPLICATE, inv == null ? null : inv.client(), inv == null ? -1 : inv.op(),
                            rec.getKey(), "appears " + rec.getValue().size() + " times in " + log.getKey() + " at offsets "
                                    + rec.getValue() + (done == null ? "" : "; the append completed " + done.type().name().toLowerCase(java.util.Locale.ROOT)
                                            + (done.offset() == null ? "" : " at offset " + done.offset()))));
                }
                if (inv == null) {
                    out.add(new Violation(Violation.Kind.PHANTOM, null, -1, rec.getKey(),
                            "in " + log.getKey() + " at offset " + rec.getValue().get(0) + " but no client appended it there"));
                }
            }
        }
        if (in.healedAt() != null) {
            checkRecovery(in, out);
        }
        return new Result(out, invokes.size(), acked, failed, unknown);
    }

    private static void checkRecovery(Input in, List<Violation> out) {
        Map<String, HistoryEntry> firstOkAfter = new java.util.TreeMap<>();
        Map<String, HistoryEntry> lastError = new HashMap<>();
        Map<String, Long> lastOp = new HashMap<>();
        for (HistoryEntry e : in.history()) {
            lastOp.merge(e.client(), e.op(), Math::max);
            firstOkAfter.putIfAbsent(e.client(), null);
            if (e.type() == HistoryEntry.Type.OK && !e.time().isBefore(in.healedAt())) {
                HistoryEntry prev = firstOkAfter.get(e.client());
                if (prev == null || e.time().isBefore(prev.time())) {
                    firstOkAfter.put(e.client(), e);
                }
            } else if (e.type() == HistoryEntry.Type.FAIL || e.type() == HistoryEntry.Type.INFO) {
                lastError.put(e.client(), e);
            }
        }
        Instant limit = in.healedAt().plus(in.recoveryBound());
        for (var c : firstOkAfter.entrySet()) {
            HistoryEntry ok = c.getValue();
            if (ok == null || ok.time().isAfter(limit)) {
                HistoryEntry err = lastError.get(c.getKey());
                out.add(new Violation(Violation.Kind.NOT_RECOVERED, c.getKey(), ok == null ? lastOp.get(c.getKey()) : ok.op(),
                        ok == null ? null : ok.payload(), (ok == null ? "no acknowledged append after the faults healed at "
                                + in.healedAt() : "first acknowledged append after the faults healed at " + in.healedAt()
                                + " came " + Duration.between(in.healedAt(), ok.time()).toMillis() + " ms later")
                                + ", bound " + in.recoveryBound().toMillis() + " ms"
                                + (err == null ? "" : "; last error (op " + err.op() + "): " + err.error())));
            }
        }
    }

    /** {@return the latest fencing event of the node that answered, before the acknowledgement, or null} */
    private static NodeEvent fencedBefore(List<NodeEvent> events, HistoryEntry done) {
        if (done.node() == null) {
            return null;
        }
        NodeEvent fence = null;
        for (NodeEvent e : events) {
            if (e.node().equals(done.node()) && !e.at().isAfter(done.time())) {
                if (e.fencing()) {
                    fence = e;
                } else if (e.text().startsWith("DISK_CLAIMED") || e.text().startsWith("DISKS_RECLAIMED")) {
                    fence = null;
                }
            }
        }
        return fence;
    }

    private static String describeServer(HistoryEntry done) {
        return done.node() == null ? "" : " by " + done.node() + (done.port() == null ? "" : " on " + done.port());
    }
}
