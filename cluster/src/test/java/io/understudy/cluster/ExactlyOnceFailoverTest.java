package io.understudy.cluster;

import static io.understudy.cluster.Pair.A_DISK;
import static io.understudy.cluster.Pair.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.understudy.api.DataAccessPort;
import io.understudy.api.ServerName;
import io.understudy.api.event.NodeState;
import io.understudy.api.spi.ProviderContext;
import io.understudy.client.FailoverClient;
import io.understudy.naming.hosts.HostsFileResolverProvider;
import io.understudy.naming.hosts.HostsOptions;
import io.understudy.transport.tcp.TcpTransportProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The "done when": concurrent failover clients append to FilerA's volume (a non-idempotent
 * operation) while FilerA is killed again and again at random points: right after a group of journal
 * records became durable and before the replies went out, between a consistency point's write and its
 * force, after that force, and at arbitrary moments. FilerB takes over (replaying FilerA's journal before
 * it opens pDAF), the clients fail over and re-send; FilerA is restarted and given its volume back
 * (a consistency point on FilerB, a replay on FilerA). At the end every acknowledged append is in the
 * volume exactly once, at the index its acknowledgement named, and no client call ever failed.
 *
 * <p>Two engines in this JVM over real TCP, a real hosts file and real file-backed disks; a kill is
 * {@link Pair.Node#crash} with the killed node's threads frozen or dropped where they were. Bounded for CI
 * ({@code -Dexactly.once.kills=N} for longer runs); the seed is printed.
 */
class ExactlyOnceFailoverTest {

    static final int CLIENTS = 4;
    static final int KILLS = Integer.getInteger("exactly.once.kills", 6);

    @TempDir
    Path dir;

    /** Where the next kill of FilerA happens; read by FilerA's journal hook. */
    private volatile JournalFaults.Point armed;
    private final AtomicInteger countdown = new AtomicInteger();
    private volatile CountDownLatch reached = new CountDownLatch(1);
    private volatile CountDownLatch dead = new CountDownLatch(1);

    static final class Killed extends RuntimeException {
        Killed() {
            super("killed", null, false, false);
        }
    }

    private JournaledVolumeService service(boolean hooked) {
        JournalFaults faults = !hooked ? JournalFaults.NONE : (point, disk) -> {
            if (point == armed && countdown.decrementAndGet() == 0) {
                reached.countDown();
                try {
                    dead.await(); // frozen here until the node is dead, then this thread dies too
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new Killed();
            }
        };
        return JournaledVolumeService.builder().application(new AppendApp()).faults(faults)
                .checkpointSlotBytes(128 * 1024).halfBytes(8 * 1024).maxReplyBytes(64).checkpointInterval(Duration.ZERO).build();
    }

    @Test
    void killingTheServingNodeAtRandomPointsLosesNoAcknowledgedWriteAndAppliesNoneTwice() throws Exception {
        long seed = Long.getLong("exactly.once.seed", System.nanoTime());
        System.out.println("ExactlyOnceFailoverTest seed " + seed + " (rerun with -Dexactly.once.seed=" + seed + ")");
        Random r = new Random(seed);
        Path hosts = dir.resolve("hosts");
        Files.writeString(hosts, "127.0.0.11 FilerA\n127.0.0.12 FilerB\n127.0.0.12 FilerA-failover\n");
        Files.createDirectories(dir.resolve("disks"));
        try (Pair pair = new Pair(dir.resolve("disks"))) {
            pair.a.services = () -> service(true);
            pair.b.services = () -> service(false);
            pair.start();
            pair.heartbeatUntilHeard();

            Map<String, Integer> acked = new ConcurrentHashMap<>();
            List<String> errors = new CopyOnWriteArrayList<>();
            AtomicLong acks = new AtomicLong();
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            List<Thread> clients = new ArrayList<>();
            List<FailoverClient> opened = new CopyOnWriteArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int id = c;
                FailoverClient client = FailoverClient.builder().server(ServerName.of("FilerA"))
                        .transport(new TcpTransportProvider(), ProviderContext.builder()
                                .portNumbers(Map.of(DataAccessPort.DAFS, pair.dafs, DataAccessPort.PDAF, pair.pdaf)).build())
                        .resolver(new HostsFileResolverProvider(), ProviderContext.builder().option(HostsOptions.FILE, hosts)
                                .option(HostsOptions.CHECK_INTERVAL, Duration.ZERO).build())
                        .retryBackoff(Duration.ofMillis(5)).maxBackoff(Duration.ofMillis(40)).random(new SplittableRandom(seed + c))
                        .connectTimeout(Duration.ofSeconds(1)).failoverBudget(Duration.ofSeconds(30)).build();
                opened.add(client);
                clients.add(Thread.ofVirtual().name("client-" + c).start(() -> {
                    for (int k = 0; !stop.get(); k++) {
                        String item = "c" + id + "-" + k;
                        try {
                            String reply = AppendApp.text(client.call(AppendApp.utf8("append a0 " + item)));
                            acked.put(item, Integer.parseInt(reply));
                            acks.incrementAndGet();
                        } catch (RuntimeException e) {
                            errors.add(item + ": " + e);
                            return;
                        }
                    }
                }));
            }

            TreeSet<String> where = new TreeSet<>();
            long resentAnswered = 0;
            for (int kill = 1; kill <= KILLS; kill++) {
                awaitProgress(acks, 5 + r.nextInt(40), errors, "clients served by FilerA before kill " + kill);
                // Arm the kill: a journal point (after its countdown), or none: then kill at this moment.
                JournalFaults.Point[] points = {JournalFaults.Point.AFTER_FORCE, JournalFaults.Point.CP_WRITTEN,
                        JournalFaults.Point.CP_FORCED, null};
                JournalFaults.Point point = points[r.nextInt(points.length)];
                reached = new CountDownLatch(1);
                dead = new CountDownLatch(1);
                countdown.set(point == JournalFaults.Point.AFTER_FORCE ? 1 + r.nextInt(30) : 1);
                armed = point;
                boolean atPoint = point != null && reached.await(10, TimeUnit.SECONDS);
                armed = null;
                where.add(atPoint ? point.name() : "ANY_MOMENT");
                pair.a.crash();
                dead.countDown();

                pair.silenceLongerThanWindow();
                pair.b.engine.tick(); // B is the second node: this starts its split-brain delay
                pair.clock.advance(Duration.ofMillis(300));
                pair.b.engine.tick();
                assertEquals(NodeState.IN_TAKEOVER, pair.b.engine.state(), "seed " + seed + " kill " + kill);
                JournalReport replay = ((JournaledVolumeService) pair.b.service).lastMount(A_DISK);
                assertEquals(0, replay.divergent(), replay.toString());

                awaitProgress(acks, 5 + r.nextInt(20), errors, "clients served by FilerB on pDAF after kill " + kill);
                resentAnswered += ((JournaledVolumeService) pair.b.service).counters(A_DISK)[3];
                pair.a.start();
                assertEquals(NodeState.WAITING_FOR_GIVEBACK, pair.a.engine.state());
                assertEquals(NodeState.NORMAL, pair.b.engine.giveback().get(20, TimeUnit.SECONDS));
                waitFor(() -> {
                    pair.a.engine.tick();
                    return pair.a.engine.state() == NodeState.NORMAL;
                }, "FilerA reclaims its disk after giveback");
                pair.heartbeatUntilHeard();
            }
            awaitProgress(acks, 5, errors, "clients served by FilerA after the last giveback");
            stop.set(true);
            for (Thread t : clients) {
                t.join(TimeUnit.SECONDS.toMillis(30));
            }
            opened.forEach(FailoverClient::close);

            assertEquals(List.of(), errors, "seed " + seed + ": a client saw an error");
            String all = pair.a.ok(DataAccessPort.DAFS, "read a0");
            List<String> list = List.of(all.split(","));
            assertEquals(list.size(), new HashSet<>(list).size(), "seed " + seed + ": an append was applied twice");
            assertEquals(acked.size(), list.size(), "seed " + seed + ": appends in the volume vs acknowledged");
            for (Map.Entry<String, Integer> e : acked.entrySet()) {
                assertEquals(e.getKey(), list.get(e.getValue()), "seed " + seed + ": " + e.getKey() + " acknowledged at " + e.getValue());
            }
            assertTrue(pair.b.events.stream().anyMatch(e -> e.toString().contains("CONSISTENCY_POINT")), "giveback takes a consistency point");
            System.out.println("ExactlyOnceFailoverTest seed " + seed + ": " + KILLS + " kills at " + where + ", "
                    + list.size() + " appends acknowledged, each present once; " + resentAnswered
                    + " re-sent requests answered from FilerB's rebuilt reply cache");
        }
    }

    private static void awaitProgress(AtomicLong acks, int n, List<String> errors, String what) {
        long target = acks.get() + n;
        waitFor(() -> acks.get() >= target || !errors.isEmpty(), what);
        if (!errors.isEmpty()) {
            fail("a client saw an error: " + errors);
        }
    }
}
