package io.understudy.ownership.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Coverage-guided fuzzing of the file provider's on-disk decoders: sector S ({@link SectorS#decode}) and the
 * persistent-reservation slots ({@link ReservationState#decodeSlot}). Any bytes either decode to a record that
 * round-trips ({@code decode(encode(r)) == r}) or are rejected with {@link Records.Corrupt} and a message;
 * anything else is a finding.
 *
 * <p>Input layout: byte 0 is a control byte (bit 0: write the right CRC-32C before decoding, since a fuzzer
 * cannot forge one; bit 1: which reservation slot); the rest is the record. See docs/FUZZING.md.
 */
class SectorSFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void sectorS(byte[] input) {
        if (input.length == 0) {
            return;
        }
        ByteBuffer b = record(input, SectorSDescriptor.LENGTH, SectorSDescriptor.CHECKSUM_OFFSET);
        SectorS s;
        try {
            s = SectorS.decode(b);
        } catch (Records.Corrupt e) {
            assertFalse(e.getMessage().isBlank());
            return;
        }
        try {
            assertEquals(s, SectorS.decode(s.encode()), "decode(encode(s)) must equal s");
        } catch (Records.Corrupt e) {
            throw new AssertionError("a decoded sector S re-encodes to one that does not decode: " + e.getMessage(), e);
        }
    }

    @FuzzTest(maxDuration = "10s")
    void reservationSlot(byte[] input) {
        if (input.length == 0) {
            return;
        }
        int slot = (input[0] >> 1) & 1;
        ByteBuffer b = record(input, ReservationDescriptor.SLOT_LENGTH, ReservationDescriptor.CHECKSUM_OFFSET);
        if (b.limit() < ReservationDescriptor.SLOT_LENGTH) {
            // the provider always reads whole slots (a short file is reported before decoding)
            b = ByteBuffer.allocate(ReservationDescriptor.SLOT_LENGTH).order(ByteOrder.LITTLE_ENDIAN).put(b).clear();
        }
        ReservationState r;
        try {
            r = ReservationState.decodeSlot(b, slot);
        } catch (Records.Corrupt e) {
            assertFalse(e.getMessage().isBlank());
            return;
        }
        if (r != null) {
            assertEquals(slot, r.slot());
            try {
                assertEquals(r, ReservationState.decodeSlot(r.encodeSlot(), slot), "decode(encode(r)) must equal r");
            } catch (Records.Corrupt e) {
                throw new AssertionError("a decoded slot re-encodes to one that does not decode: " + e.getMessage(), e);
            }
        }
    }

    /** The record bytes after the control byte, little-endian, with the checksum fixed if asked and it fits. */
    static ByteBuffer record(byte[] input, int length, int checksumOffset) {
        ByteBuffer b = ByteBuffer.allocate(input.length - 1).order(ByteOrder.LITTLE_ENDIAN);
        b.put(input, 1, input.length - 1).clear();
        if ((input[0] & 1) != 0 && b.limit() >= length) {
            b.putInt(checksumOffset, Records.crc32c(b, 0, checksumOffset));
        }
        return b;
    }
}
