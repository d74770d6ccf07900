package io.understudy.cli;

import io.understudy.cli.chaos.Checker;
import io.understudy.cli.chaos.Fault;
import java.io.PrintStream;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code understudy chaos}: randomized fault campaigns against a real pair, each run's history checked. */
@Command(name = "chaos", mixinStandardHelpOptions = true,
        description = "Run chaos campaigns: a fresh pair of node processes per run, clients appending unique records, a random "
                + "schedule of faults (seeded: seed + run), then a history check (acknowledged => present exactly once, "
                + "never applied twice, definite failures absent, no fenced writes, every client recovers). "
                + "Exit code 0 only with zero violations. See docs/RELIABILITY-chaos.md.")
final class ChaosCommand implements Callable<Integer> {

    @Option(names = "--runs", defaultValue = "1", description = "How many runs (default 1).")
    int runs;

    @Option(names = "--seed", description = "The campaign's seed; run r uses seed + r (default: random, printed).")
    Long seed;

    @Option(names = "--faults", defaultValue = "kill9,pause,cut,iamfailing,takeover,clientdrop",
            description = "Which faults to draw from (comma-separated; default all but diskerror): kill9,pause,cut,iamfailing,takeover,clientdrop,diskerror (needs --disks iscsi).")
    String faults;

    @Option(names = "--disks", defaultValue = "file", paramLabel = "file|iscsi",
            description = "Where the nodes' disks live: file (default) or iscsi (two LUNs of a private tgtd on 127.0.0.1; needs tgt, libiscsi7 and root).")
    String disks;

    @Option(names = "--duration", defaultValue = "8s", description = "How long each run keeps injecting faults (e.g. 8s, 1500ms; default 8s).")
    String duration;

    @Option(names = "--min-faults", defaultValue = "1", description = "At least this many faults per run, however long they take (default 1).")
    int minFaults;

    @Option(names = "--clients", defaultValue = "4", description = "How many appending clients (default 4), alternately on FilerA's and FilerB's volume.")
    int clients;

    @Option(names = "--recovery-bound", defaultValue = "10s", description = "How soon after the last heal every client must succeed (default 10s).")
    String recoveryBound;

    @Option(names = "--keep", description = "Keep every run's directory (history, node logs, timeline), not only failing ones.")
    boolean keep;

    @Option(names = "--mode", defaultValue = "APPEND", paramLabel = "APPEND|WRITE",
            description = "APPEND (default): every client of a volume appends to one file with the service's exactly-once APPEND; "
                    + "WRITE: each client writes at its own next offset in its own file (idempotent writes, no reply cache needed).")
    FileStore.Mode mode;

    /** Wraps each client's store; tests inject faulty stores. */
    UnaryOperator<io.understudy.cli.chaos.Store> wrapper = UnaryOperator.identity();

    /** Every run's outcome, for tests. */
    final List<ChaosRun.Outcome> outcomes = new ArrayList<>();

    PrintStream out = System.out;

    @Override
    public Integer call() throws Exception {
        List<Fault.Kind> kinds;
        Duration d;
        Duration bound;
        try {
            kinds = Fault.Kind.parseList(faults);
            d = parseDuration("--duration", duration);
            bound = parseDuration("--recovery-bound", recoveryBound);
            if (runs < 1) {
                throw new IllegalArgumentException("--runs must be at least 1, not " + runs);
            }
        } catch (IllegalArgumentException e) {
            System.err.println("chaos: " + e.getMessage());
            return 2;
        }
        ChaosRun.Options options;
        try {
            options = new ChaosRun.Options(kinds, d, minFaults, clients, bound, keep, wrapper, mode, disks);
            if (disks.equals("iscsi") && DemoIscsiTarget.missing() != null) {
                throw new IllegalArgumentException("--disks iscsi: " + DemoIscsiTarget.missing());
            }
        } catch (IllegalArgumentException e) {
            System.err.println("chaos: " + e.getMessage());
            return 2;
        }
        long base = seed != null ? seed : new java.util.Random().nextLong(1, 1_000_000);
        out.println("chaos: campaign seed " + base + " runs " + runs + " faults " + kinds.stream().map(Fault.Kind::flag).toList()
                + " duration " + d.toMillis() + "ms clients " + clients + " disks " + disks);
        long violations = 0;
        int ok = 0;
        List<Long> failing = new ArrayList<>();
        long totalOps = 0;
        long totalAcked = 0;
        for (int r = 0; r < runs; r++) {
            long s = base + r;
            ChaosRun.Outcome o;
            try (ChaosRun run = new ChaosRun(r, s, options)) {
                Thread hook = new Thread(run::close, "chaos-cleanup");
                Runtime.getRuntime().addShutdownHook(hook);
                try {
                    o = run.execute();
                } finally {
                    Runtime.getRuntime().removeShutdownHook(hook);
                }
            }
            outcomes.add(o);
            out.println(o.line());
            totalOps += o.result().ops();
            totalAcked += o.result().acked();
            if (o.result().ok()) {
                ok++;
            } else {
                violations += o.result().violations().size();
                failing.add(s);
                int shown = 0;
                for (Checker.Violation v : o.result().violations()) {
                    if (shown++ == 10) {
                        out.println("chaos:   ... " + (o.result().violations().size() - 10) + " more in " + o.dir().resolve("violations.txt"));
                        break;
                    }
                    out.println("chaos:   " + v);
                }
            }
            if (o.kept()) {
                out.println("chaos:   kept " + o.dir());
            }
            out.flush();
        }
        out.println("chaos: runs=" + runs + " ok=" + ok + " violations=" + violations + " ops=" + totalOps + " acked="
                + totalAcked + " failing-seeds=" + failing);
        return violations == 0 ? 0 : 1;
    }

    static Duration parseDuration(String option, String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            }
            if (t.endsWith("s")) {
                return Duration.ofMillis(Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 1000));
            }
            if (t.endsWith("m")) {
                return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)) * 60);
            }
            return Duration.parse(text);
        } catch (NumberFormatException | DateTimeParseException e) {
            throw new IllegalArgumentException(option + ": '" + text + "' is not a duration (e.g. 8s, 1500ms, 2m)");
        }
    }
}
