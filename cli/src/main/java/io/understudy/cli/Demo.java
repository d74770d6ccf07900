package io.understudy.cli;

import io.understudy.api.ServerName;
import io.understudy.api.UnderstudyException;
import io.understudy.api.event.ClientStep;
import io.understudy.api.ownership.DiskId;
import io.understudy.client.FailoverClient;
import io.understudy.examples.fileservice.FileServiceClient;
import io.understudy.spi.transport.Transport;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * The failover demo: FilerA and FilerB as separate OS processes on loopback with the embedded defaults
 * (hosts file, TCP, file-backed disks), one client per filer writing and reading through the example file
 * service, then: {@code kill -9} of FilerA and takeover by FilerB (Fig. 4) with the client computing
 * {@code FilerA-failover} (Fig. 6); FilerA restarted, waiting for giveback; giveback (Fig. 5) and the
 * client's return; an operator takeover of FilerB by FilerA (Fig. 7) and giveback. Every acknowledged
 * write is read back at the end.
 */
final class Demo implements AutoCloseable {

    /** What the demo measured. */
    record Result(long outageMs, long acked, long verified, long lost, long clientErrors, List<String> events) {
        String summary() {
            return "demo: outage_ms=" + outageMs + " acked=" + acked + " verified=" + verified + " lost=" + lost
                    + " client_errors=" + clientErrors;
        }

        boolean ok() {
            return lost == 0 && clientErrors == 0 && verified == acked;
        }
    }

    static final String A = "FilerA";
    static final String B = "FilerB";
    static final DiskId VOL_A = DiskId.of("filera-vol0");
    static final DiskId VOL_B = DiskId.of("filerb-vol0");
    static final Duration PHASE_LIMIT = Duration.ofSeconds(60);

    private final PrintStream out;
    private final boolean keep;
    private final Path dir;
    private final Timeline timeline;
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final List<Writer> writers = new ArrayList<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private ProcessCluster cluster;
    private Deployment deployment;
    private Transport admin;

    private final Options options;

    Demo(PrintStream out, boolean keep) throws IOException {
        this(out, keep, Options.defaults());
    }

    /**
     * The demo's choices beyond the embedded defaults.
     *
     * @param naming    the clients' name service: a hosts file (default) or DNS (a private dnsmasq)
     * @param disks     {@code file} (file-backed disks in the demo's directory, default) or {@code iscsi} (LUNs
     *                  of a private tgtd: sector S and SCSI-3 persistent reservations on a real target)
     * @param transport the data-access transport: {@code tcp} (default), {@code vi} (the VI emulation over
     *                  shared memory; DAFS and pDAF are discriminators) or {@code ib} (the InfiniBand transport on
     *                  its software verbs over the tcp fabric; DAFS and pDAF are RDMA CM port numbers)
     */
    record Options(ProcessCluster.Naming naming, String disks, String transport) {
        /** Validates the choices. */
        Options {
            if (!disks.equals("file") && !disks.equals("iscsi")) {
                throw new IllegalArgumentException("--disks must be file or iscsi, not " + disks);
            }
            if (!transport.equals("tcp") && !transport.equals("vi") && !transport.equals("ib")) {
                throw new IllegalArgumentException("--transport must be tcp, vi or ib, not " + transport);
            }
        }

        static Options defaults() {
            return new Options(ProcessCluster.Naming.HOSTS, "file", "tcp");
        }
    }

    Demo(PrintStream out, boolean keep, Options options) throws IOException {
        this.out = out;
        this.keep = keep;
        this.options = options;
        this.dir = Files.createTempDirectory("understudy-demo-");
        this.timeline = new Timeline(Instant.now(), out);
    }

    Result run() throws Exception {
        String what = "file-backed disks in " + dir;
        String ownership = null;
        if (options.disks().equals("iscsi")) {
            String missing = DemoIscsiTarget.missing();
            if (missing != null) {
                throw new IllegalStateException("demo --disks iscsi: " + missing);
            }
            DemoIscsiTarget target;
            try {
                target = DemoIscsiTarget.start(dir, 64L << 20);
            } catch (IOException e) {
                throw new IllegalStateException("demo --disks iscsi: cannot start the iSCSI target: " + e.getMessage(), e);
            }
            closeables.add(target);
            ownership = target.ownershipYaml();
            what = "iSCSI disks (" + target.describe() + "), sector S and SCSI-3 persistent reservations on the target";
        }
        if (options.transport().equals("ib")) {
            // The clients run in this process: allow the ib provider's software verbs here too (as the nodes'
            // command lines do), and put the property back when the demo closes.
            String before = System.getProperty("understudy.ib.software");
            System.setProperty("understudy.ib.software", "true");
            closeables.add(() -> {
                if (before == null) {
                    System.clearProperty("understudy.ib.software");
                } else {
                    System.setProperty("understudy.ib.software", before);
                }
            });
        }
        cluster = new ProcessCluster(dir, timeline, events,
                new ProcessCluster.Setup(options.naming(), ownership, options.transport()));
        closeables.add(cluster);
        deployment = cluster.deployment();
        admin = cluster.admin();

        timeline.banner("Two filers as separate processes on loopback: "
                + (options.naming() == ProcessCluster.Naming.DNS ? "DNS (dnsmasq)" : "hosts file") + ", "
                + switch (options.transport()) {
                    case "vi" -> "VI over shared memory (DAFS and pDAF are discriminators)";
                    case "ib" -> "InfiniBand software verbs over the tcp fabric (DAFS and pDAF are RDMA CM ports)";
                    default -> "TCP";
                }
                + ", " + what);
        cluster.start(A);
        cluster.start(B);
        await(() -> cluster.state(A).equals("NORMAL") && cluster.state(B).equals("NORMAL"), "FilerA and FilerB serve (NORMAL)");
        await(() -> cluster.partnerHeard(A) && cluster.partnerHeard(B), "FilerA and FilerB hear each other's heartbeats");
        StatusCommand.print(deployment, admin, out);

        timeline.banner("Clients write and read through the file service: one per filer, on DAFS");
        Writer wa = startWriter(A, VOL_A);
        Writer wb = startWriter(B, VOL_B);
        awaitAcks(wa, 25);
        awaitAcks(wb, 25);

        timeline.banner("kill -9 FilerA: FilerB detects the silence, takes its disk and opens pDAF; the client computes FilerA-failover");
        long acksAtKill = wa.acks.get();
        wa.secondaryNanos = 0;
        long killNanos = System.nanoTime();
        long pid = cluster.kill9(A);
        timeline.now("demo", "kill -9 FilerA (pid " + pid + ")");
        await(() -> cluster.state(B).equals("IN_TAKEOVER"), "FilerB in takeover");
        await(() -> wa.acks.get() > acksAtKill, "client A writes again, through FilerB");
        long outageMs = Duration.ofNanos(wa.longestGapAcross(killNanos)).toMillis();
        timeline.now("demo", "client A's outage: " + outageMs + " ms without an acknowledged write across the kill");
        awaitAcks(wa, 25);
        StatusCommand.print(deployment, admin, out);

        timeline.banner("Restart FilerA: its disk is held by FilerB, so it waits for giveback and serves nothing");
        cluster.start(A);
        await(() -> cluster.state(A).equals("WAITING_FOR_GIVEBACK"), "FilerA waiting for giveback");
        awaitAcks(wa, 10);

        timeline.banner("Giveback on FilerB: stop pDAF requests, finish outstanding, consistency point, close pDAF, release the disk");
        timeline.now("demo", "understudy giveback --node FilerB: " + AdminClient.call(admin, deployment.node(B), "giveback", PHASE_LIMIT));
        await(() -> cluster.state(A).equals("NORMAL"), "FilerA serving again");
        await(() -> wa.returnedToPrimary.get(), "client A back on FilerA");
        awaitAcks(wa, 25);

        timeline.banner("Operator takeover of FilerB by FilerA: Please Shutdown, countdown, takeover (Fig. 7)");
        timeline.now("demo", "understudy takeover --node FilerA: " + AdminClient.call(admin, deployment.node(A), "takeover", PHASE_LIMIT));
        await(() -> wb.onSecondary.get(), "client B on FilerB-failover (FilerA, pDAF)");
        awaitAcks(wb, 25);
        StatusCommand.print(deployment, admin, out);

        timeline.banner("Giveback on FilerA");
        timeline.now("demo", "understudy giveback --node FilerA: " + AdminClient.call(admin, deployment.node(A), "giveback", PHASE_LIMIT));
        await(() -> cluster.state(B).equals("NORMAL"), "FilerB serving again");
        await(() -> wb.returnedToPrimary.get(), "client B back on FilerB");
        awaitAcks(wb, 25);
        awaitAcks(wa, 10);

        timeline.banner("Stop the clients and read back every acknowledged write");
        for (Writer w : writers) {
            w.stop();
        }
        long acked = 0;
        long verified = 0;
        long lost = 0;
        long errors = 0;
        for (Writer w : writers) {
            acked += w.acked.size();
            errors += w.errors.get();
            for (var e : w.acked.entrySet()) {
                try {
                    byte[] want = e.getValue().getBytes(StandardCharsets.UTF_8);
                    var got = w.files.read(w.volume, e.getKey(), 0, want.length);
                    if (java.util.Arrays.equals(want, bytes(got.data()))) {
                        verified++;
                    } else {
                        lost++;
                        timeline.now("verify", "LOST " + w.volume + "/" + e.getKey());
                    }
                } catch (UnderstudyException ex) {
                    lost++;
                    timeline.now("verify", "LOST " + w.volume + "/" + e.getKey() + ": " + ex.getMessage());
                }
            }
        }
        StatusCommand.print(deployment, admin, out);
        return new Result(outageMs, acked, verified, lost, errors, List.copyOf(events));
    }

    private static byte[] bytes(java.nio.ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return a;
    }

    private Writer startWriter(String server, DiskId volume) {
        Transport t = deployment.clientTransport();
        closeables.add(t);
        Writer w = new Writer(server, volume);
        FailoverClient client = deployment.client(ServerName.of(server), t).listener(w::onClientEvent).build();
        closeables.add(client);
        w.files = new FileServiceClient(client);
        writers.add(w);
        Thread.ofPlatform().name("writer-" + server).daemon().start(w);
        return w;
    }

    private void awaitAcks(Writer w, int more) {
        long target = w.acks.get() + more;
        await(() -> w.acks.get() >= target, "client of " + w.server + " acknowledges " + more + " more writes");
    }

    private void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + PHASE_LIMIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("demo: gave up after " + PHASE_LIMIT.toSeconds() + " s waiting for: " + what
                        + " (node logs are in " + dir + ")");
            }
            LockSupport.parkNanos(20_000_000);
        }
        timeline.now("demo", "ok: " + what);
    }

    /** Writes files through one failover client, remembering what was acknowledged. */
    private final class Writer implements Runnable {
        final String server;
        final DiskId volume;
        final Map<String, String> acked = new ConcurrentHashMap<>();
        final AtomicLong acks = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        final List<Long> ackNanos = Collections.synchronizedList(new ArrayList<>());
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicBoolean onSecondary = new AtomicBoolean();
        final AtomicBoolean returnedToPrimary = new AtomicBoolean();
        final java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        FileServiceClient files;
        volatile long secondaryNanos;

        Writer(String server, DiskId volume) {
            this.server = server;
            this.volume = volume;
        }

        void onClientEvent(io.understudy.api.event.UnderstudyEvent e) {
            if (e instanceof ClientStep s) {
                events.add(s.describe());
                timeline.print(s.at(), "client" + server.charAt(server.length() - 1), s.step() + (s.detail().isEmpty() ? "" : " " + s.detail()));
                switch (s.step()) {
                    case CONNECTED_SECONDARY -> {
                        if (secondaryNanos == 0) {
                            secondaryNanos = System.nanoTime();
                        }
                        onSecondary.set(true);
                        returnedToPrimary.set(false);
                    }
                    case RETURNED_TO_PRIMARY -> {
                        returnedToPrimary.set(true);
                        onSecondary.set(false);
                    }
                    default -> {
                    }
                }
            }
        }

        /**
         * The client-observed outage: the longest interval between two consecutive acknowledged writes, among
         * the intervals that end after {@code faultNanos} up to the first acknowledgement through the partner.
         * (A write in flight at the fault may still be acknowledged just after it, so "first ack after the
         * fault" would understate the outage.)
         */
        long longestGapAcross(long faultNanos) {
            synchronized (ackNanos) {
                long longest = 0;
                for (int i = 1; i < ackNanos.size(); i++) {
                    long end = ackNanos.get(i);
                    if (end < faultNanos) {
                        continue;
                    }
                    longest = Math.max(longest, end - ackNanos.get(i - 1));
                    if (secondaryNanos != 0 && end >= secondaryNanos) {
                        break;
                    }
                }
                return longest;
            }
        }

        @Override
        public void run() {
            try {
                for (int n = 0; !stop.get(); n++) {
                    String path = "demo/" + server + "-" + n;
                    String content = server + " write " + n + " " + Long.toHexString(ThreadLocalRandom.current().nextLong());
                    try {
                        files.create(volume, path);
                        files.write(volume, path, 0, content.getBytes(StandardCharsets.UTF_8));
                        acked.put(path, content);
                        ackNanos.add(System.nanoTime());
                        acks.incrementAndGet();
                    } catch (UnderstudyException e) {
                        errors.incrementAndGet();
                        timeline.now("client" + server.charAt(server.length() - 1), "ERROR " + e.getMessage());
                    }
                    LockSupport.parkNanos(5_000_000);
                }
            } finally {
                done.countDown();
            }
        }

        void stop() throws InterruptedException {
            stop.set(true);
            done.await();
        }
    }

    @Override
    public void close() {
        for (Writer w : writers) {
            w.stop.set(true);
        }
        for (AutoCloseable c : closeables.reversed()) {
            try {
                c.close();
            } catch (Exception e) {
                // Best effort.
            }
        }
        if (!keep) {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                out.println("demo: could not remove " + dir + ": " + e.getMessage());
            }
        } else {
            out.println("demo: kept " + dir + " (configuration, hosts file, disks, node logs)");
        }
    }

    Path dir() {
        return dir;
    }
}
