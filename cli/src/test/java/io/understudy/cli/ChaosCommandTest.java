package io.understudy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.cli.chaos.Checker;
import io.understudy.cli.chaos.Fault;
import io.understudy.cli.chaos.History;
import io.understudy.cli.chaos.HistoryEntry;
import io.understudy.cli.chaos.Store;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code understudy chaos} between real node processes: a short campaign with every fault kind that must
 * find nothing (and must have really failed over), and a campaign with a store that applies appends twice
 * that must be caught.
 */
class ChaosCommandTest {

    private static final int FAULTS_PER_RUN = 3;
    /** Every kind but the one that needs iSCSI disks (its own test below). */
    private static final Set<Fault.Kind> FILE_DISK_KINDS = EnumSet.complementOf(EnumSet.of(Fault.Kind.DISKERROR));

    /** The first seed whose two runs' first three faults cover every kind. */
    static long seedCoveringEveryKind() {
        List<Fault.Kind> all = List.copyOf(FILE_DISK_KINDS);
        for (long s = 1; ; s++) {
            Set<Fault.Kind> seen = EnumSet.noneOf(Fault.Kind.class);
            for (long r = 0; r < 2; r++) {
                for (Fault f : Fault.schedule(new Random(s + r), all, ChaosRun.NODES, 4, FAULTS_PER_RUN)) {
                    seen.add(f.kind());
                }
            }
            if (seen.size() == all.size()) {
                return s;
            }
        }
    }

    @Test
    void aShortCampaignWithEveryFaultFindsNothingAndReallyFailsOver() throws Exception {
        long seed = seedCoveringEveryKind();
        ChaosCommand cmd = new ChaosCommand();
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        cmd.out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        int rc;
        try {
            rc = new CommandLine(cmd).execute("--runs", "2", "--seed", Long.toString(seed), "--duration", "1ms",
                    "--min-faults", Integer.toString(FAULTS_PER_RUN));
        } finally {
            System.out.print(buf.toString(StandardCharsets.UTF_8));
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertEquals(0, rc, out);
        assertTrue(out.contains("chaos: runs=2 ok=2 violations=0"), out);
        assertEquals(2, cmd.outcomes.size());
        Set<Fault.Kind> applied = EnumSet.noneOf(Fault.Kind.class);
        long onSecondary = 0;
        long takeovers = 0;
        for (ChaosRun.Outcome o : cmd.outcomes) {
            assertEquals(FAULTS_PER_RUN, o.applied().size(), o.line());
            o.applied().forEach(f -> applied.add(f.kind()));
            assertTrue(o.result().ok(), o.result().violations().toString());
            assertTrue(o.result().acked() > 50, o.line());
            assertTrue(!o.kept() && !Files.exists(o.dir()), "a passing run's directory is removed: " + o.dir());
            onSecondary += o.secondaryAcks();
            takeovers += o.takeovers();
        }
        assertEquals(FILE_DISK_KINDS, applied, out);
        // Not a no-op: kill9, iamfailing and takeover each make the partner take over and serve on pDAF.
        assertTrue(takeovers >= 3, "takeovers published: " + takeovers + "\n" + out);
        assertTrue(onSecondary > 0, "no append was acknowledged on a partner's pDAF\n" + out);
    }

    @Test
    void aCampaignOnIscsiDisksWithFailingLunsFindsNothing() throws Exception {
        IscsiProcessTest.requireIscsi();
        ChaosCommand cmd = new ChaosCommand();
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        cmd.out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        int rc;
        try {
            // Two kinds and two faults: the schedule's first round holds both, so a LUN fails in this run.
            rc = new CommandLine(cmd).execute("--runs", "1", "--seed", "11", "--disks", "iscsi", "--faults", "diskerror,kill9",
                    "--duration", "1ms", "--min-faults", "2", "--keep");
        } finally {
            System.out.print(buf.toString(StandardCharsets.UTF_8));
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        ChaosRun.Outcome o = cmd.outcomes.get(0);
        try {
            assertEquals(0, rc, out);
            assertTrue(out.contains("chaos: runs=1 ok=1 violations=0"), out);
            assertTrue(o.applied().stream().anyMatch(f -> f.kind() == Fault.Kind.DISKERROR), o.line());
            assertTrue(o.result().acked() > 50, o.line());
            String target = o.applied().stream().filter(f -> f.kind() == Fault.Kind.DISKERROR).findFirst().orElseThrow().target();
            String log = Files.readString(o.dir().resolve(target + ".log"));
            assertTrue(log.contains("stopped on a disk error") && log.contains("recovered after a disk error"),
                    target + " saw the failing LUN and remounted its volume when it came back");
        } finally {
            try (Stream<Path> s = Files.walk(o.dir())) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void aStoreThatReSendsAppendsAsNewRequestsIsCaught() throws Exception {
        ChaosCommand cmd = new ChaosCommand();
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        cmd.out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        // Every 10th append is sent again as a new request (a new sequence number, so the server's reply cache
        // cannot recognise it): the record is applied twice on the real service.
        cmd.wrapper = s -> new Store() {
            private int n;

            @Override
            public long append(byte[] record) {
                long at = s.append(record);
                if (++n % 10 == 0) {
                    s.append(record);
                }
                return at;
            }

            @Override
            public String log() {
                return s.log();
            }

            @Override
            public String node() {
                return s.node();
            }

            @Override
            public String port() {
                return s.port();
            }

            @Override
            public void close() {
                s.close();
            }
        };
        int rc;
        try {
            rc = new CommandLine(cmd).execute("--runs", "1", "--seed", "5", "--faults", "clientdrop", "--duration", "1ms",
                    "--clients", "2");
        } finally {
            System.out.print(buf.toString(StandardCharsets.UTF_8));
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        ChaosRun.Outcome o = cmd.outcomes.get(0);
        try {
            assertEquals(1, rc, out);
            assertTrue(out.contains("failing-seeds=[5]"), out);
            List<Checker.Violation> dups = o.result().violations().stream()
                    .filter(v -> v.kind() == Checker.Violation.Kind.DUPLICATE).toList();
            assertTrue(dups.size() >= o.result().acked() / 10 - 1 && !dups.isEmpty(), o.result().violations().toString());
            // A failing run keeps its directory, with the history and the node logs, and says where.
            assertTrue(o.kept() && out.contains("kept " + o.dir()), out);
            List<HistoryEntry> h = History.read(o.dir().resolve("history.jsonl"));
            assertEquals(o.result().ops(), h.stream().filter(e -> e.type() == HistoryEntry.Type.INVOKE).count());
            assertTrue(Files.size(o.dir().resolve("FilerA.log")) > 0);
            assertTrue(Files.readString(o.dir().resolve("violations.txt")).contains("DUPLICATE"));
        } finally {
            try (Stream<Path> s = Files.walk(o.dir())) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void badOptionsAreRejectedWithTheReason() {
        ChaosCommand cmd = new ChaosCommand();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            assertEquals(2, new CommandLine(cmd).execute("--faults", "kill9,meteor"));
            assertEquals(2, new CommandLine(new ChaosCommand()).execute("--faults", "diskerror"));
            assertEquals(2, new CommandLine(new ChaosCommand()).execute("--disks", "tape"));
            assertEquals(2, new CommandLine(new ChaosCommand()).execute("--duration", "soon"));
            assertEquals(2, new CommandLine(new ChaosCommand()).execute("--clients", "0"));
        } finally {
            System.setErr(old);
        }
        String e = err.toString(StandardCharsets.UTF_8);
        assertTrue(e.contains("unknown fault 'meteor'"), e);
        assertTrue(e.contains("--duration: 'soon' is not a duration"), e);
        assertTrue(e.contains("--clients must be at least 1"), e);
        assertTrue(e.contains("--faults diskerror fails an iSCSI LUN: it needs --disks iscsi"), e);
        assertTrue(e.contains("--disks must be file or iscsi, not 'tape'"), e);
        assertTrue(cmd.outcomes.isEmpty());
    }
}
