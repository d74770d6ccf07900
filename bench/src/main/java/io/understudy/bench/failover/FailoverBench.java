package io.understudy.bench.failover;

import io.understudy.api.event.NodeStep;
import io.understudy.cli.ProcessPair;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * Measures failover time on FilerA and FilerB as real processes (see the package description). Every trial
 * starts from NORMAL with both nodes hearing each other and every client acknowledged on FilerA; the fault is
 * injected on FilerA at a recorded instant; the trial ends when every client has an acknowledged write
 * through FilerB's secondary port; then the pair is restored (FilerA restarted if needed, giveback on FilerB)
 * for the next trial, reusing the processes that were not killed.
 *
 * <p>Figures are printed one per line as {@code bench: <name> <value> <unit>}.
 */
public final class FailoverBench {

    /** Scenario: SIGKILL of FilerA. */
    public static final String KILL9 = "kill9";
    /** Scenario: admin {@code fail} on FilerA ("I am failing", then it stops serving). */
    public static final String IAMFAILING = "iamfailing";
    /** Scenario: admin {@code takeover} on FilerB (Please Shutdown, countdown, takeover; Fig. 7). */
    public static final String OPERATOR_TAKEOVER = "operator-takeover";
    /** Scenario: admin {@code giveback} on FilerB after each takeover (Fig. 5). */
    public static final String GIVEBACK = "giveback";
    /** The throughput chart through a kill -9 failover and a giveback. */
    public static final String CHART = "chart";
    /** kill -9 with 1, 10 and 100 volumes per node. */
    public static final String SCALE_VOLUMES = "scale-volumes";
    /** kill -9 with 1, 100 and 1000 clients reconnecting at once. */
    public static final String SCALE_CLIENTS = "scale-clients";
    /** Every scenario, in the order they run. */
    public static final List<String> ALL = List.of(KILL9, IAMFAILING, OPERATOR_TAKEOVER, GIVEBACK, CHART, SCALE_VOLUMES, SCALE_CLIENTS);
    /** What {@code --quick} runs by default. */
    public static final List<String> QUICK = List.of(KILL9, IAMFAILING, OPERATOR_TAKEOVER, GIVEBACK, CHART);

    static final String A = ProcessPair.A;
    static final String B = ProcessPair.B;
    static final Duration LIMIT = Duration.ofSeconds(60);

    /**
     * What to run.
     *
     * @param trials        trials per scenario (at least 1)
     * @param scaleTrials   trials per cell of the scaling runs
     * @param scenarios     which of {@link #ALL}
     * @param clients       clients writing in the main scenarios
     * @param thinkMs       pause after each write of a client in the main scenarios
     * @param volumeCounts  volumes per node for {@link #SCALE_VOLUMES}
     * @param clientCounts  clients for {@link #SCALE_CLIENTS}
     * @param outDir        where the chart and the Markdown table go
     * @param quick         whether this is the quick mode (said in the output)
     */
    public record Options(int trials, int scaleTrials, List<String> scenarios, int clients, int thinkMs,
            List<Integer> volumeCounts, List<Integer> clientCounts, Path outDir, boolean quick) {
        /** Validates the options. */
        public Options {
            if (trials < 1 || scaleTrials < 1) {
                throw new IllegalArgumentException("trials must be at least 1, not " + Math.min(trials, scaleTrials));
            }
            for (String s : scenarios) {
                if (!ALL.contains(s)) {
                    throw new IllegalArgumentException("unknown scenario '" + s + "'; the scenarios are " + String.join(", ", ALL));
                }
            }
            scenarios = List.copyOf(scenarios);
            volumeCounts = List.copyOf(volumeCounts);
            clientCounts = List.copyOf(clientCounts);
        }
    }

    private record Ev(Instant at, String node, NodeStep.Step step) {
    }

    private final Options options;
    private final PrintStream out;
    private final PrintStream log;
    private final Map<String, Stats> stats = new LinkedHashMap<>();
    private final Map<String, Long> counts = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();
    private final List<Ev> events = new CopyOnWriteArrayList<>();
    private final java.util.Set<ProcessPair> open = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private Path workDir;
    private Path chartFile;

    /**
     * @param options what to run
     * @param out     where the {@code bench:} lines go
     * @param log     where progress goes
     */
    public FailoverBench(Options options, PrintStream out, PrintStream log) {
        this.options = options;
        this.out = out;
        this.log = log;
    }

    /** Kills the node processes of every pair still open (for a shutdown hook: the JVM does not kill its children). */
    public void abort() {
        for (ProcessPair p : open) {
            p.close();
        }
    }

    /** {@return the chart written by the last run, or null} */
    public Path chartFile() {
        return chartFile;
    }

    /**
     * Runs the scenarios, prints the figures and writes the table (and the chart) into the output directory.
     *
     * @throws Exception if the pair cannot be started or a trial does not complete within a minute
     */
    public void run() throws Exception {
        Files.createDirectories(options.outDir());
        workDir = Files.createTempDirectory("understudy-bench-");
        long started = System.nanoTime();
        boolean failed = true;
        try {
            out.println("note: failover bench, " + options.trials() + " trials per scenario"
                    + (options.quick() ? " (quick mode; the full mode runs 30)" : "") + ", " + options.clients()
                    + " clients writing continuously (" + options.thinkMs() + " ms between writes), "
                    + Runtime.getRuntime().availableProcessors() + " CPUs; node logs in " + workDir);
            runMainPair();
            if (options.scenarios().contains(SCALE_VOLUMES)) {
                for (int v : options.volumeCounts()) {
                    if (v == 1 && stats.containsKey("outage_kill9")) {
                        stats.put("outage_kill9_volumes1", stats.get("outage_kill9"));
                        continue;
                    }
                    try (ProcessPair pair = pair("v" + v, v)) {
                        try (ClientLoad load = new ClientLoad(pair, A, options.clients(), pair.disks(A), options.thinkMs() * 1_000_000L, null)) {
                            for (int t = 0; t < options.scaleTrials(); t++) {
                                int n = t;
                                trial(pair, "kill9 with " + v + " volumes", () -> faultTrial(pair, load, KILL9, "kill9_volumes" + v, false, n));
                            }
                        }
                    }
                }
            }
            failed = false;
        } finally {
            if (!failed && !Boolean.getBoolean("understudy.bench.keep")) {
                deleteTree(workDir);
            } else {
                log.println("bench: node logs kept in " + workDir);
            }
        }
        report(Duration.ofNanos(System.nanoTime() - started));
    }

    private void runMainPair() throws Exception {
        List<String> sc = options.scenarios();
        boolean main = sc.contains(KILL9) || sc.contains(IAMFAILING) || sc.contains(OPERATOR_TAKEOVER) || sc.contains(GIVEBACK);
        if (!main && !sc.contains(CHART) && !sc.contains(SCALE_CLIENTS)) {
            return;
        }
        try (ProcessPair pair = pair("v1", 1)) {
            if (main) {
                try (ClientLoad load = new ClientLoad(pair, A, options.clients(), pair.disks(A), options.thinkMs() * 1_000_000L, null)) {
                    boolean gb = sc.contains(GIVEBACK);
                    for (int t = 0; sc.contains(KILL9) && t < options.trials(); t++) {
                        int n = t;
                        trial(pair, "kill9 trial " + (t + 1), () -> faultTrial(pair, load, KILL9, KILL9, gb, n));
                    }
                    for (int t = 0; sc.contains(IAMFAILING) && t < options.trials(); t++) {
                        int n = t;
                        trial(pair, "iamfailing trial " + (t + 1), () -> faultTrial(pair, load, IAMFAILING, IAMFAILING, gb, n));
                    }
                    for (int t = 0; sc.contains(OPERATOR_TAKEOVER) && t < options.trials(); t++) {
                        int n = t;
                        trial(pair, "operator takeover trial " + (t + 1), () -> operatorTakeoverTrial(pair, load, true, gb, n));
                    }
                    // Giveback alone: operator takeovers (not recorded) give it something to give back.
                    for (int t = 0; gb && stat("giveback_stall").count() < options.trials(); t++) {
                        int n = t;
                        trial(pair, "giveback trial " + (t + 1), () -> operatorTakeoverTrial(pair, load, false, true, n));
                    }
                    count("client_errors_outside_windows", load.totalErrors() - counts.getOrDefault("windowed_errors", 0L));
                }
            }
            if (sc.contains(CHART)) {
                chart(pair);
            }
            if (sc.contains(SCALE_CLIENTS)) {
                for (int c : options.clientCounts()) {
                    String key = "kill9_clients" + c;
                    // Many clients on two cores: a slower pace each, so the offered load stays what a pair serves.
                    long think = c <= 10 ? options.thinkMs() * 1_000_000L : 100_000_000L;
                    try (ClientLoad load = new ClientLoad(pair, A, c, pair.disks(A), think, null)) {
                        for (int t = 0; t < options.scaleTrials(); t++) {
                            faultTrial(pair, load, KILL9, key, false, t);
                        }
                        count(key + "_client_errors", load.totalErrors());
                    } catch (RuntimeException e) {
                        notes.add(c + " clients: " + e.getMessage());
                        log.println("bench: " + c + " clients failed: " + e.getMessage());
                        count(key + "_failed", 1);
                        recoverPair(pair);
                    }
                }
            }
        }
    }

    private ProcessPair pair(String name, int volumes) throws Exception {
        Path dir = Files.createDirectories(workDir.resolve(name));
        ProcessPair pair = ProcessPair.create(dir, volumes, volumes == 1 ? "64MiB" : "16MiB", null);
        open.add(pair);
        try {
            pair.onEvent(this::onEvent);
            pair.start(A);
            pair.start(B);
            await(() -> pair.state(A).equals("NORMAL") && pair.state(B).equals("NORMAL"), "FilerA and FilerB NORMAL", pair);
            log.println("bench: pair up with " + volumes + " volume(s) per node in " + dir);
            return pair;
        } catch (Exception | Error e) {
            pair.close();
            throw e;
        }
    }

    private void onEvent(Instant at, String node, String what) {
        String[] w = what.split(" ", 3);
        if (w.length < 2) {
            return;
        }
        try {
            events.add(new Ev(at, w[0], NodeStep.Step.valueOf(w[1])));
        } catch (IllegalArgumentException notAStep) {
            // A state transition or other event line: not a step.
        }
    }

    /** Both nodes NORMAL and hearing each other, every client acknowledged on FilerA after that. */
    private void ensureNormal(ProcessPair pair, ClientLoad load) {
        repairSpuriousTakeover(pair);
        await(() -> pair.state(A).equals("NORMAL") && pair.state(B).equals("NORMAL"), "FilerA and FilerB NORMAL", pair);
        await(() -> pair.partnerHeard(A) && pair.partnerHeard(B), "FilerA and FilerB hear each other", pair);
        long[] before = load.clients().stream().mapToLong(ClientLoad.Client::acks).toArray();
        await(() -> {
            for (int i = 0; i < before.length; i++) {
                ClientLoad.Client c = load.clients().get(i);
                if (c.onSecondary || c.acks() <= before[i] + 1) {
                    return false;
                }
            }
            return true;
        }, "every client writing on FilerA", pair);
    }

    /**
     * A node that missed heartbeats on a starved host may have been taken over by its partner although it was
     * alive (it then waits for giveback): counted as a spurious takeover, and given back so trials go on.
     */
    private void repairSpuriousTakeover(ProcessPair pair) {
        for (String[] p : new String[][] {{A, B}, {B, A}}) {
            if (pair.state(p[0]).equals("IN_TAKEOVER") && pair.state(p[1]).equals("WAITING_FOR_GIVEBACK")) {
                count("spurious_takeovers", 1);
                log.println("bench: spurious takeover: " + p[0] + " took over " + p[1] + " (missed heartbeats under load); giving back");
                pair.admin(p[0], "giveback");
            }
        }
    }

    /** Runs one trial; a trial that does not complete is counted and the pair repaired, up to a limit. */
    private void trial(ProcessPair pair, String what, Trial t) throws Exception {
        try {
            t.run();
        } catch (IllegalStateException | io.understudy.api.UnderstudyException e) {
            count("failed_trials", 1);
            notes.add(what + ": " + e.getMessage());
            log.println("bench: " + what + " did not complete: " + e.getMessage());
            if (counts.get("failed_trials") > Math.max(3, options.trials() / 5)) {
                throw e;
            }
            recoverPair(pair);
        }
    }

    @FunctionalInterface
    private interface Trial {
        void run() throws Exception;
    }

    /** kill -9 or "I am failing" of FilerA; the outage until every client has an ack through FilerB. */
    private void faultTrial(ProcessPair pair, ClientLoad load, String scenario, String key, boolean recordGiveback, int trial)
            throws Exception {
        ensureNormal(pair, load);
        events.clear();
        Instant at0 = Instant.now();
        long t0 = System.nanoTime();
        load.openWindow(t0);
        if (scenario.equals(KILL9)) {
            pair.kill9(A);
        } else {
            pair.admin(A, "fail bench-trial-" + trial);
        }
        await(() -> load.clients().stream().allMatch(c -> c.firstSecondaryAck() != 0), "every client writing through FilerB (" + key + ")", pair);
        load.closeWindow(System.nanoTime());
        long outage = load.clients().stream().mapToLong(ClientLoad.Client::firstSecondaryAck).max().orElseThrow() - t0;
        stat("outage_" + key).addNanos(outage);
        if (load.clients().size() > 1) {
            for (ClientLoad.Client c : load.clients()) {
                stat("outage_" + key + "_perclient").addNanos(c.firstSecondaryAck() - t0);
            }
        }
        windowErrors(key, load.windowErrors());
        // The node's event lines may trail the client's acknowledgement by a little.
        awaitQuietly(() -> find(B, NodeStep.Step.SECONDARY_PORT_ACTIVATED) != null, Duration.ofSeconds(5));
        Ev detect = find(B, scenario.equals(KILL9) ? NodeStep.Step.PARTNER_SILENT : NodeStep.Step.PARTNER_FAILING);
        Ev port = find(B, NodeStep.Step.SECONDARY_PORT_ACTIVATED);
        Ev claim = events.stream().filter(e -> e.node().equals(B) && e.step() == NodeStep.Step.DISK_CLAIMED)
                .max(Comparator.comparing(Ev::at)).orElse(null);
        String shares = "";
        if (detect != null && port != null && claim != null) {
            long d = Duration.between(at0, detect.at()).toNanos();
            long c = Duration.between(detect.at(), claim.at()).toNanos();
            long p = Duration.between(claim.at(), port.at()).toNanos();
            long r = outage - Duration.between(at0, port.at()).toNanos();
            stat("share_" + key + "_detection").addNanos(d);
            stat("share_" + key + "_claim").addNanos(c);
            stat("share_" + key + "_port").addNanos(p);
            stat("share_" + key + "_reconnect").addNanos(r);
            shares = String.format(Locale.ROOT, " (detection %.0f, claim %.0f, mount+port %.0f, reconnect %.0f ms)",
                    d / 1e6, c / 1e6, p / 1e6, r / 1e6);
        } else {
            count("share_" + key + "_missing_events", 1);
        }
        log.printf(Locale.ROOT, "bench: %s trial %d: outage %.1f ms%s%n", key, trial + 1, outage / 1e6, shares);
        if (outage > SLOW_TRIAL.toNanos()) {
            traceSlowestClient(load, t0, at0);
        }
        // Restore: FilerA (killed, or alive but DOWN) restarts, waits for giveback; giveback on FilerB.
        if (!scenario.equals(KILL9)) {
            pair.kill9(A);
        }
        pair.start(A);
        await(() -> pair.state(A).equals("WAITING_FOR_GIVEBACK"), "restarted FilerA waiting for giveback", pair);
        giveback(pair, load, recordGiveback);
    }

    /**
     * An outage longer than this prints the slowest client's steps and FilerB's events of the trial as
     * {@code note:} lines, so an outlier can be explained from the output alone.
     */
    static final Duration SLOW_TRIAL = Duration.ofMillis(500);

    private void traceSlowestClient(ClientLoad load, long t0, Instant at0) {
        ClientLoad.Client slowest = load.clients().stream().max(Comparator.comparingLong(ClientLoad.Client::firstSecondaryAck)).orElseThrow();
        log.printf(Locale.ROOT, "note: slow trial: client %d acknowledged through FilerB at %+.1f ms; its steps:%n", slowest.id,
                (slowest.firstSecondaryAck() - t0) / 1e6);
        for (String line : slowest.trace()) {
            log.println("note:   " + line);
        }
        log.println("note: FilerB's steps in that trial:");
        events.stream().filter(e -> e.node().equals(B)).sorted(Comparator.comparing(Ev::at)).forEach(e -> log.printf(Locale.ROOT,
                "note:   %+8.1f ms %s%n", Duration.between(at0, e.at()).toNanos() / 1e6, e.step()));
    }

    /** Operator takeover of FilerA by FilerB; the longest stall of any client and the client errors. */
    private void operatorTakeoverTrial(ProcessPair pair, ClientLoad load, boolean record, boolean recordGiveback, int trial) {
        ensureNormal(pair, load);
        events.clear();
        long t0 = System.nanoTime();
        load.openWindow(t0);
        pair.admin(B, "takeover");
        await(() -> load.clients().stream().allMatch(c -> c.firstSecondaryAck() != 0), "every client writing through FilerB (operator takeover)", pair);
        long end = System.nanoTime();
        load.closeWindow(end);
        long last = load.clients().stream().mapToLong(ClientLoad.Client::firstSecondaryAck).max().orElseThrow();
        if (record) {
            stat("operator_takeover_stall").addNanos(load.maxStall());
            stat("operator_takeover_switch").addNanos(last - t0);
            windowErrors("operator_takeover", load.windowErrors());
            log.printf(Locale.ROOT, "bench: operator takeover trial %d: longest stall %.1f ms, all clients on FilerB after %.1f ms, %d client errors%n",
                    trial + 1, load.maxStall() / 1e6, (last - t0) / 1e6, load.windowErrors());
        }
        await(() -> pair.state(A).equals("WAITING_FOR_GIVEBACK"), "FilerA shut down, waiting for giveback", pair);
        giveback(pair, load, recordGiveback);
    }

    /** Giveback on FilerB; the longest stall of any client until every client is back on FilerA. */
    private void giveback(ProcessPair pair, ClientLoad load, boolean record) {
        await(() -> pair.partnerHeard(B), "FilerB hears FilerA", pair);
        long t0 = System.nanoTime();
        load.openWindow(t0);
        pair.admin(B, "giveback");
        await(() -> pair.state(A).equals("NORMAL"), "FilerA serving again after giveback", pair);
        await(() -> load.clients().stream().allMatch(c -> c.firstPrimaryAck() != 0), "every client back on FilerA", pair);
        load.closeWindow(System.nanoTime());
        if (record) {
            stat("giveback_stall").addNanos(load.maxStall());
            windowErrors("giveback", load.windowErrors());
            log.printf(Locale.ROOT, "bench: giveback: longest stall %.1f ms, %d client errors%n", load.maxStall() / 1e6, load.windowErrors());
        }
    }

    /** The throughput chart: acknowledged writes per 100 ms through a kill -9 failover and a giveback. */
    private void chart(ProcessPair pair) throws Exception {
        List<Long> acks = new CopyOnWriteArrayList<>();
        try (ClientLoad load = new ClientLoad(pair, A, options.clients(), pair.disks(A), options.thinkMs() * 1_000_000L, acks::add)) {
            ensureNormal(pair, load);
            long start = System.nanoTime();
            Instant start0 = Instant.now();
            pause(Duration.ofSeconds(1));
            events.clear();
            long fault = System.nanoTime();
            load.openWindow(fault);
            pair.kill9(A);
            await(() -> load.clients().stream().allMatch(c -> c.firstSecondaryAck() != 0), "clients on FilerB (chart)", pair);
            load.closeWindow(System.nanoTime());
            awaitQuietly(() -> find(B, NodeStep.Step.SECONDARY_PORT_ACTIVATED) != null, Duration.ofSeconds(5));
            Ev port = find(B, NodeStep.Step.SECONDARY_PORT_ACTIVATED);
            pause(Duration.ofMillis(700));
            long restart = System.nanoTime();
            pair.start(A);
            await(() -> pair.state(A).equals("WAITING_FOR_GIVEBACK"), "restarted FilerA waiting for giveback (chart)", pair);
            pause(Duration.ofMillis(500));
            long giveback = System.nanoTime();
            load.openWindow(giveback);
            pair.admin(B, "giveback");
            await(() -> load.clients().stream().allMatch(c -> c.firstPrimaryAck() != 0), "clients back on FilerA (chart)", pair);
            long back = System.nanoTime();
            load.closeWindow(back);
            pause(Duration.ofSeconds(1));
            long end = System.nanoTime();
            ThroughputChart c = new ThroughputChart(start, end, acks);
            c.marker(fault, "kill -9 FilerA");
            if (port != null) {
                c.marker(start + Duration.between(start0, port.at()).toNanos(), "FilerB: pDAF active (takeover)");
            }
            c.marker(restart, "FilerA restarted");
            c.marker(giveback, "giveback on FilerB");
            c.marker(back, "all clients back on FilerA");
            chartFile = options.outDir().resolve("failover-throughput.png");
            c.write(chartFile, options.clients() + " clients writing to FilerA through the file service: acknowledged writes per 100 ms");
            out.println("note: chart written to " + chartFile);
        }
    }

    /** After a failed cell: both processes restarted, FilerA owning its disks again. */
    private void recoverPair(ProcessPair pair) {
        try {
            // A node that said "I am failing" stays DOWN in a live process: restart it.
            for (String n : List.of(A, B)) {
                if (pair.state(n).equals("DOWN")) {
                    pair.kill9(n);
                    pair.start(n);
                }
            }
            if (pair.state(B).equals("UNREACHABLE")) {
                pair.start(B);
                await(() -> !pair.state(B).equals("UNREACHABLE"), "FilerB restarted", pair);
            }
            repairSpuriousTakeover(pair);
            String a = pair.state(A);
            if (a.equals("UNREACHABLE")) {
                pair.start(A);
                await(() -> !pair.state(A).equals("UNREACHABLE"), "FilerA restarted", pair);
            }
            awaitQuietly(() -> pair.state(A).equals("WAITING_FOR_GIVEBACK") || pair.state(A).equals("NORMAL"), LIMIT);
            if (pair.state(A).equals("WAITING_FOR_GIVEBACK") && pair.state(B).equals("IN_TAKEOVER")) {
                pair.admin(B, "giveback");
            }
            repairSpuriousTakeover(pair);
            await(() -> pair.state(A).equals("NORMAL") && pair.state(B).equals("NORMAL"), "pair NORMAL after a failed cell", pair);
        } catch (IOException | InterruptedException | RuntimeException e) {
            notes.add("could not recover the pair: " + e.getMessage());
        }
    }

    private Ev find(String node, NodeStep.Step step) {
        return events.stream().filter(e -> e.node().equals(node) && e.step() == step).findFirst().orElse(null);
    }

    private Stats stat(String name) {
        return stats.computeIfAbsent(name, k -> new Stats());
    }

    private void count(String name, long n) {
        counts.merge(name, n, Long::sum);
    }

    private void windowErrors(String key, long n) {
        count(key + "_client_errors", n);
        count("windowed_errors", n);
    }

    private void await(BooleanSupplier condition, String what, ProcessPair pair) {
        if (!awaitQuietly(condition, LIMIT)) {
            throw new IllegalStateException("bench: gave up after " + LIMIT.toSeconds() + " s waiting for: " + what
                    + " (FilerA " + pair.state(A) + ", FilerB " + pair.state(B) + "; node logs in " + pair.dir() + ")");
        }
    }

    private static boolean awaitQuietly(BooleanSupplier condition, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            LockSupport.parkNanos(5_000_000);
        }
        return true;
    }

    /** Lets the load run for a while (the chart's steady stretches). */
    private static void pause(Duration d) {
        long until = System.nanoTime() + d.toNanos();
        while (System.nanoTime() < until) {
            LockSupport.parkNanos(until - System.nanoTime());
        }
    }

    // ---------------------------------------------------------------- report

    private void report(Duration took) throws IOException {
        for (String s : List.of(KILL9, IAMFAILING)) {
            if (stats.containsKey("outage_" + s)) {
                percentiles("outage_" + s);
                for (String share : List.of("detection", "claim", "port", "reconnect")) {
                    figure("outage_" + s + "_share_" + share + "_mean", stat("share_" + s + "_" + share).mean(), "ms");
                }
            }
        }
        if (stats.containsKey("operator_takeover_stall")) {
            percentiles("operator_takeover_stall");
            figure("operator_takeover_switch_p99", stat("operator_takeover_switch").percentile(99), "ms");
            figure("operator_takeover_client_errors", counts.getOrDefault("operator_takeover_client_errors", 0L), "count");
        }
        if (stats.containsKey("giveback_stall")) {
            percentiles("giveback_stall");
            figure("giveback_client_errors", counts.getOrDefault("giveback_client_errors", 0L), "count");
        }
        for (int v : options.volumeCounts()) {
            if (stats.containsKey("outage_kill9_volumes" + v)) {
                percentiles("outage_kill9_volumes" + v);
            }
        }
        for (int c : options.clientCounts()) {
            String key = "kill9_clients" + c;
            if (stats.containsKey("outage_" + key)) {
                percentiles("outage_" + key);
                if (stats.containsKey("outage_" + key + "_perclient")) {
                    figure("outage_" + key + "_perclient_p50", stat("outage_" + key + "_perclient").percentile(50), "ms");
                }
                figure(key + "_client_errors", counts.getOrDefault(key + "_client_errors", 0L), "count");
            }
        }
        figure("spurious_takeovers", counts.getOrDefault("spurious_takeovers", 0L), "count");
        figure("failed_trials", counts.getOrDefault("failed_trials", 0L), "count");
        for (String n : notes) {
            out.println("note: " + n);
        }
        out.printf(Locale.ROOT, "note: failover bench took %.0f s%n", took.toMillis() / 1000.0);
        writeMarkdown();
    }

    private void percentiles(String name) {
        Stats s = stat(name);
        figure(name + "_p50", s.percentile(50), "ms");
        figure(name + "_p95", s.percentile(95), "ms");
        figure(name + "_p99", s.percentile(99), "ms");
        figure(name + "_max", s.max(), "ms");
    }

    private void figure(String name, double value, String unit) {
        out.println("bench: " + name + " " + (unit.equals("count") ? Long.toString((long) value) : String.format(Locale.ROOT, "%.1f", value)) + " " + unit);
    }

    private void writeMarkdown() throws IOException {
        StringBuilder b = new StringBuilder();
        b.append("# Failover time\n\n");
        b.append(String.format(Locale.ROOT, "%d trials per scenario%s; %d clients writing continuously (%d ms between writes); %d CPUs. "
                + "Written by `understudy bench`.%n%n", options.trials(), options.quick() ? " (quick mode)" : "", options.clients(),
                options.thinkMs(), Runtime.getRuntime().availableProcessors()));
        b.append("| Figure | Trials | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) |\n|---|---:|---:|---:|---:|---:|\n");
        for (var e : stats.entrySet()) {
            if (e.getKey().startsWith("share_") || e.getKey().endsWith("_perclient")) {
                continue;
            }
            Stats s = e.getValue();
            b.append(String.format(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.1f | %.1f |%n", e.getKey(), s.count(),
                    s.percentile(50), s.percentile(95), s.percentile(99), s.max()));
        }
        b.append("\n## Where the outage goes (mean per trial, ms)\n\n| Outage | detection | disk claim | mount + port activation | client reconnect |\n|---|---:|---:|---:|---:|\n");
        for (var e : stats.entrySet()) {
            if (e.getKey().startsWith("share_") && e.getKey().endsWith("_detection")) {
                String key = e.getKey().substring(6, e.getKey().length() - "_detection".length());
                b.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.1f | %.1f |%n", key, stat("share_" + key + "_detection").mean(),
                        stat("share_" + key + "_claim").mean(), stat("share_" + key + "_port").mean(), stat("share_" + key + "_reconnect").mean()));
            }
        }
        b.append("\n## Counts\n\n| Count | Value |\n|---|---:|\n");
        for (var e : counts.entrySet()) {
            if (!e.getKey().equals("windowed_errors")) {
                b.append("| ").append(e.getKey()).append(" | ").append(e.getValue()).append(" |\n");
            }
        }
        for (String n : notes) {
            b.append("\n- ").append(n);
        }
        Path md = options.outDir().resolve("failover.md");
        Files.writeString(md, b.toString());
        out.println("note: table written to " + md);
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // Best effort: a temporary directory.
        }
    }
}
