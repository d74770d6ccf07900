package io.understudy.ownership.iscsi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * Coverage-guided fuzzing of the iSCSI provider's decoders: its own sector S and key-directory entries (the iSCSI
 * provider parses sector S separately from the file provider), and the SCSI parameter data a target returns
 * (READ KEYS, READ RESERVATION, READ CAPACITY). Any bytes either decode (sector S and directory entries then
 * round-trip) or are rejected with {@link SectorS.Corrupt} / {@link Scsi.Malformed} and a message.
 *
 * <p>Input layout: byte 0 is a control byte (bit 0: write the right CRC-32C before decoding, since a fuzzer
 * cannot forge one; bits 1-2: which SCSI decoder); the rest is the record. See docs/FUZZING.md.
 */
class IscsiDecodersFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void sectorS(byte[] input) {
        if (input.length == 0) {
            return;
        }
        ByteBuffer b = record(input);
        SectorS s;
        try {
            s = SectorS.decode(b);
        } catch (SectorS.Corrupt e) {
            assertFalse(e.getMessage().isBlank());
            return;
        }
        try {
            assertEquals(s, SectorS.decode(s.encode()), "decode(encode(s)) must equal s");
        } catch (SectorS.Corrupt e) {
            throw new AssertionError("a decoded sector S re-encodes to one that does not decode: " + e.getMessage(), e);
        }
    }

    @FuzzTest(maxDuration = "10s")
    void directoryEntry(byte[] input) {
        if (input.length == 0) {
            return;
        }
        ByteBuffer b = record(input);
        Optional<SectorS.Entry> e;
        try {
            e = SectorS.decodeEntry(b);
        } catch (SectorS.Corrupt c) {
            assertFalse(c.getMessage().isBlank());
            return;
        }
        if (e.isPresent()) {
            try {
                assertEquals(e, SectorS.decodeEntry(SectorS.encodeEntry(e.get().node(), e.get().key())));
            } catch (SectorS.Corrupt c) {
                throw new AssertionError("a decoded entry re-encodes to one that does not decode: " + c.getMessage(), c);
            }
        }
    }

    @FuzzTest(maxDuration = "10s")
    void scsiData(byte[] input) {
        if (input.length == 0) {
            return;
        }
        ByteBuffer b = ByteBuffer.wrap(input, 1, input.length - 1);
        try {
            Object o = switch ((input[0] >> 1) & 3) {
                case 0 -> Scsi.decodeKeys(b);
                case 1 -> Scsi.decodeReservation(b);
                default -> {
                    Scsi.Capacity c = Scsi.decodeCapacity(b);
                    assertTrue(c.blocks() > 0 && c.blockSize() > 0, c::toString);
                    yield c;
                }
            };
            assertFalse(o.toString().isBlank());
        } catch (Scsi.Malformed m) {
            assertFalse(m.getMessage().isBlank());
        }
    }

    /** The record after the control byte, little-endian, with the checksum fixed if asked and it fits. */
    private static ByteBuffer record(byte[] input) {
        ByteBuffer b = ByteBuffer.allocate(input.length - 1).order(ByteOrder.LITTLE_ENDIAN);
        b.put(input, 1, input.length - 1).clear();
        if ((input[0] & 1) != 0 && b.limit() >= SectorSDescriptor.LENGTH) {
            CRC32C crc = new CRC32C();
            crc.update(b.duplicate().position(0).limit(SectorSDescriptor.CHECKSUM_OFFSET));
            b.putInt(SectorSDescriptor.CHECKSUM_OFFSET, (int) crc.getValue());
        }
        return b;
    }
}
