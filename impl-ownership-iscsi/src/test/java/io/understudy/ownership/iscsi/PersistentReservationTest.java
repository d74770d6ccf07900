package io.understudy.ownership.iscsi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The binding's SCSI commands against a real tgtd LUN, one I_T nexus per session: READ/WRITE, READ
 * CAPACITY, the PERSISTENT RESERVE IN and OUT service actions, Write Exclusive - Registrants Only as the
 * target enforces it, UNIT ATTENTION retries and a reconnect after the target drops the connection.
 */
class PersistentReservationTest {

    private static final int WERO = Scsi.PR_TYPE_WRITE_EXCLUSIVE_REGISTRANTS_ONLY;
    private static final long K1 = 0x1111_0000_0000_0001L;
    private static final long K2 = 0x2222_0000_0000_0002L;

    @TempDir
    Path dir;
    private Tgtd tgtd;
    private Tgtd.Target target;
    private final List<IscsiSession> sessions = new ArrayList<>();

    @BeforeEach
    void target() {
        tgtd = Tgtd.get();
        target = tgtd.newTarget(dir, 1, 1 << 20);
    }

    @AfterEach
    void cleanUp() {
        sessions.forEach(IscsiSession::close);
        target.close();
    }

    private IscsiSession session(String name) {
        IscsiSession s = new IscsiSession(LibIscsi.get(), IscsiTarget.parse(target.url(1), 5), "iqn.2026-01.io.understudy.test:" + name);
        sessions.add(s);
        return s;
    }

    private static byte[] block(int fill) {
        byte[] b = new byte[512];
        java.util.Arrays.fill(b, (byte) fill);
        return b;
    }

    @Test
    void readWriteAndCapacity() {
        IscsiSession s = session("rw");
        assertEquals(new Scsi.Capacity(2048, 512), s.capacity());
        assertEquals(Scsi.Outcome.GOOD, s.write(5, block(0x5A), 512));
        assertArrayEquals(block(0x5A), s.read(5, 1, 512));
        s.synchronizeCache();
        UnderstudyException e = assertThrows(UnderstudyException.class, () -> s.read(4096, 1, 512));
        assertEquals(ErrorCode.DISK_IO, e.code());
        assertTrue(e.getMessage().contains(target.url(1)) && e.getMessage().contains("ILLEGAL REQUEST"),
                "a failure names the target, the LUN and the sense: " + e.getMessage());
    }

    @Test
    void registerReservePreemptReleaseClear() {
        IscsiSession a = session("a");
        IscsiSession b = session("b");
        IscsiSession outsider = session("outsider");
        assertEquals(List.of(), a.readKeys().keys());
        assertEquals(OptionalLong.empty(), a.readReservation().holder());

        assertTrue(a.reserveOut(Scsi.PR_OUT_REGISTER, 0, 0, K1));
        assertTrue(b.reserveOut(Scsi.PR_OUT_REGISTER, 0, 0, K2));
        assertEquals(List.of(K1, K2), a.readKeys().keys().stream().sorted().toList());
        assertFalse(b.reserveOut(Scsi.PR_OUT_REGISTER, 0, 0x77, K2), "REGISTER with a wrong current key conflicts");

        assertTrue(a.reserveOut(Scsi.PR_OUT_RESERVE, WERO, K1, 0));
        Scsi.Reservation r = b.readReservation();
        assertEquals(OptionalLong.of(K1), r.holder());
        assertEquals(WERO, r.type());
        assertFalse(b.reserveOut(Scsi.PR_OUT_RESERVE, WERO, K2, 0), "a second RESERVE conflicts");

        // Write Exclusive - Registrants Only, enforced by the target.
        assertEquals(Scsi.Outcome.GOOD, a.write(1, block(1), 512), "the holder writes");
        assertEquals(Scsi.Outcome.GOOD, b.write(1, block(2), 512), "a registrant writes (registrants only)");
        assertEquals(Scsi.Outcome.RESERVATION_CONFLICT, outsider.write(1, block(3), 512), "an unregistered nexus may not write");
        assertArrayEquals(block(2), outsider.read(1, 1, 512), "but it may read");

        // PREEMPT: B takes the reservation and removes A's registration; A is fenced at the target.
        assertTrue(b.reserveOut(Scsi.PR_OUT_PREEMPT, WERO, K2, K1));
        assertEquals(OptionalLong.of(K2), a.readReservation().holder());
        assertEquals(List.of(K2), a.readKeys().keys());
        assertEquals(Scsi.Outcome.RESERVATION_CONFLICT, a.write(1, block(4), 512), "the preempted nexus is fenced");
        assertFalse(a.reserveOut(Scsi.PR_OUT_RESERVE, WERO, K1, 0), "and cannot reserve");
        assertArrayEquals(block(2), a.read(1, 1, 512));

        // PREEMPT AND ABORT of a re-registered A: tgt 1.0.85 rejects the service action (ILLEGAL REQUEST,
        // invalid field in CDB); where a target supports it, it must fence A like PREEMPT.
        assertTrue(a.reserveOut(Scsi.PR_OUT_REGISTER, 0, 0, K1));
        try {
            assertTrue(b.reserveOut(Scsi.PR_OUT_PREEMPT_AND_ABORT, WERO, K2, K1));
            assertEquals(List.of(K2), b.readKeys().keys());
            assertEquals(Scsi.Outcome.RESERVATION_CONFLICT, a.write(1, block(5), 512));
        } catch (UnderstudyException unsupported) {
            assertTrue(unsupported.getMessage().contains("PREEMPT AND ABORT") && unsupported.getMessage().contains("ILLEGAL REQUEST"),
                    unsupported.getMessage());
            System.out.println("PersistentReservationTest: this target does not support PREEMPT AND ABORT: " + unsupported.getMessage());
            assertTrue(b.reserveOut(Scsi.PR_OUT_PREEMPT, WERO, K2, K1));
        }
        assertEquals(List.of(K2), b.readKeys().keys());

        // RELEASE leaves registrations; CLEAR removes them all.
        assertTrue(a.reserveOut(Scsi.PR_OUT_REGISTER, 0, 0, K1));
        assertTrue(b.reserveOut(Scsi.PR_OUT_RELEASE, WERO, K2, 0));
        assertEquals(OptionalLong.empty(), a.readReservation().holder());
        assertEquals(2, a.readKeys().keys().size());
        assertEquals(Scsi.Outcome.GOOD, outsider.write(1, block(6), 512), "without a reservation anyone writes");
        int generation = a.readKeys().generation();
        assertTrue(b.reserveOut(Scsi.PR_OUT_CLEAR, 0, K2, 0));
        Scsi.Keys after = a.readKeys();
        assertEquals(List.of(), after.keys());
        assertTrue(after.generation() != generation, "CLEAR bumps the PR generation");
        System.out.println("PersistentReservationTest: UNIT ATTENTIONs retried: a " + a.unitAttentions() + ", b " + b.unitAttentions()
                + ", outsider " + outsider.unitAttentions());
        assertTrue(a.unitAttentions() + b.unitAttentions() + outsider.unitAttentions() > 0,
                "preempt, release and clear raise UNIT ATTENTIONs that the session retried");
    }

    /** Drops every connection of the target, as a network failure would. */
    private void dropConnections() {
        Tgtd.Result conns = tgtd.admin(true, "--op", "show", "--mode", "conn", "--tid", Integer.toString(target.tid));
        Matcher m = Pattern.compile("Session: (\\d+)").matcher(conns.output());
        assertTrue(m.find(), "tgtadm shows the session: " + conns.output());
        do {
            tgtd.admin(true, "--op", "delete", "--mode", "conn", "--tid", Integer.toString(target.tid), "--sid", m.group(1), "--cid", "0");
        } while (m.find());
    }

    @Test
    void aDroppedConnectionIsReestablishedAsANewUnregisteredNexus() {
        IscsiSession a = session("reconnect");
        IscsiSession b = session("other");
        assertTrue(a.reserveOut(Scsi.PR_OUT_REGISTER, 0, 0, K1));
        assertTrue(a.reserveOut(Scsi.PR_OUT_RESERVE, WERO, K1, 0));
        List<Integer> hookRuns = new ArrayList<>();
        a.onReconnect(s -> hookRuns.add(s.reconnects()));
        dropConnections();
        assertEquals(List.of(K1), a.readKeys().keys(), "the command after the drop succeeds after a reconnect");
        assertEquals(List.of(1), hookRuns, "the reconnect hook ran once, before the command was retried");
        assertEquals(1, a.reconnects());
        // tgtd treats the new connection as a new I_T nexus: the old one's registration is listed, but this
        // one is not registered, so the target refuses its writes. The ownership service's hook restores it.
        assertEquals(Scsi.Outcome.RESERVATION_CONFLICT, a.write(2, block(9), 512));
        assertEquals(OptionalLong.of(K1), b.readReservation().holder());
    }
}
