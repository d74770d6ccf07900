package io.understudy.ownership.file;

import static io.understudy.ownership.file.ReservationDescriptor.CHECKSUM_OFFSET;
import static io.understudy.ownership.file.ReservationDescriptor.FENCES_OFFSET;
import static io.understudy.ownership.file.ReservationDescriptor.FENCE_COUNT_OFFSET;
import static io.understudy.ownership.file.ReservationDescriptor.HOLDER_KEY_OFFSET;
import static io.understudy.ownership.file.ReservationDescriptor.IDENTITY_KEY_OFFSET;
import static io.understudy.ownership.file.ReservationDescriptor.IDENTITY_LENGTH;
import static io.understudy.ownership.file.ReservationDescriptor.IDENTITY_NAME_LENGTH_OFFSET;
import static io.understudy.ownership.file.ReservationDescriptor.REGISTRATIONS_OFFSET;
import static io.understudy.ownership.file.ReservationDescriptor.REGISTRATION_COUNT_OFFSET;
import static io.understudy.ownership.file.ReservationDescriptor.SEQUENCE_OFFSET;
import static io.understudy.ownership.file.ReservationDescriptor.SLOT_LENGTH;
import static io.understudy.ownership.file.ReservationDescriptor.TYPE_OFFSET;
import static io.understudy.ownership.file.ReservationDescriptor.TYPE_WRITE_EXCLUSIVE_REGISTRANTS_ONLY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.understudy.api.ownership.NodeId;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The emulated persistent reservation: service actions, the slot layout, corruption, and a seeded fuzz. */
class ReservationStateTest {

    static final NodeId A = new NodeId("FilerA", "A");
    static final NodeId B = new NodeId("FilerB", "B");

    @Test
    void serviceActionsFollowSpc3() {
        ReservationState s = ReservationState.EMPTY.register(A).reserve(A).withEpoch(1);
        assertEquals(Optional.of(A), s.holder());
        assertEquals(List.of(ReservationState.keyOf("FilerA")), s.readKeys());
        assertEquals(new ReservationState.Reservation(ReservationState.keyOf("FilerA"), TYPE_WRITE_EXCLUSIVE_REGISTRANTS_ONLY),
                s.readReservation().orElseThrow());
        assertEquals(2, s.generation(), "REGISTER and RESERVE each bump the PR generation");

        ReservationState withB = s.register(B);
        assertThrows(IllegalStateException.class, () -> withB.reserve(B), "RESERVATION CONFLICT: A holds it");
        assertThrows(IllegalStateException.class, () -> s.reserve(B), "B is not registered");
        assertThrows(IllegalStateException.class, () -> s.preempt(B, A, 2), "an unregistered node cannot PREEMPT");

        ReservationState taken = withB.preempt(B, A, 2).withEpoch(2);
        assertEquals(Optional.of(B), taken.holder());
        assertFalse(taken.isRegistered("FilerA"), "PREEMPT removes the victim's registration");
        assertEquals(2, taken.fenceOf("FilerA", 1).orElseThrow().epoch());
        assertEquals(B, taken.fenceOf("FilerA", 1).orElseThrow().by());
        assertTrue(taken.fenceOf("FilerA", 2).isEmpty(), "an incarnation born at epoch 2 or later is not fenced by it");
        assertTrue(taken.fenceOf("FilerB", 0).isEmpty());

        ReservationState released = taken.release(B);
        assertTrue(released.readReservation().isEmpty(), "RELEASE drops the reservation");
        assertTrue(released.isRegistered("FilerB"), "RELEASE keeps registrations");
        ReservationState cleared = released.clear();
        assertEquals(List.of(), cleared.readKeys());
        assertEquals(List.of(), cleared.fences());
        assertEquals(2, cleared.epoch(), "CLEAR keeps the epoch");
        assertTrue(cleared.generation() > released.generation());
    }

    @Test
    void keysAreDerivedFromNamesAndNeverZero() {
        assertEquals(ReservationState.keyOf("FilerA"), ReservationState.keyOf("FilerA"));
        assertNotEquals(ReservationState.keyOf("FilerA"), ReservationState.keyOf("FilerB"));
        for (int i = 0; i < 1000; i++) {
            assertNotEquals(0, ReservationState.keyOf("n" + i));
        }
    }

    @Test
    void slotsRoundTripAndFollowTheDescriptor() throws Exception {
        ReservationState s = ReservationState.EMPTY.register(B).register(A).reserve(A).preempt(A, B, 3).withEpoch(3).withSequence(5);
        ByteBuffer b = s.encodeSlot();
        assertEquals(1, s.slot(), "sequence 5 lives in slot 1");
        assertEquals(s, ReservationState.decodeSlot(b, 1));
        byte[] magic = new byte[4];
        b.get(0, magic);
        assertEquals("UNPR", new String(magic, StandardCharsets.US_ASCII));
        assertEquals(TYPE_WRITE_EXCLUSIVE_REGISTRANTS_ONLY, b.getShort(TYPE_OFFSET));
        assertEquals(5, b.getLong(SEQUENCE_OFFSET));
        assertEquals(ReservationState.keyOf("FilerA"), b.getLong(HOLDER_KEY_OFFSET));
        assertEquals(1, b.getShort(REGISTRATION_COUNT_OFFSET), "B was preempted, so only A is registered");
        assertEquals(ReservationState.keyOf("FilerA"), b.getLong(REGISTRATIONS_OFFSET + IDENTITY_KEY_OFFSET));
        assertEquals(6, b.get(REGISTRATIONS_OFFSET + IDENTITY_NAME_LENGTH_OFFSET));
        assertEquals(1, b.getShort(FENCE_COUNT_OFFSET));
        assertEquals(ReservationState.keyOf("FilerB"), b.getLong(FENCES_OFFSET + IDENTITY_KEY_OFFSET));
        assertNull(ReservationState.decodeSlot(Records.buffer(SLOT_LENGTH), 0), "an all-zero slot was never written");
    }

    @Test
    void reportsCorruption() {
        assertCorrupt("bad magic", b -> b.putInt(0, 7));
        assertCorrupt("checksum mismatch", b -> b.put(2000, (byte) 9));
        assertCorrupt("does not belong in slot", b -> resum(b.putLong(SEQUENCE_OFFSET, 2)));
        assertCorrupt("is not registered", b -> resum(b.putLong(HOLDER_KEY_OFFSET, 12345)));
        assertCorrupt("at most", b -> resum(b.putShort(REGISTRATION_COUNT_OFFSET, (short) 17)));
        assertCorrupt("registered twice", b -> {
            b.put(REGISTRATIONS_OFFSET + IDENTITY_LENGTH, b.slice(REGISTRATIONS_OFFSET, IDENTITY_LENGTH), 0, IDENTITY_LENGTH);
            resum(b.putShort(REGISTRATION_COUNT_OFFSET, (short) 2));
        });
        assertCorrupt("not its own", b -> resum(b.putLong(REGISTRATIONS_OFFSET + IDENTITY_KEY_OFFSET, 99)));
        assertCorrupt("reservation type 3", b -> resum(b.putShort(TYPE_OFFSET, (short) 3)));
    }

    private static void resum(ByteBuffer b) {
        b.putInt(CHECKSUM_OFFSET, Records.crc32c(b, 0, CHECKSUM_OFFSET));
    }

    private static void assertCorrupt(String reason, Consumer<ByteBuffer> damage) {
        ByteBuffer b = ReservationState.EMPTY.register(A).reserve(A).withEpoch(1).withSequence(1).encodeSlot();
        damage.accept(b);
        Records.Corrupt e = assertThrows(Records.Corrupt.class, () -> ReservationState.decodeSlot(b, 1), reason);
        assertTrue(e.getMessage().contains(reason), "expected '" + reason + "' in: " + e.getMessage());
    }

    /** Random slots decode to a state, to "never written", or to Corrupt; nothing else. The seed is printed. */
    @Test
    void fuzzedSlotsDecodeCleanlyOrAsCorrupt() {
        long seed = Long.getLong("understudy.fuzz.seed", System.nanoTime());
        System.out.println("ReservationStateTest fuzz seed " + seed + " (-Dunderstudy.fuzz.seed=" + seed + " to repeat)");
        SplittableRandom r = new SplittableRandom(seed);
        ByteBuffer valid = ReservationState.EMPTY.register(B).register(A).reserve(A).preempt(A, B, 4).withEpoch(4).withSequence(3).encodeSlot();
        ByteBuffer b = Records.buffer(SLOT_LENGTH); // reused: every input overwrites all of it
        for (int i = 0; i < 3_000; i++) {
            if (i % 2 == 0) {
                r.nextBytes(b.array());
            } else {
                b.put(0, valid, 0, SLOT_LENGTH);
                for (int n = 1 + r.nextInt(3); n > 0; n--) {
                    b.put(r.nextInt(CHECKSUM_OFFSET), (byte) r.nextInt(256));
                }
                if (r.nextBoolean()) {
                    resum(b);
                }
            }
            try {
                ReservationState s = ReservationState.decodeSlot(b, 1);
                if (s != null) {
                    assertEquals(s, ReservationState.decodeSlot(s.encodeSlot(), 1), "seed " + seed + " input " + i);
                }
            } catch (Records.Corrupt expected) {
                assertFalse(expected.getMessage().isBlank());
            } catch (RuntimeException | Error e) {
                fail("seed " + seed + " input " + i + " made the decoder throw " + e, e);
            }
        }
    }
}
