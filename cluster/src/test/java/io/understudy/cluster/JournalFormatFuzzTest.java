package io.understudy.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Coverage-guided fuzzing of the volume journal's on-disk decoders ({@link JournalFormat#scanHalf}, which runs
 * {@link JournalFormat#decodeRecord} record after record, and {@link JournalFormat#decodeCheckpoint}). The journal
 * is read back after a crash, so any bytes must give entries, a clean end or a described damage, never an
 * exception; every decoded record re-encodes to one that decodes equal.
 *
 * <p>Input layout: byte 0 is a control byte; bit 0 set means "make the checksums right" before decoding (the
 * fuzzer cannot forge a CRC-32C, so without this it would never get past the checksum check). The rest is the
 * log half (or the checkpoint slot). See docs/FUZZING.md.
 */
class JournalFormatFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void scanHalf(byte[] input) {
        if (input.length == 0) {
            return;
        }
        byte[] half = Arrays.copyOfRange(input, 1, input.length);
        if ((input[0] & 1) != 0) {
            fixRecordChecksums(half);
        }
        JournalFormat.HalfScan scan = JournalFormat.scanHalf(ByteBuffer.wrap(half), 0, 4096);
        assertTrue(scan.end() >= 0 && scan.end() <= half.length, "scan end " + scan.end() + " outside the half");
        if (scan.damage() != null) {
            assertNotNull(scan.damage().reason());
            assertEquals(4096L + scan.end(), scan.damage().position());
        }
        for (JournalFormat.Entry e : scan.entries()) {
            ByteBuffer out = ByteBuffer.allocate(JournalFormat.recordLength(e.request().length, e.reply().length));
            JournalFormat.encodeRecord(out, e.lsn(), e.sessionId(), e.sequence(), e.status(), ByteBuffer.wrap(e.request()), e.reply());
            JournalFormat.Decoded d = JournalFormat.decodeRecord(out.flip());
            JournalFormat.Entry back = assertInstanceOf(JournalFormat.Decoded.Ok.class, d).entry();
            assertEquals(e.lsn(), back.lsn());
            assertEquals(e.sessionId(), back.sessionId());
            assertEquals(e.sequence(), back.sequence());
            assertEquals(e.status(), back.status());
            assertArrayEquals(e.request(), back.request());
            assertArrayEquals(e.reply(), back.reply());
        }
    }

    @FuzzTest(maxDuration = "10s")
    void decodeCheckpoint(byte[] input) {
        if (input.length == 0) {
            return;
        }
        byte[] slot = Arrays.copyOfRange(input, 1, input.length);
        if ((input[0] & 1) != 0 && slot.length >= 8) {
            int len = ByteBuffer.wrap(slot).getInt(4);
            fixChecksum(slot, 0, len);
        }
        Object o = JournalFormat.decodeCheckpoint(ByteBuffer.wrap(slot));
        if (o == null || o instanceof String) {
            return;
        }
        JournalFormat.Checkpoint c = assertInstanceOf(JournalFormat.Checkpoint.class, o);
        ByteBuffer again = JournalFormat.encodeCheckpoint(c.generation(), c.lsn(), c.snapshot(), c.replyCache());
        JournalFormat.Checkpoint back = assertInstanceOf(JournalFormat.Checkpoint.class, JournalFormat.decodeCheckpoint(again));
        assertEquals(c, back, "decode(encode(checkpoint)) must equal the checkpoint");
    }

    /** Walks the records by their length fields and writes the right CRC-32C at the end of each. */
    private static void fixRecordChecksums(byte[] half) {
        ByteBuffer b = ByteBuffer.wrap(half);
        int off = 0;
        while (off + 8 <= half.length) {
            int len = b.getInt(off + 4);
            if (!fixChecksum(half, off, len)) {
                return;
            }
            off += len;
        }
    }

    private static boolean fixChecksum(byte[] bytes, int off, int len) {
        if (len < JournalFormat.CRC_LENGTH || len > bytes.length - off) {
            return false;
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, off, len - JournalFormat.CRC_LENGTH);
        ByteBuffer.wrap(bytes).putInt(off + len - JournalFormat.CRC_LENGTH, (int) crc.getValue());
        return true;
    }
}
