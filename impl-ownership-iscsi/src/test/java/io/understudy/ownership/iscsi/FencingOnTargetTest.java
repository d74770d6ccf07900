package io.understudy.ownership.iscsi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.api.ownership.ClaimResult;
import io.understudy.api.ownership.DiskId;
import io.understudy.api.ownership.DiskIo;
import io.understudy.api.ownership.NodeId;
import io.understudy.api.ownership.OwnershipService;
import io.understudy.api.ownership.ReleaseResult;
import io.understudy.api.spi.ProviderContext;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fencing where it matters, at the target: a preempted node's writes (data, and sector S itself) are refused
 * with RESERVATION CONFLICT by tgtd, which the LUN's backing file proves; a two-node takeover and giveback
 * end to end, with the {@code <SECTORS,SCSI>} pair read from the LUN at each step; and a lost connection
 * re-established without losing (or wrongly regaining) the reservation.
 */
class FencingOnTargetTest {

    private static final DiskId D0 = DiskId.of("d0");
    private static final NodeId A = NodeId.of("FilerA");
    private static final NodeId B = NodeId.of("FilerB");

    @TempDir
    Path dir;
    private Tgtd tgtd;
    private Tgtd.Target target;
    private final List<OwnershipService> services = new ArrayList<>();

    @BeforeEach
    void target() {
        tgtd = Tgtd.get();
        target = tgtd.newTarget(dir, 1, 1 << 20);
    }

    @AfterEach
    void cleanUp() {
        services.forEach(OwnershipService::close);
        target.close();
    }

    private IscsiOwnershipService open(NodeId node) {
        IscsiOwnershipService s = (IscsiOwnershipService) new IscsiOwnershipProvider().open(ProviderContext.builder()
                .nodeName(node.name()).option(IscsiOwnershipProvider.DISKS, target.disks()).build());
        services.add(s);
        return s;
    }

    /** {@return bytes of LUN 1's backing file: what really reached the disk} */
    private byte[] backing(long offset, int length) throws Exception {
        try (FileChannel c = FileChannel.open(target.files.get(0), StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(length);
            c.read(b, offset);
            return b.array();
        }
    }

    private static long dataOffset() {
        return (long) SectorSDescriptor.RESERVED_BLOCKS * 512;
    }

    private static ByteBuffer text(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void aFencedNodesWritesAreRefusedByTheTarget() throws Exception {
        IscsiOwnershipService a = open(A);
        IscsiOwnershipService b = open(B);
        assertInstanceOf(ClaimResult.Acquired.class, a.claim(D0));
        DiskIo aIo = a.open(D0);
        aIo.write(0, text("A's journal"));
        aIo.force();
        assertArrayEquals("A's journal".getBytes(StandardCharsets.US_ASCII), backing(dataOffset(), 11), "the write reached the LUN");

        assertInstanceOf(ClaimResult.Acquired.class, b.preempt(D0, A));

        // Bypass every check of the SDK: A's own I_T nexus writes the data area and sector S directly.
        IscsiSession aNexus = a.disk(D0).session;
        byte[] zombie = new byte[512];
        java.util.Arrays.fill(zombie, (byte) 'Z');
        assertEquals(Scsi.Outcome.RESERVATION_CONFLICT, aNexus.write(SectorSDescriptor.RESERVED_BLOCKS, zombie, 512),
                "tgtd refuses the preempted node's data write");
        assertEquals(Scsi.Outcome.RESERVATION_CONFLICT, aNexus.write(0, zombie, 512), "and its write of sector S");
        assertArrayEquals("A's journal".getBytes(StandardCharsets.US_ASCII), backing(dataOffset(), 11), "nothing A wrote landed");
        SectorS onDisk = SectorS.decode(ByteBuffer.wrap(backing(0, 512)));
        assertEquals(java.util.Optional.of(B), onDisk.owner(), "sector S on the LUN names B: " + onDisk);

        // Through the SDK the same write is FENCED, naming the disk and B.
        UnderstudyException e = assertThrows(UnderstudyException.class, () -> aIo.write(0, text("split brain")));
        assertEquals(ErrorCode.FENCED, e.code());
        assertTrue(e.getMessage().contains("d0") && e.getMessage().contains("FilerB"), e.getMessage());
        aIo.close();
    }

    @Test
    void twoNodeTakeoverAndGivebackEndToEnd() throws Exception {
        IscsiOwnershipService a = open(A);
        IscsiOwnershipService b = open(B);
        List<String> pairs = new ArrayList<>();
        pairs.add(b.state(D0).pair());
        assertInstanceOf(ClaimResult.Acquired.class, a.claim(D0));
        pairs.add(b.state(D0).pair());
        try (DiskIo io = a.open(D0)) {
            io.write(100, text("served by A"));
        }
        assertInstanceOf(ClaimResult.Acquired.class, b.preempt(D0, A)); // takeover
        pairs.add(a.state(D0).pair());
        try (DiskIo io = b.open(D0)) {
            ByteBuffer got = ByteBuffer.allocate(11);
            io.read(100, got);
            assertEquals("served by A", new String(got.array(), StandardCharsets.US_ASCII));
            io.write(100, text("served by B"));
        }
        assertInstanceOf(ReleaseResult.Released.class, b.release(D0)); // giveback
        pairs.add(a.state(D0).pair());
        assertInstanceOf(ClaimResult.Acquired.class, a.claim(D0));
        pairs.add(b.state(D0).pair());
        System.out.println("FencingOnTargetTest: pairs read from the LUN: " + pairs);
        assertEquals(List.of("<U,U>", "<A,A>", "<B,B>", "<U,U>", "<A,A>"), pairs);
        assertArrayEquals("served by B".getBytes(StandardCharsets.US_ASCII), backing(dataOffset() + 100, 11));
    }

    /** A re-claim racing a takeover: whatever both get, no two Acquired share an epoch, and the state has the last. */
    @Test
    void aReclaimRacingATakeoverNeverRepeatsAnEpoch() throws Exception {
        IscsiOwnershipService a = open(A);
        IscsiOwnershipService b = open(B);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 15; round++) {
                IscsiOwnershipService owner = round % 2 == 0 ? a : b;
                IscsiOwnershipService taker = owner == a ? b : a;
                if (owner.isFenced(D0)) {
                    // the previous round's loser: giveback by the winner lifts the fence
                    assertInstanceOf(ReleaseResult.Released.class, taker.release(D0));
                }
                ClaimResult first = owner.claim(D0);
                assertInstanceOf(ClaimResult.Acquired.class, first, "round " + round);
                java.util.concurrent.CyclicBarrier go = new java.util.concurrent.CyclicBarrier(2);
                var reclaim = pool.submit(() -> {
                    go.await();
                    return owner.claim(D0);
                });
                var takeover = pool.submit(() -> {
                    go.await();
                    return taker.preempt(D0, owner.self());
                });
                List<Long> epochs = new ArrayList<>();
                for (ClaimResult r : List.of(reclaim.get(30, java.util.concurrent.TimeUnit.SECONDS),
                        takeover.get(30, java.util.concurrent.TimeUnit.SECONDS))) {
                    if (r instanceof ClaimResult.Acquired got) {
                        epochs.add(got.epoch());
                    }
                }
                String where = "round " + round + ": epochs " + epochs + ", state " + a.state(D0);
                assertTrue(!epochs.isEmpty(), where);
                assertEquals(epochs.size(), epochs.stream().distinct().count(), "two Acquired with one epoch; " + where);
                assertEquals(epochs.stream().mapToLong(Long::longValue).max().getAsLong(), a.state(D0).epoch(), where);
                assertTrue(epochs.stream().allMatch(e -> e > ((ClaimResult.Acquired) first).epoch()), where);
                // Leave the disk with the taker, as after a takeover, for the next round.
                if (!a.state(D0).ownedBy(taker.self())) {
                    assertInstanceOf(ClaimResult.Acquired.class, taker.preempt(D0, owner.self()), where);
                }
                assertInstanceOf(ReleaseResult.Released.class, taker.release(D0), where);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private void dropConnections() {
        Tgtd.Result conns = tgtd.admin(true, "--op", "show", "--mode", "conn", "--tid", Integer.toString(target.tid));
        Matcher m = Pattern.compile("Session: (\\d+)").matcher(conns.output());
        int dropped = 0;
        while (m.find()) {
            tgtd.admin(true, "--op", "delete", "--mode", "conn", "--tid", Integer.toString(target.tid), "--sid", m.group(1), "--cid", "0");
            dropped++;
        }
        assertTrue(dropped > 0, "no connection to drop: " + conns.output());
    }

    @Test
    void theOwnerKeepsItsReservationAcrossAReconnect() throws Exception {
        IscsiOwnershipService a = open(A);
        IscsiOwnershipService b = open(B);
        assertInstanceOf(ClaimResult.Acquired.class, a.claim(D0));
        try (DiskIo io = a.open(D0)) {
            dropConnections();
            io.write(0, text("after reconnect"));
            io.force();
            assertEquals(1, a.disk(D0).session.reconnects());
        }
        assertTrue(b.state(D0).ownedBy(A), b.state(D0).toString());
        assertArrayEquals("after reconnect".getBytes(StandardCharsets.US_ASCII), backing(dataOffset(), 15));
        assertInstanceOf(ClaimResult.Acquired.class, b.preempt(D0, A));
        assertEquals(Scsi.Outcome.RESERVATION_CONFLICT, a.disk(D0).session.write(SectorSDescriptor.RESERVED_BLOCKS, new byte[512], 512),
                "the re-established nexus is fenced by the preempt too");
    }

    @Test
    void aNodePreemptedWhileDisconnectedStaysFencedAfterReconnecting() {
        IscsiOwnershipService a = open(A);
        IscsiOwnershipService b = open(B);
        assertInstanceOf(ClaimResult.Acquired.class, a.claim(D0));
        dropConnections();
        assertInstanceOf(ClaimResult.Acquired.class, b.preempt(D0, A));
        try (DiskIo io = a.open(D0)) {
            UnderstudyException e = assertThrows(UnderstudyException.class, () -> io.write(0, text("zombie")));
            assertEquals(ErrorCode.FENCED, e.code(), e.toString());
        }
        assertTrue(a.isFenced(D0));
        assertEquals(Scsi.Outcome.RESERVATION_CONFLICT, a.disk(D0).session.write(SectorSDescriptor.RESERVED_BLOCKS, new byte[512], 512));
        assertInstanceOf(ClaimResult.Fenced.class, a.claim(D0));
    }
}
