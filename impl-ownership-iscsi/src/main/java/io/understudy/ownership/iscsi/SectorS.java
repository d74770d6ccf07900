package io.understudy.ownership.iscsi;

import static io.understudy.ownership.iscsi.SectorSDescriptor.*;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.api.ownership.NodeId;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * Sector S as this provider writes it ({@link SectorSDescriptor}), and the node directory entries.
 *
 * @param owner      the owner, empty if unowned
 * @param epoch      the epoch of the last claim; 0 only for a never-claimed disk
 * @param writtenAt  the writer's clock, informational
 * @param ownerKey   the owner's reservation key, 0 if unowned
 * @param releases   how many givebacks the disk has seen
 * @param fenced     the node the last preempt fenced, until the next giveback
 * @param fenceEpoch the epoch of that preempt, 0 if none
 */
record SectorS(Optional<NodeId> owner, long epoch, long writtenAt, long ownerKey, long releases, Optional<NodeId> fenced,
               long fenceEpoch) {

    static final SectorS BLANK = new SectorS(Optional.empty(), 0, 0, 0, 0, Optional.empty(), 0);

    SectorS {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(fenced, "fenced");
        if (epoch < 0 || (owner.isPresent() && epoch == 0) || releases < 0 || fenceEpoch < 0) {
            throw new IllegalArgumentException("bad sector S " + owner + " epoch " + epoch + " releases " + releases);
        }
    }

    /** A record that cannot be decoded. */
    static final class Corrupt extends Exception {
        private static final long serialVersionUID = 1L;

        Corrupt(String message) {
            super(message);
        }
    }

    ByteBuffer encode() {
        ByteBuffer b = ByteBuffer.allocate(LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        if (equals(BLANK)) {
            return b;
        }
        b.putInt(MAGIC_OFFSET, MAGIC);
        b.putShort(VERSION_OFFSET, VERSION);
        b.putShort(FLAGS_OFFSET, FLAG_ISCSI);
        b.putLong(EPOCH_OFFSET, epoch);
        b.putLong(WRITTEN_AT_OFFSET, writtenAt);
        owner.ifPresent(n -> putNode(b, LABEL_LENGTH_OFFSET, n));
        b.putLong(OWNER_KEY_OFFSET, ownerKey);
        b.putLong(RELEASES_OFFSET, releases);
        b.putLong(FENCE_EPOCH_OFFSET, fenceEpoch);
        fenced.ifPresent(n -> putNode(b, FENCED_LABEL_LENGTH_OFFSET, n));
        b.putInt(CHECKSUM_OFFSET, crc(b));
        return b;
    }

    static SectorS decode(ByteBuffer in) throws Corrupt {
        if (in.remaining() < LENGTH) {
            throw new Corrupt("sector S has only " + in.remaining() + " bytes, fewer than " + LENGTH);
        }
        ByteBuffer b = in.slice(in.position(), LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        if (allZero(b)) {
            return BLANK;
        }
        int magic = b.getInt(MAGIC_OFFSET);
        if (magic != MAGIC) {
            throw new Corrupt(String.format("bad magic 0x%08x (expected 0x%08x, 'UNDS')", magic, MAGIC));
        }
        if (b.getShort(VERSION_OFFSET) != VERSION) {
            throw new Corrupt("layout version " + b.getShort(VERSION_OFFSET) + " is not " + VERSION);
        }
        int stored = b.getInt(CHECKSUM_OFFSET);
        int computed = crc(b);
        if (stored != computed) {
            throw new Corrupt(String.format("checksum mismatch (stored 0x%08x, computed 0x%08x)", stored, computed));
        }
        short flags = b.getShort(FLAGS_OFFSET);
        if (flags != FLAG_ISCSI) {
            throw new Corrupt("flags 0x" + Integer.toHexString(flags & 0xFFFF) + " are not the iSCSI provider's ("
                    + FLAG_ISCSI + "); was this disk formatted by another provider?");
        }
        long epoch = b.getLong(EPOCH_OFFSET);
        long releases = b.getLong(RELEASES_OFFSET);
        long fenceEpoch = b.getLong(FENCE_EPOCH_OFFSET);
        if (epoch < 0 || releases < 0 || fenceEpoch < 0) {
            throw new Corrupt("negative epoch, release count or fence epoch");
        }
        Optional<NodeId> owner = node(b, LABEL_LENGTH_OFFSET, "the owner");
        if (owner.isPresent() && epoch == 0) {
            throw new Corrupt("owner " + owner.get().name() + " is recorded with epoch 0");
        }
        long ownerKey = b.getLong(OWNER_KEY_OFFSET);
        if (owner.isPresent() != (ownerKey != 0)) {
            throw new Corrupt("owner and owner key disagree: " + owner + String.format(" key 0x%016x", ownerKey));
        }
        Optional<NodeId> fenced = node(b, FENCED_LABEL_LENGTH_OFFSET, "the fenced node");
        return new SectorS(owner, epoch, b.getLong(WRITTEN_AT_OFFSET), ownerKey, releases, fenced, fenced.isPresent() ? fenceEpoch : 0);
    }

    /** {@return a directory entry naming {@code node} as the registrant of {@code key}} */
    static ByteBuffer encodeEntry(NodeId node, long key) {
        ByteBuffer b = ByteBuffer.allocate(LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC_OFFSET, DIRECTORY_MAGIC);
        b.putShort(VERSION_OFFSET, VERSION);
        b.putLong(DIRECTORY_KEY_OFFSET, key);
        putNode(b, LABEL_LENGTH_OFFSET, node);
        b.putInt(CHECKSUM_OFFSET, crc(b));
        return b;
    }

    /** A decoded directory entry. */
    record Entry(NodeId node, long key) {
    }

    /** {@return the entry, or empty for a blank slot} */
    static Optional<Entry> decodeEntry(ByteBuffer in) throws Corrupt {
        if (in.remaining() < LENGTH) {
            throw new Corrupt("a directory entry has only " + in.remaining() + " bytes");
        }
        ByteBuffer b = in.slice(in.position(), LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        if (allZero(b)) {
            return Optional.empty();
        }
        if (b.getInt(MAGIC_OFFSET) != DIRECTORY_MAGIC || b.getShort(VERSION_OFFSET) != VERSION) {
            throw new Corrupt(String.format("bad directory magic or version 0x%08x/%d", b.getInt(MAGIC_OFFSET), b.getShort(VERSION_OFFSET)));
        }
        if (b.getInt(CHECKSUM_OFFSET) != crc(b)) {
            throw new Corrupt("directory entry checksum mismatch");
        }
        Optional<NodeId> node = node(b, LABEL_LENGTH_OFFSET, "the directory entry");
        long key = b.getLong(DIRECTORY_KEY_OFFSET);
        if (node.isEmpty() || key == 0) {
            throw new Corrupt("directory entry without node or key");
        }
        return Optional.of(new Entry(node.get(), key));
    }

    private static int crc(ByteBuffer b) {
        CRC32C c = new CRC32C();
        c.update(b.duplicate().position(0).limit(CHECKSUM_OFFSET));
        return (int) c.getValue();
    }

    private static boolean allZero(ByteBuffer b) {
        for (int i = 0; i < LENGTH; i++) {
            if (b.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    private static void putNode(ByteBuffer b, int labelLengthOffset, NodeId n) {
        byte[] label = n.label().getBytes(StandardCharsets.UTF_8);
        byte[] name = n.name().getBytes(StandardCharsets.UTF_8);
        b.put(labelLengthOffset, (byte) label.length).put(labelLengthOffset + 1, label);
        int nameLengthOffset = labelLengthOffset + 1 + MAX_LABEL_LENGTH;
        b.put(nameLengthOffset, (byte) name.length).put(nameLengthOffset + 1, name);
    }

    private static Optional<NodeId> node(ByteBuffer b, int labelLengthOffset, String what) throws Corrupt {
        int labelLength = Byte.toUnsignedInt(b.get(labelLengthOffset));
        int nameLengthOffset = labelLengthOffset + 1 + MAX_LABEL_LENGTH;
        int nameLength = Byte.toUnsignedInt(b.get(nameLengthOffset));
        if (labelLength == 0 && nameLength == 0) {
            return Optional.empty();
        }
        if (labelLength == 0 || labelLength > MAX_LABEL_LENGTH || nameLength == 0 || nameLength > MAX_NAME_LENGTH) {
            throw new Corrupt(what + " has label length " + labelLength + " and name length " + nameLength);
        }
        byte[] label = new byte[labelLength];
        byte[] name = new byte[nameLength];
        b.get(labelLengthOffset + 1, label);
        b.get(nameLengthOffset + 1, name);
        try {
            return Optional.of(new NodeId(new String(name, StandardCharsets.UTF_8), new String(label, StandardCharsets.UTF_8)));
        } catch (UnderstudyException e) {
            throw new Corrupt(what + " is not a valid node: " + e.getMessage());
        }
    }

    static UnderstudyException corrupt(String what, Object where, String reason) {
        return new UnderstudyException(ErrorCode.OWNERSHIP_RECORD_CORRUPT, what + " of " + where + " is corrupt: " + reason
                + "; the disk's ownership cannot be trusted until an operator rewrites it");
    }

    @Override
    public String toString() {
        return owner.map(n -> "owner " + n.name()).orElse("unowned") + " epoch " + epoch;
    }
}
