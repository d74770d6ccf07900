package io.understudy.cli;

import io.understudy.api.ServerName;
import io.understudy.api.UnderstudyException;
import io.understudy.api.ownership.DiskId;
import io.understudy.cli.chaos.ChaosClient;
import io.understudy.cli.chaos.Checker;
import io.understudy.cli.chaos.DroppableTransport;
import io.understudy.cli.chaos.Fault;
import io.understudy.cli.chaos.History;
import io.understudy.cli.chaos.HistoryEntry;
import io.understudy.cli.chaos.NodeEvent;
import io.understudy.cli.chaos.Store;
import io.understudy.client.FailoverClient;
import io.understudy.examples.fileservice.FileServiceClient;
import io.understudy.examples.fileservice.FileServiceCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * One chaos run: a fresh pair of node processes, clients appending, a random schedule of faults each healed
 * in turn, then the history checked against the logs read back. See docs/RELIABILITY-chaos.md.
 */
final class ChaosRun implements AutoCloseable {

    static final List<String> NODES = List.of(Demo.A, Demo.B);
    /** How long the pair may take to start or heal: generous, as a JVM start takes a minute on a loaded 2-core VM. */
    static final Duration SETTLE = Duration.ofSeconds(180);
    /** How long a node may wait for a giveback while its partner is NORMAL before the run calls the pair stuck. */
    static final Duration STUCK_AFTER = Duration.ofSeconds(20);

    /**
     * What a run does.
     *
     * @param faults        the enabled fault kinds
     * @param duration      how long faults keep coming (the last one may start just before)
     * @param minFaults     at least this many faults, however long they take
     * @param clients       how many clients append (alternately on FilerA's and FilerB's volume)
     * @param recoveryBound how soon after the last heal every client must have an acknowledged append
     * @param keep          keep the run's directory even without violations
     * @param wrapper       wraps each client's store (tests inject faulty stores with it)
     * @param mode          how clients append: the service's APPEND to one file per volume (default), or WRITE
     *                      at their own offset in a file per client
     * @param disks         where the nodes' disks live: {@code file} (default) or {@code iscsi} (LUNs of a private
     *                      tgtd, which {@link Fault.Kind#DISKERROR} needs)
     */
    record Options(List<Fault.Kind> faults, Duration duration, int minFaults, int clients, Duration recoveryBound,
            boolean keep, UnaryOperator<Store> wrapper, FileStore.Mode mode, String disks) {
        Options {
            faults = List.copyOf(faults);
            if (!disks.equals("file") && !disks.equals("iscsi")) {
                throw new IllegalArgumentException("--disks must be file or iscsi, not '" + disks + "'");
            }
            if (faults.contains(Fault.Kind.DISKERROR) && !disks.equals("iscsi")) {
                throw new IllegalArgumentException("--faults diskerror fails an iSCSI LUN: it needs --disks iscsi");
            }
            if (clients < 1) {
                throw new IllegalArgumentException("--clients must be at least 1, not " + clients);
            }
            if (minFaults < 0) {
                throw new IllegalArgumentException("--min-faults must be at least 0, not " + minFaults);
            }
        }
    }

    /**
     * What a run found.
     *
     * @param run           the run's index
     * @param seed          the run's seed ({@code seed + run})
     * @param applied       the faults applied, in order
     * @param result        the checker's verdict, with harness problems added
     * @param secondaryAcks appends acknowledged on a partner's pDAF
     * @param takeovers     takeovers the nodes published (SECONDARY_PORT_ACTIVATED)
     * @param dir           the run's directory
     * @param kept          whether the directory was kept
     */
    record Outcome(int run, long seed, List<Fault> applied, Checker.Result result, long secondaryAcks, long takeovers,
            Path dir, boolean kept) {
        String line() {
            return "chaos: run " + run + " seed " + seed + " faults=" + applied + " ops=" + result.ops() + " acked="
                    + result.acked() + " failed=" + result.failed() + " unknown=" + result.unknown() + " on-pDAF="
                    + secondaryAcks + " takeovers=" + takeovers + " violations=" + result.violations().size();
        }
    }

    private final int run;
    private final long seed;
    private final Options options;
    private final Path dir;
    private final PrintStream timelineOut;
    private final Timeline timeline;
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final List<ChaosClient> clients = new ArrayList<>();
    private final List<DroppableTransport> transports = new ArrayList<>();
    private final List<Checker.Violation> harness = new ArrayList<>();
    private final List<Checker.Violation> stuck = new ArrayList<>();
    private final History history = new History();
    private ProcessCluster cluster;
    private DemoIscsiTarget target;
    private boolean keepDir;
    private volatile boolean closed;

    ChaosRun(int run, long seed, Options options) throws IOException {
        this.run = run;
        this.seed = seed;
        this.options = options;
        this.dir = Files.createTempDirectory("understudy-chaos-" + seed + "-");
        this.timelineOut = new PrintStream(Files.newOutputStream(dir.resolve("timeline.txt")), true, StandardCharsets.UTF_8);
        this.timeline = new Timeline(Instant.now(), timelineOut);
    }

    Outcome execute() throws Exception {
        List<Fault> applied = new ArrayList<>();
        Instant healedAt = null;
        if (options.disks().equals("iscsi")) {
            target = DemoIscsiTarget.start(dir, 16L << 20);
            timeline.now("chaos", "disks: " + target.describe());
            cluster = new ProcessCluster(dir, timeline, events,
                    new ProcessCluster.Setup(ProcessCluster.Naming.HOSTS, target.ownershipYaml(), "tcp"));
        } else {
            cluster = new ProcessCluster(dir, timeline, events);
        }
        cluster.start(Demo.A);
        cluster.start(Demo.B);
        if (!await(() -> cluster.state(Demo.A).equals("NORMAL") && cluster.state(Demo.B).equals("NORMAL")
                && cluster.partnerHeard(Demo.A) && cluster.partnerHeard(Demo.B), SETTLE, "both nodes NORMAL")) {
            harness("the pair did not start: " + states());
            return finish(applied, null);
        }
        startClients();
        if (!await(() -> clients.stream().allMatch(c -> c.acks() > 0), SETTLE, "every client acknowledged")) {
            harness("not every client got an acknowledgement before the faults: " + states());
        }
        Random random = new Random(seed);
        List<Fault> schedule = Fault.schedule(random, options.faults(), NODES, options.clients(),
                Math.max(options.minFaults(), 1) + 64);
        long start = System.nanoTime();
        for (Fault f : schedule) {
            if (applied.size() >= options.minFaults() && System.nanoTime() - start >= options.duration().toNanos()) {
                break;
            }
            sleep(f.delayMs());
            timeline.now("chaos", "fault " + f);
            apply(f);
            applied.add(f);
            if (!heal()) {
                harness("could not heal the pair after " + f + " within " + SETTLE.toSeconds() + " s: " + states());
                break;
            }
        }
        if (harness.isEmpty()) {
            healedAt = Instant.now();
            timeline.now("chaos", "healed; waiting for every client to succeed");
            Instant h = healedAt;
            await(() -> clients.stream().allMatch(c -> c.lastAck() != null && c.lastAck().isAfter(h)),
                    options.recoveryBound().plusSeconds(5), "every client acknowledged after the heal");
        }
        return finish(applied, healedAt);
    }

    private Outcome finish(List<Fault> applied, Instant healedAt) throws IOException, InterruptedException {
        for (ChaosClient c : clients) {
            c.requestStop();
        }
        for (ChaosClient c : clients) {
            if (!c.stop(SETTLE.toMillis())) {
                harness("client " + c.id() + " did not finish its operation within " + SETTLE.toSeconds() + " s");
            }
        }
        Map<String, List<Checker.LogRecord>> logs = new LinkedHashMap<>();
        if (harness.isEmpty()) {
            readBack(logs);
        }
        history.write(dir.resolve("history.jsonl"));
        List<NodeEvent> nodeEvents = new ArrayList<>();
        for (String n : NODES) {
            nodeEvents.addAll(NodeEvent.readLog(n, dir.resolve(n + ".log")));
        }
        nodeEvents.sort(Comparator.comparing(NodeEvent::at));
        List<HistoryEntry> h = history.entries();
        Checker.Result r = Checker.check(new Checker.Input(h, logs, nodeEvents, healedAt, options.recoveryBound()));
        if (!harness.isEmpty()) {
            // Without a healed pair the logs were not read back: the data checks have nothing to check, so only
            // the harness problem is reported (the history and node logs are kept for a look by hand).
            r = new Checker.Result(harness, r.ops(), r.acked(), r.failed(), r.unknown());
        }
        if (!stuck.isEmpty()) {
            List<Checker.Violation> all = new ArrayList<>(stuck);
            all.addAll(r.violations());
            r = new Checker.Result(all, r.ops(), r.acked(), r.failed(), r.unknown());
        }
        long onSecondary = h.stream().filter(e -> e.type() == HistoryEntry.Type.OK && "pDAF".equals(e.port())).count();
        long takeovers = nodeEvents.stream().filter(e -> e.text().startsWith("SECONDARY_PORT_ACTIVATED")).count();
        List<String> lines = new ArrayList<>();
        for (Checker.Violation v : r.violations()) {
            lines.add(v.toString());
        }
        Files.write(dir.resolve("violations.txt"), lines, StandardCharsets.UTF_8);
        keepDir = options.keep() || !r.ok();
        return new Outcome(run, seed, applied, r, onSecondary, takeovers, dir, keepDir);
    }

    private void startClients() {
        Deployment d = cluster.deployment();
        for (int i = 0; i < options.clients(); i++) {
            String server = NODES.get(i % 2);
            DiskId volume = i % 2 == 0 ? Demo.VOL_A : Demo.VOL_B;
            DroppableTransport t = new DroppableTransport(d.clientTransport());
            closeables.add(t);
            transports.add(t);
            FailoverClient fc = d.client(ServerName.of(server), t).build();
            closeables.add(fc);
            String id = "c" + i;
            FileStore fs = new FileStore(fc, volume, logPath(i), options.mode());
            fs.create();
            Store s = options.wrapper().apply(fs);
            ChaosClient c = new ChaosClient(id, s, history, Clock.systemUTC(), 3);
            clients.add(c);
            Thread.ofPlatform().name("chaos-" + id).daemon().start(c);
        }
    }

    private void apply(Fault f) throws Exception {
        if (closed) {
            return;
        }
        String t = f.target();
        try {
            switch (f.kind()) {
                case KILL9 -> {
                    long pid = cluster.kill9(t);
                    timeline.now("chaos", "kill -9 " + t + " (pid " + pid + ")");
                    await(() -> cluster.state(partner(t)).equals("IN_TAKEOVER"), Duration.ofSeconds(15), partner(t) + " in takeover");
                    sleep(f.holdMs());
                    cluster.start(t);
                }
                case PAUSE -> {
                    cluster.signal(t, "STOP");
                    timeline.now("chaos", "SIGSTOP " + t + " for " + f.holdMs() + " ms");
                    sleep(f.holdMs());
                    cluster.signal(t, "CONT");
                    timeline.now("chaos", "SIGCONT " + t);
                }
                case CUT -> {
                    for (String n : NODES) {
                        cluster.admin(n, "interconnect cut");
                    }
                    timeline.now("chaos", "interconnect cut for " + f.holdMs() + " ms");
                    sleep(f.holdMs());
                    for (String n : NODES) {
                        cluster.admin(n, "interconnect restore");
                    }
                    timeline.now("chaos", "interconnect restored");
                }
                case IAMFAILING -> {
                    timeline.now("chaos", "fail " + t + ": " + cluster.admin(t, "fail chaos says I am failing"));
                    await(() -> cluster.state(partner(t)).equals("IN_TAKEOVER"), Duration.ofSeconds(15), partner(t) + " in takeover");
                    sleep(f.holdMs());
                    cluster.kill9(t);
                    cluster.start(t);
                }
                case TAKEOVER -> timeline.now("chaos", "takeover by " + partner(t) + ": " + cluster.admin(partner(t), "takeover"));
                case CLIENTDROP -> {
                    int i = Integer.parseInt(t) % transports.size();
                    timeline.now("chaos", "dropped " + transports.get(i).dropAll() + " connection(s) of c" + i);
                }
                case DISKERROR -> {
                    int lun = t.equals(Demo.A) ? 1 : 2;
                    target.failLun(lun, true);
                    timeline.now("chaos", "LUN " + lun + " of " + t + " failing for " + f.holdMs() + " ms");
                    try {
                        sleep(f.holdMs());
                    } finally {
                        target.failLun(lun, false);
                        timeline.now("chaos", "LUN " + lun + " of " + t + " back");
                    }
                }
            }
        } catch (UnderstudyException | IllegalStateException e) {
            // A fault that could not be applied fully (e.g. takeover refused in the current state) is logged;
            // heal() brings the pair back either way.
            timeline.now("chaos", "fault " + f + " not fully applied: " + e.getMessage());
        }
    }

    /** Restarts dead or failed nodes and gives back until both serve normally and hear each other. */
    private boolean heal() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        long nextGiveback = 0;
        long waitingSince = 0;
        while (System.nanoTime() < deadline) {
            if (closed) {
                return false;
            }
            for (String n : NODES) {
                if (!cluster.running(n)) {
                    timeline.now("chaos", "restart " + n);
                    cluster.start(n);
                }
            }
            String a = cluster.state(Demo.A);
            String b = cluster.state(Demo.B);
            if (a.equals("NORMAL") && b.equals("NORMAL") && cluster.partnerHeard(Demo.A) && cluster.partnerHeard(Demo.B)) {
                return true;
            }
            // A node waiting for a giveback while its partner serves normally (not in takeover) waits for ever:
            // nothing will give back. Report it, then do what an operator would: restart the waiting node.
            String waiting = a.equals("WAITING_FOR_GIVEBACK") && b.equals("NORMAL") ? Demo.A
                    : b.equals("WAITING_FOR_GIVEBACK") && a.equals("NORMAL") ? Demo.B : null;
            if (waiting == null) {
                waitingSince = 0;
            } else if (waitingSince == 0) {
                waitingSince = System.nanoTime();
            } else if (System.nanoTime() - waitingSince > STUCK_AFTER.toNanos()) {
                String what = waiting + " WAITING_FOR_GIVEBACK for " + STUCK_AFTER.toSeconds() + " s while " + partner(waiting)
                        + " is NORMAL (nothing will give back); restarted " + waiting;
                timeline.now("chaos", "STUCK " + what);
                stuck.add(new Checker.Violation(Checker.Violation.Kind.STUCK, null, -1, null, what));
                cluster.kill9(waiting);
                cluster.start(waiting);
                waitingSince = 0;
                continue;
            }
            for (String n : NODES) {
                String s = n.equals(Demo.A) ? a : b;
                String p = n.equals(Demo.A) ? b : a;
                if (s.equals("DOWN")) {
                    timeline.now("chaos", n + " is DOWN: restart");
                    cluster.kill9(n);
                    cluster.start(n);
                } else if (s.equals("IN_TAKEOVER") && p.equals("WAITING_FOR_GIVEBACK") && System.nanoTime() > nextGiveback) {
                    try {
                        timeline.now("chaos", "giveback by " + n + ": " + cluster.admin(n, "giveback"));
                    } catch (UnderstudyException e) {
                        timeline.now("chaos", "giveback by " + n + " refused: " + e.getMessage());
                        nextGiveback = System.nanoTime() + Duration.ofMillis(500).toNanos();
                    }
                }
            }
            LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
        }
        return false;
    }

    private void readBack(Map<String, List<Checker.LogRecord>> logs) {
        Deployment d = cluster.deployment();
        for (int i = 0; i < options.clients(); i++) {
            String server = NODES.get(i % 2);
            DiskId volume = i % 2 == 0 ? Demo.VOL_A : Demo.VOL_B;
            String path = logPath(i);
            String log = volume + "/" + path;
            if (logs.containsKey(log)) {
                continue;
            }
            try (var t = d.clientTransport(); FailoverClient fc = d.client(ServerName.of(server), t).build()) {
                FileServiceClient files = new FileServiceClient(fc);
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                long offset = 0;
                while (true) {
                    ByteBuffer data = files.read(volume, path, offset, FileServiceCodec.MAX_DATA).data();
                    if (!data.hasRemaining()) {
                        break;
                    }
                    byte[] b = new byte[data.remaining()];
                    data.get(b);
                    all.write(b, 0, b.length);
                    offset += b.length;
                }
                logs.put(log, parse(all.toByteArray()));
            } catch (UnderstudyException e) {
                harness("could not read back " + log + ": " + e.getMessage());
            }
        }
    }

    /** Splits a log into newline-terminated records with their offsets; NUL padding between records is skipped. */
    static List<Checker.LogRecord> parse(byte[] bytes) {
        List<Checker.LogRecord> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= bytes.length; i++) {
            if (i == bytes.length || bytes[i] == '\n') {
                int s = start;
                while (s < i && bytes[s] == 0) {
                    s++;
                }
                if (s < i) {
                    out.add(new Checker.LogRecord(s, new String(bytes, s, i - s, StandardCharsets.UTF_8)));
                }
                start = i + 1;
            }
        }
        return out;
    }

    /** {@return the file client i appends to} */
    private String logPath(int i) {
        return options.mode() == FileStore.Mode.APPEND ? "chaos/log" : "chaos/c" + i + ".log";
    }

    private static String partner(String node) {
        return node.equals(Demo.A) ? Demo.B : Demo.A;
    }

    private String states() {
        return Demo.A + "=" + cluster.state(Demo.A) + " " + Demo.B + "=" + cluster.state(Demo.B);
    }

    private void harness(String what) {
        timeline.now("chaos", "HARNESS " + what);
        harness.add(new Checker.Violation(Checker.Violation.Kind.HARNESS, null, -1, null, what));
    }

    private boolean await(BooleanSupplier condition, Duration limit, String what) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                timeline.now("chaos", "gave up waiting " + limit.toMillis() + " ms for: " + what);
                return false;
            }
            LockSupport.parkNanos(20_000_000);
        }
        timeline.now("chaos", "ok: " + what);
        return true;
    }

    private static void sleep(long ms) {
        // Fault timing, not synchronisation: the schedule says how long a fault lasts.
        LockSupport.parkNanos(Duration.ofMillis(ms).toNanos());
    }

    Path dir() {
        return dir;
    }

    @Override
    public void close() {
        closed = true;
        for (ChaosClient c : clients) {
            c.requestStop();
        }
        if (cluster != null) {
            for (String n : NODES) {
                if (cluster.running(n)) {
                    try {
                        cluster.signal(n, "CONT");
                    } catch (IOException | RuntimeException e) {
                        // It is being killed anyway.
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        }
        for (AutoCloseable c : closeables.reversed()) {
            try {
                c.close();
            } catch (Exception e) {
                // Best effort.
            }
        }
        if (cluster != null) {
            cluster.close();
        }
        if (target != null) {
            target.close(); // after the nodes, which use its LUNs to the end
        }
        timelineOut.close();
        if (!keepDir) {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // Left behind in the temp directory.
            }
        }
    }
}
