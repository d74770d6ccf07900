package io.understudy.ownership.iscsi;

/**
 * The layout of sector S on an iSCSI LUN, and of the node directory that follows it. Sector S is the
 * {@value #LENGTH}-byte record of the {@code file} provider (magic {@code UNDS}, version 1, epoch, written-at,
 * owner label and name, CRC32C at 508; little-endian), with flag bit {@link #FLAG_ISCSI} set and the
 * reservation facts this provider needs in the space that is reserved there:
 *
 * <pre>
 *   offset  size  field
 *   0       4     magic 'U' 'N' 'D' 'S'
 *   4       2     layout version, 1
 *   6       2     flags: {@link #FLAG_ISCSI} (1)
 *   8       8     epoch of the claim that wrote the record
 *   16      8     written at, ms since 1970 (informational)
 *   24      1+8   owner label length, label (0: unowned)
 *   33      1+32  owner name length, name
 *   72      8     owner's reservation key (0 when unowned)
 *   80      8     release count: how many givebacks the disk has seen
 *   88      8     fence epoch: the epoch of the preempt that fenced the node below (0: none)
 *   96      1+8   fenced node label length, label
 *   105     1+32  fenced node name length, name
 *   508     4     CRC32C of bytes 0 .. 507
 * </pre>
 *
 * The {@code file} provider reads a record with flags it does not know as corrupt, never as owned or
 * unowned, so the two providers cannot misread each other's disks.
 *
 * <p>Layout of the LUN, in logical blocks from {@code iscsi.sector-lba} (S): block S is sector S (the record
 * in its first 512 bytes, zeros after); blocks S+1 .. S+{@value #DIRECTORY_SLOTS} are the node directory,
 * one {@link #LENGTH}-byte entry per block ({@code UNDK}, version 1, the node's current reservation key at 8,
 * label and name at 24 as above, CRC32C at 508), which maps a reservation key back to the node that
 * registered it; the data area starts at block S+1+{@value #DIRECTORY_SLOTS} and runs to the end of the LUN.
 */
final class SectorSDescriptor {

    static final int LENGTH = 512;
    static final int MAGIC = 0x53444E55;
    static final int DIRECTORY_MAGIC = 0x4B444E55; // 'U' 'N' 'D' 'K'
    static final short VERSION = 1;
    static final short FLAG_ISCSI = 1;
    static final int MAGIC_OFFSET = 0;
    static final int VERSION_OFFSET = 4;
    static final int FLAGS_OFFSET = 6;
    static final int EPOCH_OFFSET = 8;
    static final int WRITTEN_AT_OFFSET = 16;
    static final int LABEL_LENGTH_OFFSET = 24;
    static final int MAX_LABEL_LENGTH = 8;
    static final int MAX_NAME_LENGTH = 32;
    static final int OWNER_KEY_OFFSET = 72;
    static final int RELEASES_OFFSET = 80;
    static final int FENCE_EPOCH_OFFSET = 88;
    static final int FENCED_LABEL_LENGTH_OFFSET = 96;
    /** In a directory entry: the node's reservation key. */
    static final int DIRECTORY_KEY_OFFSET = 8;
    static final int CHECKSUM_OFFSET = LENGTH - 4;
    /** Blocks of node directory after sector S. */
    static final int DIRECTORY_SLOTS = 32;
    /** Blocks reserved from sector S to the data area. */
    static final int RESERVED_BLOCKS = 1 + DIRECTORY_SLOTS;

    private SectorSDescriptor() {
    }
}
