package io.understudy.ownership.file;

import static io.understudy.ownership.file.SectorSDescriptor.CHECKSUM_OFFSET;
import static io.understudy.ownership.file.SectorSDescriptor.EPOCH_OFFSET;
import static io.understudy.ownership.file.SectorSDescriptor.FLAGS_OFFSET;
import static io.understudy.ownership.file.SectorSDescriptor.LABEL_LENGTH_OFFSET;
import static io.understudy.ownership.file.SectorSDescriptor.LENGTH;
import static io.understudy.ownership.file.SectorSDescriptor.MAGIC;
import static io.understudy.ownership.file.SectorSDescriptor.MAGIC_OFFSET;
import static io.understudy.ownership.file.SectorSDescriptor.MAX_LABEL_LENGTH;
import static io.understudy.ownership.file.SectorSDescriptor.MAX_NAME_LENGTH;
import static io.understudy.ownership.file.SectorSDescriptor.NAME_LENGTH_OFFSET;
import static io.understudy.ownership.file.SectorSDescriptor.VERSION;
import static io.understudy.ownership.file.SectorSDescriptor.VERSION_OFFSET;
import static io.understudy.ownership.file.SectorSDescriptor.WRITTEN_AT_OFFSET;

import io.understudy.api.ownership.NodeId;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.Optional;

/**
 * The decoded content of sector S (see {@link SectorSDescriptor}).
 *
 * @param owner     the owner, empty if unowned
 * @param epoch     the epoch of the claim that wrote it; 0 only for a never-claimed disk
 * @param writtenAt the writer's wall-clock time in ms, informational
 */
record SectorS(Optional<NodeId> owner, long epoch, long writtenAt) {

    /** A never-claimed disk: all zeros. */
    static final SectorS BLANK = new SectorS(Optional.empty(), 0, 0);

    SectorS {
        Objects.requireNonNull(owner, "owner");
        if (epoch < 0 || (owner.isPresent() && epoch == 0)) {
            throw new IllegalArgumentException("bad epoch " + epoch + " for owner " + owner);
        }
    }

    static SectorS owned(NodeId owner, long epoch, long writtenAt) {
        return new SectorS(Optional.of(owner), epoch, writtenAt);
    }

    static SectorS unowned(long epoch, long writtenAt) {
        return new SectorS(Optional.empty(), epoch, writtenAt);
    }

    /** {@return the {@value SectorSDescriptor#LENGTH} bytes of this record} */
    ByteBuffer encode() {
        ByteBuffer b = Records.buffer(LENGTH);
        if (this.equals(BLANK)) {
            return b;
        }
        b.putInt(MAGIC_OFFSET, MAGIC);
        b.putShort(VERSION_OFFSET, VERSION);
        b.putShort(FLAGS_OFFSET, (short) 0);
        b.putLong(EPOCH_OFFSET, epoch);
        b.putLong(WRITTEN_AT_OFFSET, writtenAt);
        owner.ifPresent(n -> Records.putNode(b, LABEL_LENGTH_OFFSET, MAX_LABEL_LENGTH, MAX_NAME_LENGTH, n));
        b.putInt(CHECKSUM_OFFSET, Records.crc32c(b, 0, CHECKSUM_OFFSET));
        return b;
    }

    /**
     * Decodes sector S.
     *
     * @param b the bytes read from the start of the disk, position 0; fewer than {@value SectorSDescriptor#LENGTH}
     *          if the file is shorter
     * @return the record
     * @throws Records.Corrupt saying what is wrong
     */
    static SectorS decode(ByteBuffer b) throws Records.Corrupt {
        if (b.limit() < LENGTH) {
            throw new Records.Corrupt("the disk file has only " + b.limit() + " bytes, fewer than the " + LENGTH + " of sector S");
        }
        ByteBuffer s = b.duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN);
        if (Records.allZero(s, 0, LENGTH)) {
            return BLANK;
        }
        int magic = s.getInt(MAGIC_OFFSET);
        if (magic != MAGIC) {
            throw new Records.Corrupt(String.format("bad magic 0x%08x (expected 0x%08x, 'UNDS')", magic, MAGIC));
        }
        short version = s.getShort(VERSION_OFFSET);
        if (version != VERSION) {
            throw new Records.Corrupt("layout version " + version + " is not the " + VERSION + " this code reads");
        }
        int stored = s.getInt(CHECKSUM_OFFSET);
        int computed = Records.crc32c(s, 0, CHECKSUM_OFFSET);
        if (stored != computed) {
            throw new Records.Corrupt(String.format("checksum mismatch (stored 0x%08x, computed 0x%08x)", stored, computed));
        }
        short flags = s.getShort(FLAGS_OFFSET);
        if (flags != 0) {
            throw new Records.Corrupt("flags 0x" + Integer.toHexString(flags & 0xFFFF) + " are not defined in layout version " + VERSION);
        }
        long epoch = s.getLong(EPOCH_OFFSET);
        long writtenAt = s.getLong(WRITTEN_AT_OFFSET);
        if (epoch < 0) {
            throw new Records.Corrupt("negative epoch " + epoch);
        }
        int labelLength = Byte.toUnsignedInt(s.get(LABEL_LENGTH_OFFSET));
        int nameLength = Byte.toUnsignedInt(s.get(NAME_LENGTH_OFFSET));
        if (labelLength == 0 && nameLength == 0) {
            return unowned(epoch, writtenAt);
        }
        NodeId owner = Records.node(s, LABEL_LENGTH_OFFSET, MAX_LABEL_LENGTH, MAX_NAME_LENGTH, "the owner");
        if (epoch == 0) {
            throw new Records.Corrupt("owner " + owner.name() + " is recorded with epoch 0; an owned disk's epoch is at least 1");
        }
        return owned(owner, epoch, writtenAt);
    }

    /**
     * Decodes sector S read from {@code file}.
     *
     * @param b    as for {@link #decode}
     * @param file the disk file, for the message
     * @return the record
     * @throws io.understudy.api.UnderstudyException {@code OWNERSHIP_RECORD_CORRUPT} naming the file and the fault
     */
    static SectorS read(ByteBuffer b, Object file) {
        try {
            return decode(b);
        } catch (Records.Corrupt e) {
            throw Records.corrupt("sector S", file, e.getMessage());
        }
    }

    @Override
    public String toString() {
        return owner.map(n -> "owner " + n.name() + "(" + n.label() + ")").orElse("unowned") + " epoch " + epoch;
    }
}
