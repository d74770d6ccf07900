package io.understudy.ownership.iscsi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.ownership.NodeId;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The decoders of what a target returns (PR IN data, READ CAPACITY data, status and sense) and of sector S:
 * known answers, then random and mutated inputs, which must decode or be rejected as malformed, never throw
 * anything else. Seeds are printed; rerun one with {@code -Dfuzz.seed=N}.
 */
class DecoderFuzzTest {

    private static final long SEED = Long.getLong("fuzz.seed", System.nanoTime());

    @Test
    void readKeysKnownAnswer() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(8 + 16);
        b.putInt(0, 7).putInt(4, 16).putLong(8, 0x1122334455667788L).putLong(16, -2L);
        Scsi.Keys k = Scsi.decodeKeys(b);
        assertEquals(7, k.generation());
        assertEquals(List.of(0x1122334455667788L, -2L), k.keys());
        assertThrows(Scsi.Malformed.class, () -> Scsi.decodeKeys(ByteBuffer.allocate(8).putInt(4, 12)));
        assertThrows(Scsi.Malformed.class, () -> Scsi.decodeKeys(ByteBuffer.allocate(8).putInt(4, 8)), "announces more than came");
        assertThrows(Scsi.Malformed.class, () -> Scsi.decodeKeys(ByteBuffer.allocate(7)));
    }

    @Test
    void readReservationKnownAnswer() throws Exception {
        assertEquals(new Scsi.Reservation(3, OptionalLong.empty(), 0), Scsi.decodeReservation(ByteBuffer.allocate(8).putInt(0, 3)));
        ByteBuffer b = ByteBuffer.allocate(24).putInt(0, 9).putInt(4, 16).putLong(8, 42L).put(21, (byte) 0x05);
        assertEquals(new Scsi.Reservation(9, OptionalLong.of(42L), Scsi.PR_TYPE_WRITE_EXCLUSIVE_REGISTRANTS_ONLY), Scsi.decodeReservation(b));
        assertThrows(Scsi.Malformed.class, () -> Scsi.decodeReservation(ByteBuffer.allocate(24).putInt(4, 8)));
        assertThrows(Scsi.Malformed.class, () -> Scsi.decodeReservation(ByteBuffer.allocate(24).putInt(4, 16).put(21, (byte) 0x15)));
        assertThrows(Scsi.Malformed.class, () -> Scsi.decodeReservation(ByteBuffer.allocate(16).putInt(4, 16)));
    }

    @Test
    void capacityKnownAnswer() throws Exception {
        assertEquals(new Scsi.Capacity(2048, 512), Scsi.decodeCapacity(ByteBuffer.allocate(32).putLong(0, 2047).putInt(8, 512)));
        assertThrows(Scsi.Malformed.class, () -> Scsi.decodeCapacity(ByteBuffer.allocate(32).putLong(0, 2047).putInt(8, 513)));
        assertThrows(Scsi.Malformed.class, () -> Scsi.decodeCapacity(ByteBuffer.allocate(11)));
    }

    @Test
    void statusAndSenseAreClassifiedAndDescribed() {
        assertEquals(Scsi.Outcome.GOOD, Scsi.classify(0, 0));
        assertEquals(Scsi.Outcome.RESERVATION_CONFLICT, Scsi.classify(0x18, 0));
        assertEquals(Scsi.Outcome.UNIT_ATTENTION, Scsi.classify(2, 6));
        assertEquals(Scsi.Outcome.FAILED, Scsi.classify(2, 5));
        assertEquals(Scsi.Outcome.SESSION_LOST, Scsi.classify(Scsi.STATUS_ERROR, 0));
        assertEquals(Scsi.Outcome.TRANSIENT, Scsi.classify(Scsi.STATUS_BUSY, 0));
        String d = Scsi.describe(2, 6, 0x2a04);
        assertTrue(d.contains("UNIT ATTENTION") && d.contains("0x2a04") && d.contains("reservations released"), d);
        assertEquals("RESERVATION CONFLICT", Scsi.describe(0x18, 0, 0));
    }

    @Test
    void sectorSRoundTripsAndRejectsDamage() throws Exception {
        SectorS s = new SectorS(Optional.of(new NodeId("FilerA", "A")), 7, 1234, 0xABCDEF0012345678L, 3,
                Optional.of(new NodeId("FilerB", "B")), 7);
        ByteBuffer b = s.encode();
        assertEquals(s, SectorS.decode(b));
        assertEquals(SectorS.BLANK, SectorS.decode(ByteBuffer.allocate(512)));
        assertEquals(SectorSDescriptor.MAGIC, b.order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(0), "same magic as the file provider");
        for (int i = 0; i < 512; i++) {
            ByteBuffer m = s.encode();
            m.put(i, (byte) (m.get(i) ^ 0x01));
            int at = i;
            assertThrows(SectorS.Corrupt.class, () -> SectorS.decode(m), "a flipped bit at " + at + " must be caught");
        }
        ByteBuffer e = SectorS.encodeEntry(new NodeId("FilerC", "C"), 99);
        assertEquals(Optional.of(new SectorS.Entry(new NodeId("FilerC", "C"), 99)), SectorS.decodeEntry(e));
    }

    @Test
    void randomAndMutatedInputsDecodeOrAreMalformed() {
        System.out.println("DecoderFuzzTest seed " + SEED + " (rerun with -Dfuzz.seed=" + SEED + ")");
        Random r = new Random(SEED);
        int decoded = 0;
        int rejected = 0;
        for (int i = 0; i < 20000; i++) {
            byte[] raw = new byte[r.nextInt(40)];
            r.nextBytes(raw);
            if (raw.length >= 8 && r.nextBoolean()) {
                // plausible headers reach the deeper checks
                ByteBuffer.wrap(raw).putInt(4, r.nextBoolean() ? 16 : 8 * r.nextInt(4));
            }
            for (int which = 0; which < 3; which++) {
                try {
                    Object o = switch (which) {
                        case 0 -> Scsi.decodeKeys(ByteBuffer.wrap(raw));
                        case 1 -> Scsi.decodeReservation(ByteBuffer.wrap(raw));
                        default -> Scsi.decodeCapacity(ByteBuffer.wrap(raw));
                    };
                    assertNotNull(o);
                    decoded++;
                } catch (Scsi.Malformed m) {
                    assertFalse(m.getMessage().isBlank());
                    rejected++;
                } catch (RuntimeException bug) {
                    throw new AssertionError("seed " + SEED + ", input " + java.util.HexFormat.of().formatHex(raw) + ": " + bug, bug);
                }
            }
            int status = r.nextInt(4) == 0 ? r.nextInt() : r.nextInt(0x30);
            assertNotNull(Scsi.classify(status, r.nextInt(16)));
            assertFalse(Scsi.describe(status, r.nextInt(16), r.nextInt()).isBlank());
        }
        SectorS base = new SectorS(Optional.of(new NodeId("FilerA", "A")), 5, 1, 77, 1, Optional.empty(), 0);
        for (int i = 0; i < 5000; i++) {
            ByteBuffer m = base.encode();
            for (int k = 1 + r.nextInt(4); k > 0; k--) {
                m.put(r.nextInt(512), (byte) r.nextInt());
            }
            try {
                SectorS.decode(m);
                SectorS.decodeEntry(m);
            } catch (SectorS.Corrupt c) {
                rejected++;
            } catch (RuntimeException bug) {
                throw new AssertionError("seed " + SEED + ": sector S decoder threw " + bug, bug);
            }
        }
        assertTrue(decoded > 0 && rejected > 0, "the fuzzer must reach both outcomes: " + decoded + " decoded, " + rejected + " rejected");
    }
}
