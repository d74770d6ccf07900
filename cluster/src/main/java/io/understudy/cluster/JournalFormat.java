package io.understudy.cluster;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.api.ownership.DiskIo;
import io.understudy.session.Status;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The journal's on-disk format, at the start of a volume's data area (big-endian):
 *
 * <pre>
 * [checkpoint slot 0][checkpoint slot 1][log half 0][log half 1]
 *
 * checkpoint:  0 u32 magic "UCKP"   4 u32 total length   8 u64 generation   16 u64 lsn covered
 *             24 u32 snapshot length   28 u32 reply-cache length   32 snapshot, reply cache   u32 CRC32C
 * record:      0 u32 magic "UJRN"   4 u32 total length   8 u64 lsn   16 u64 session   24 u64 sequence
 *             32 u8 status   33 3 bytes zero   36 u32 request length   40 u32 reply length
 *             44 request, reply   u32 CRC32C
 * </pre>
 *
 * The CRC32C covers every byte before it. A checkpoint slot is valid when its magic, length and CRC are;
 * the valid one with the higher generation wins. A log half holds records with consecutive lsns from its
 * offset 0; the scan of a half ends cleanly at zeros or at a valid record whose lsn does not follow (left
 * from the half's previous use: lsns only grow), and ends with a {@link Damage} at a record whose magic,
 * length or CRC is wrong (a torn write or corruption). Nothing at or after damage is used.
 */
final class JournalFormat {

    static final int CHECKPOINT_MAGIC = 0x55434b50; // "UCKP"
    static final int RECORD_MAGIC = 0x554a524e; // "UJRN"
    static final int CHECKPOINT_HEADER = 32;
    static final int RECORD_HEADER = 44;
    static final int CRC_LENGTH = 4;

    private JournalFormat() {
    }

    /**
     * Where things are in the data area.
     *
     * @param checkpointSlotBytes the size of each checkpoint slot
     * @param halfBytes           the size of each log half
     */
    record Layout(int checkpointSlotBytes, int halfBytes) {
        Layout {
            if (checkpointSlotBytes < CHECKPOINT_HEADER + 4 + CRC_LENGTH || halfBytes < RECORD_HEADER + CRC_LENGTH + 64) {
                throw new IllegalArgumentException("journal layout too small: checkpoint slot " + checkpointSlotBytes
                        + " B, log half " + halfBytes + " B");
            }
        }

        long checkpointSlot(int slot) {
            return (long) slot * checkpointSlotBytes;
        }

        long half(int half) {
            return 2L * checkpointSlotBytes + (long) half * halfBytes;
        }

        /** {@return the bytes the journal takes at the start of the data area} */
        long totalBytes() {
            return 2L * checkpointSlotBytes + 2L * halfBytes;
        }
    }

    /**
     * A torn or corrupt piece of the journal: never applied.
     *
     * @param where    "log half 0", "checkpoint slot 1"
     * @param position the offset in the volume's data area
     * @param reason   what was wrong
     */
    record Damage(String where, long position, String reason) {
        @Override
        public String toString() {
            return where + " at data offset " + position + ": " + reason;
        }
    }

    /** One journaled request and its reply. */
    record Entry(long lsn, long sessionId, long sequence, Status status, byte[] request, byte[] reply) {
    }

    /** A decoded checkpoint. */
    record Checkpoint(long generation, long lsn, ByteBuffer snapshot, ByteBuffer replyCache) {
    }

    static int recordLength(int requestLength, int replyLength) {
        return RECORD_HEADER + requestLength + replyLength + CRC_LENGTH;
    }

    static void encodeRecord(ByteBuffer out, long lsn, long session, long sequence, Status status, ByteBuffer request,
                             byte[] reply) {
        int start = out.position();
        int len = recordLength(request.remaining(), reply.length);
        out.putInt(RECORD_MAGIC).putInt(len).putLong(lsn).putLong(session).putLong(sequence)
                .put((byte) status.code()).put((byte) 0).put((byte) 0).put((byte) 0)
                .putInt(request.remaining()).putInt(reply.length).put(request.duplicate()).put(reply);
        CRC32C crc = new CRC32C();
        crc.update(out.duplicate().position(start).limit(out.position()));
        out.putInt((int) crc.getValue());
    }

    /** The outcome of decoding one record: an entry, a clean end, or damage. */
    sealed interface Decoded {
        record Ok(Entry entry, int length) implements Decoded {
        }

        record End() implements Decoded {
        }

        record Bad(String reason) implements Decoded {
        }
    }

    /**
     * Decodes the record at the start of {@code b} (which ends where the half ends).
     *
     * @param b the bytes
     * @return the record, a clean end (zeros), or the reason it is bad
     */
    static Decoded decodeRecord(ByteBuffer b) {
        if (b.remaining() < 8) {
            return new Decoded.End();
        }
        int magic = b.getInt(b.position());
        int len = b.getInt(b.position() + 4);
        if (magic == 0 && len == 0) {
            return new Decoded.End();
        }
        if (magic != RECORD_MAGIC) {
            return new Decoded.Bad(String.format("bad record magic 0x%08x", magic));
        }
        if (len < RECORD_HEADER + CRC_LENGTH || len > b.remaining()) {
            return new Decoded.Bad("record length " + len + " with " + b.remaining() + " bytes left in the half");
        }
        int p = b.position();
        int reqLen = b.getInt(p + 36);
        int repLen = b.getInt(p + 40);
        if (reqLen < 0 || repLen < 0 || (long) RECORD_HEADER + reqLen + repLen + CRC_LENGTH != len) {
            return new Decoded.Bad("request length " + reqLen + " and reply length " + repLen + " do not add up to " + len);
        }
        CRC32C crc = new CRC32C();
        crc.update(b.duplicate().limit(p + len - CRC_LENGTH));
        int stored = b.getInt(p + len - CRC_LENGTH);
        if ((int) crc.getValue() != stored) {
            return new Decoded.Bad(String.format("checksum mismatch: stored 0x%08x, computed 0x%08x (torn or corrupt)",
                    stored, (int) crc.getValue()));
        }
        Status st = Status.ofCode(b.get(p + 32) & 0xff);
        if (st == null || (st != Status.OK && st != Status.APPLICATION_ERROR)) {
            return new Decoded.Bad("record status " + (b.get(p + 32) & 0xff) + " is not OK or APPLICATION_ERROR");
        }
        byte[] req = new byte[reqLen];
        byte[] rep = new byte[repLen];
        b.get(p + RECORD_HEADER, req);
        b.get(p + RECORD_HEADER + reqLen, rep);
        return new Decoded.Ok(new Entry(b.getLong(p + 8), b.getLong(p + 16), b.getLong(p + 24), st, req, rep), len);
    }

    /**
     * The records of one log half.
     *
     * @param entries the valid records, consecutive lsns, in order
     * @param end     the offset in the half after the last valid record
     * @param damage  the damage that ended the scan, or null for a clean end
     */
    record HalfScan(List<Entry> entries, int end, Damage damage) {
    }

    static HalfScan scanHalf(ByteBuffer half, int halfIndex, long halfPosition) {
        List<Entry> out = new ArrayList<>();
        ByteBuffer b = half.duplicate();
        int off = 0;
        while (true) {
            b.position(off);
            Decoded d = decodeRecord(b);
            switch (d) {
                case Decoded.End e -> {
                    return new HalfScan(out, off, null);
                }
                case Decoded.Bad bad -> {
                    return new HalfScan(out, off, new Damage("log half " + halfIndex, halfPosition + off, bad.reason()));
                }
                case Decoded.Ok ok -> {
                    if (!out.isEmpty() && ok.entry().lsn() != out.get(out.size() - 1).lsn() + 1) {
                        return new HalfScan(out, off, null); // left from this half's previous use
                    }
                    out.add(ok.entry());
                    off += ok.length();
                }
            }
        }
    }

    static ByteBuffer encodeCheckpoint(long generation, long lsn, ByteBuffer snapshot, ByteBuffer replyCache) {
        int len = CHECKPOINT_HEADER + snapshot.remaining() + replyCache.remaining() + CRC_LENGTH;
        ByteBuffer b = ByteBuffer.allocate(len);
        b.putInt(CHECKPOINT_MAGIC).putInt(len).putLong(generation).putLong(lsn)
                .putInt(snapshot.remaining()).putInt(replyCache.remaining())
                .put(snapshot.duplicate()).put(replyCache.duplicate());
        CRC32C crc = new CRC32C();
        crc.update(b.duplicate().flip());
        b.putInt((int) crc.getValue());
        return b.flip();
    }

    /** {@return the checkpoint in a slot's bytes, null if the slot is empty (zeros)}, or a reason it is bad. */
    static Object decodeCheckpoint(ByteBuffer slot) {
        ByteBuffer b = slot.duplicate();
        int p = b.position();
        if (b.remaining() < 8) {
            return "slot shorter than 8 bytes";
        }
        int magic = b.getInt(p);
        int len = b.getInt(p + 4);
        if (magic == 0 && len == 0) {
            return null;
        }
        if (magic != CHECKPOINT_MAGIC) {
            return String.format("bad checkpoint magic 0x%08x", magic);
        }
        if (len < CHECKPOINT_HEADER + CRC_LENGTH || len > b.remaining()) {
            return "checkpoint length " + len + " with " + b.remaining() + " bytes in the slot";
        }
        int snapLen = b.getInt(p + 24);
        int cacheLen = b.getInt(p + 28);
        if (snapLen < 0 || cacheLen < 0 || (long) CHECKPOINT_HEADER + snapLen + cacheLen + CRC_LENGTH != len) {
            return "snapshot length " + snapLen + " and cache length " + cacheLen + " do not add up to " + len;
        }
        CRC32C crc = new CRC32C();
        crc.update(b.duplicate().limit(p + len - CRC_LENGTH));
        int stored = b.getInt(p + len - CRC_LENGTH);
        if ((int) crc.getValue() != stored) {
            return String.format("checkpoint checksum mismatch: stored 0x%08x, computed 0x%08x", stored, (int) crc.getValue());
        }
        ByteBuffer snap = b.duplicate().position(p + CHECKPOINT_HEADER).limit(p + CHECKPOINT_HEADER + snapLen).slice();
        ByteBuffer cache = b.duplicate().position(p + CHECKPOINT_HEADER + snapLen).limit(p + CHECKPOINT_HEADER + snapLen + cacheLen).slice();
        return new Checkpoint(b.getLong(p + 8), b.getLong(p + 16), snap, cache);
    }

    static ByteBuffer readFully(DiskIo io, long position, int length) {
        ByteBuffer b = ByteBuffer.allocate(length);
        while (b.hasRemaining()) {
            int n = io.read(position + b.position(), b);
            if (n < 0) {
                throw new UnderstudyException(ErrorCode.DISK_IO, "journal on " + io.disk() + ": data area ends at "
                        + (position + b.position()) + ", journal needs up to " + (position + length));
            }
        }
        return b.flip();
    }
}
