package io.understudy.ownership.file;

/**
 * The layout of sector S, the first {@value #LENGTH} bytes of every disk file, which records the disk's
 * owner: the first half of the seed's {@code <SECTORS,SCSI>} pair. All numbers are little-endian; offsets
 * are from the start of the file. The data area that {@link io.understudy.api.ownership.DiskIo} exposes
 * starts at {@value #DATA_OFFSET}, so sector S is never reachable through it.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                 Magic 'U' 'N' 'D' 'S'  (offset 0)              |
 *  +-------------------------------+-------------------------------+
 *  |     Layout version  (4)       |        Flags, 0  (6)          |
 *  +-------------------------------+-------------------------------+
 *  |                          Epoch  (8)                           |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |            Written at, ms since 1970, informational  (16)     |
 *  |                                                               |
 *  +---------------+-----------------------------------------------+
 *  | Label len (24)|  Label, UTF-8, up to 8 bytes  (25) ...        |
 *  +---------------+-----------------------------------------------+
 *  | Name len (33) |  Owner node name, UTF-8, up to 32 bytes (34)...|
 *  +---------------+-----------------------------------------------+
 *  |                  Reserved, zero  (66 .. 507)                  |
 *  +---------------------------------------------------------------+
 *  |              CRC32C of bytes 0 .. 507  (508)                  |
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <p>Three kinds of content are valid:
 * <ul>
 *   <li>all {@value #LENGTH} bytes zero: a disk never claimed, unowned at epoch 0;</li>
 *   <li>a record with label and name lengths 0: unowned, remembering the epoch of the last claim (what a
 *       release writes, so epochs keep growing);</li>
 *   <li>a record with both lengths above 0: owned by that node since that epoch (at least 1).</li>
 * </ul>
 * Anything else (wrong magic, unknown version, checksum mismatch, impossible lengths, a name or label that
 * is not a valid {@link io.understudy.api.ownership.NodeId}) is corrupt, reported as
 * {@link io.understudy.api.ErrorCode#OWNERSHIP_RECORD_CORRUPT}, and never taken as owned or unowned.
 *
 * @since 0.1
 */
public final class SectorSDescriptor {

    /** The size of sector S in bytes. */
    public static final int LENGTH = 512;
    /** Where the data area starts in the disk file. */
    public static final int DATA_OFFSET = LENGTH;

    /** Offset of the magic number, an {@code int}. */
    public static final int MAGIC_OFFSET = 0;
    /** The magic number: the bytes {@code 'U' 'N' 'D' 'S'} read as a little-endian {@code int}. */
    public static final int MAGIC = 0x53444E55;
    /** Offset of the layout version, a {@code short}. */
    public static final int VERSION_OFFSET = 4;
    /** The layout version this code writes and reads. */
    public static final short VERSION = 1;
    /** Offset of the flags, a {@code short}; 0 in version 1. */
    public static final int FLAGS_OFFSET = 6;
    /** Offset of the epoch of the claim that wrote the record, a {@code long}. */
    public static final int EPOCH_OFFSET = 8;
    /** Offset of the writer's wall-clock time in milliseconds since 1970, a {@code long}; for people only. */
    public static final int WRITTEN_AT_OFFSET = 16;
    /** Offset of the owner label's length in bytes, one unsigned byte; 0 when unowned. */
    public static final int LABEL_LENGTH_OFFSET = 24;
    /** Offset of the owner label, UTF-8. */
    public static final int LABEL_OFFSET = 25;
    /** The most bytes a label takes. */
    public static final int MAX_LABEL_LENGTH = 8;
    /** Offset of the owner name's length in bytes, one unsigned byte; 0 when unowned. */
    public static final int NAME_LENGTH_OFFSET = LABEL_OFFSET + MAX_LABEL_LENGTH;
    /** Offset of the owner node name, UTF-8. */
    public static final int NAME_OFFSET = NAME_LENGTH_OFFSET + 1;
    /** The most bytes a node name takes. */
    public static final int MAX_NAME_LENGTH = 32;
    /** Offset of the CRC32C checksum, an {@code int}, computed over bytes 0 up to this offset. */
    public static final int CHECKSUM_OFFSET = LENGTH - 4;

    private SectorSDescriptor() {
    }
}
