package io.understudy.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.understudy.api.DataAccessPort;
import io.understudy.api.UnderstudyException;
import io.understudy.api.ownership.DiskId;
import io.understudy.session.ApplicationException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Exactly-once through crashes at random points of the journal, on a disk that keeps, tears or loses each
 * write not yet forced: between a group's force and its replies, between a checkpoint's write and its
 * force, after its force, during replay, and at arbitrary moments. Clients re-send what was not answered
 * with the same session and sequence (as the failover client does). At the end every request was
 * acknowledged, each item is in the list exactly once and at the index its acknowledgement named.
 */
class JournalCrashTest {

    static final DiskId A0 = DiskId.of("a0");
    static final int CLIENTS = 4;
    static final int OPS = Integer.getInteger("journal.crash.ops", 150);
    static final int SEEDS = Integer.getInteger("journal.crash.seeds", 6);

    /** Thrown by the fault hook: this node has died here. */
    static final class Crash extends RuntimeException {
        Crash(String where) {
            super("crash at " + where, null, false, false);
        }
    }

    @Test
    void crashesAtRandomPointsLoseNothingAndRunNothingTwice() throws Exception {
        long base = Long.getLong("journal.crash.seed", System.nanoTime());
        for (int i = 0; i < SEEDS; i++) {
            long seed = base + i;
            System.out.println("JournalCrashTest seed " + seed + " (rerun with -Djournal.crash.seed=" + seed + " -Djournal.crash.seeds=1)");
            runOne(seed);
        }
    }

    private void runOne(long seed) throws Exception {
        Random r = new Random(seed);
        JournalFormat.Layout layout = new JournalFormat.Layout(32 * 1024, 4 * 1024);
        byte[] image = new byte[(int) layout.totalBytes() + 4096];
        long[] sessions = new long[CLIENTS];
        int[] next = new int[CLIENTS]; // the next op each client has not had acknowledged
        Map<String, Integer> ackedIndex = new HashMap<>();
        for (int c = 0; c < CLIENTS; c++) {
            sessions[c] = r.nextLong();
        }
        int lives = 0;
        int crashes = 0;
        Set<String> seenPoints = new java.util.TreeSet<>();
        while (!allDone(next)) {
            lives++;
            if (lives > 200) {
                fail("seed " + seed + ": no progress after 200 lives");
            }
            CrashDisk disk = new CrashDisk(A0, image);
            // Where this life dies: a fault point after a random number of passes, or a client after k acks.
            JournalFaults.Point[] points = JournalFaults.Point.values();
            JournalFaults.Point point = r.nextInt(4) == 0 ? null : points[r.nextInt(points.length)];
            AtomicInteger countdown = new AtomicInteger(1 + r.nextInt(point == JournalFaults.Point.AFTER_FORCE ? 60 : 4));
            int crashAfterAcks = 1 + r.nextInt(point == null ? 120 : 400); // also a fallback if the point is not reached
            JournalFaults faults = (p, d) -> {
                if (p == point && countdown.decrementAndGet() == 0) {
                    disk.crash();
                    throw new Crash(p.name());
                }
            };
            AppendApp app = new AppendApp();
            JournaledVolumeService svc = JournaledVolumeService.builder().application(app).faults(faults)
                    .checkpointSlotBytes(layout.checkpointSlotBytes()).halfBytes(layout.halfBytes())
                    .maxReplyBytes(64).checkpointInterval(Duration.ZERO)
                    // Each life ends in a crash of the whole node: nothing of it may go on running afterwards, so
                    // the background remount after a disk error (DiskErrorRecoveryTest's subject) never fires here.
                    .diskRetry(Duration.ofDays(1), Duration.ofDays(1), 1).build();
            boolean mounted;
            try {
                svc.mount(A0, disk);
                mounted = true;
                assertEquals(0, svc.lastMount(A0).divergent(), "seed " + seed + ": replay diverged");
                for (String dmg : svc.lastMount(A0).damage()) {
                    assertTrue(dmg.contains("log half") || dmg.contains("checkpoint slot") || dmg.contains("gap"), dmg);
                }
            } catch (Crash e) {
                mounted = false;
                seenPoints.add(e.getMessage());
            }
            if (mounted) {
                AtomicInteger acks = new AtomicInteger();
                List<Thread> threads = new ArrayList<>();
                List<Throwable> bugs = new java.util.concurrent.CopyOnWriteArrayList<>();
                for (int c = 0; c < CLIENTS; c++) {
                    int client = c;
                    threads.add(Thread.ofVirtual().start(() -> {
                        try {
                            while (next[client] < OPS) {
                                int k = next[client];
                                String item = "c" + client + "-" + k;
                                ByteBuffer reply = svc.handle(ctx(sessions[client], k + 1), AppendApp.utf8("append a0 " + item));
                                int index = Integer.parseInt(AppendApp.text(reply));
                                synchronized (ackedIndex) {
                                    Integer before = ackedIndex.putIfAbsent(item, index);
                                    if (before != null && before != index) {
                                        bugs.add(new AssertionError(item + " acknowledged at " + before + " and " + index));
                                    }
                                }
                                next[client] = k + 1;
                                if (acks.incrementAndGet() == crashAfterAcks) {
                                    disk.crash();
                                    return;
                                }
                                if (k % 37 == 36) {
                                    svc.consistencyPoint(A0);
                                }
                            }
                        } catch (Crash e) {
                            synchronized (seenPoints) {
                                seenPoints.add(e.getMessage());
                            }
                        } catch (ApplicationException e) {
                            bugs.add(e);
                        } catch (UnderstudyException e) {
                            // the node died under this request: it was not acknowledged, the client re-sends it
                        } catch (Throwable t) {
                            bugs.add(t);
                        }
                    }));
                }
                for (Thread t : threads) {
                    t.join();
                }
                if (!bugs.isEmpty()) {
                    AssertionError e = new AssertionError("seed " + seed + ": " + bugs.get(0), bugs.get(0));
                    throw e;
                }
            }
            if (allDone(next) && mounted && !disk.crashed()) {
                // Finished without dying: a consistency point (which may itself be where this life dies).
                try {
                    svc.consistencyPoint(A0);
                } catch (Crash e) {
                    seenPoints.add(e.getMessage());
                } catch (UnderstudyException e) {
                    // A background consistency point may have died at a crash point meanwhile; then this one finds
                    // the node dead. Any other failure is a bug.
                    if (!disk.crashed()) {
                        throw e;
                    }
                }
            }
            if (disk.crashed()) {
                crashes++;
            }
            image = disk.crashImage(r);
            svc.close();
        }
        // A last, clean life: everything acknowledged is there once, where its acknowledgement said.
        JournaledVolumeService svc = JournaledVolumeService.builder().application(new AppendApp())
                .checkpointSlotBytes(layout.checkpointSlotBytes()).halfBytes(layout.halfBytes()).maxReplyBytes(64)
                .checkpointInterval(Duration.ZERO).build();
        svc.mount(A0, new CrashDisk(A0, image));
        List<String> list = List.of(AppendApp.text(svc.handle(ctx(1, 1), AppendApp.utf8("read a0"))).split(","));
        assertEquals(CLIENTS * OPS, list.size(), "seed " + seed + ": items in the list");
        assertEquals(CLIENTS * OPS, new java.util.HashSet<>(list).size(), "seed " + seed + ": an item was applied twice");
        for (Map.Entry<String, Integer> e : ackedIndex.entrySet()) {
            assertEquals(e.getKey(), list.get(e.getValue()), "seed " + seed + ": acknowledged index of " + e.getKey());
        }
        System.out.println("JournalCrashTest seed " + seed + ": " + lives + " lives, " + crashes + " crashes, points " + seenPoints);
    }

    static RequestContext ctx(long session, long seq) {
        return new RequestContext(DataAccessPort.DAFS, Set.of(A0), session, seq);
    }

    private static boolean allDone(int[] next) {
        for (int n : next) {
            if (n < OPS) {
                return false;
            }
        }
        return true;
    }
}
