package io.understudy.examples.fileservice;

/**
 * The on-disk layout of a file-service volume, as named offsets. Offsets are relative to the
 * {@link io.understudy.api.ownership.DiskIo} data area (after the ownership records); all integers are
 * big-endian.
 *
 * <p><b>Superblock</b>, at 0, {@value #SUPERBLOCK_LENGTH} bytes:
 * <pre>
 *  0      4        8            12     14                        508     512
 *  +------+--------+------------+------+-------------------------+-------+
 *  |magic |version |generation  |cb-len| created-by (UTF-8) ...0 |CRC32C |
 *  +------+--------+------------+------+-------------------------+-------+
 * </pre>
 * The CRC32C covers bytes 0 to 507. The <em>generation</em> starts at 1 when the volume is formatted and
 * goes up by one each time a mount finds a torn or corrupt record and cuts the log there (see below).
 *
 * <p><b>Log</b>, from {@value #LOG_START}: records back to back, no padding, until a record header that is
 * all zeros (the clean end) or one that does not check out (a torn or corrupt tail). A record:
 * <pre>
 *  0      4      8    9     10       12          16            24
 *  +------+------+----+-----+--------+-----------+-------------+----------+----------+
 *  |length|CRC32C|type|flags|path-len|generation |file offset  | path     | data     |
 *  +------+------+----+-----+--------+-----------+-------------+----------+----------+
 * </pre>
 * {@code length} is the whole record ({@value #RECORD_HEADER_LENGTH} + path + data); the CRC32C covers
 * bytes 0-3 and 8 to length-1 (everything but itself). {@code type} is {@link #TYPE_CREATE} (no data, file
 * offset 0) or {@link #TYPE_WRITE}; {@code flags} is 0; the path is 1-255 bytes of UTF-8 valid by
 * {@link FilePaths}. A record's generation is at least its predecessor's and at most the superblock's.
 *
 * <p>Why generations: after a mount cuts the log at a bad record, new records overwrite it from that
 * position, and a new record could end exactly where an older, once-valid record beyond the cut begins.
 * That record was never part of the recovered state and must not come back; its generation is lower than
 * the new record's, so the scan stops there.
 *
 * @since 0.1
 */
public final class VolumeLayoutDescriptor {

    /** Offset of the superblock's magic number. */
    public static final int MAGIC_OFFSET = 0;
    /** Offset of the layout version. */
    public static final int VERSION_OFFSET = 4;
    /** Offset of the log generation. */
    public static final int GENERATION_OFFSET = 8;
    /** Offset of the created-by string's length (u16). */
    public static final int CREATED_BY_LENGTH_OFFSET = 12;
    /** Offset of the created-by string (UTF-8). */
    public static final int CREATED_BY_OFFSET = 14;
    /** The longest created-by string, in UTF-8 bytes. */
    public static final int CREATED_BY_MAX = 64;
    /** Offset of the superblock's CRC32C, which covers everything before it. */
    public static final int SUPERBLOCK_CRC_OFFSET = 508;
    /** Length of the superblock. */
    public static final int SUPERBLOCK_LENGTH = 512;

    /** The superblock magic: ASCII "USFS". */
    public static final int MAGIC = 0x55534653;
    /** The layout version this code writes and reads. */
    public static final int VERSION = 1;

    /** Where the log starts. */
    public static final int LOG_START = SUPERBLOCK_LENGTH;

    /** Offset in a record of its total length. */
    public static final int RECORD_LENGTH_OFFSET = 0;
    /** Offset in a record of its CRC32C. */
    public static final int RECORD_CRC_OFFSET = 4;
    /** Offset in a record of its type. */
    public static final int RECORD_TYPE_OFFSET = 8;
    /** Offset in a record of its flags (0). */
    public static final int RECORD_FLAGS_OFFSET = 9;
    /** Offset in a record of its path length (u16). */
    public static final int RECORD_PATH_LENGTH_OFFSET = 10;
    /** Offset in a record of the log generation it was written in. */
    public static final int RECORD_GENERATION_OFFSET = 12;
    /** Offset in a record of the file offset its data goes to. */
    public static final int RECORD_FILE_OFFSET_OFFSET = 16;
    /** Length of a record header; the path follows, then the data. */
    public static final int RECORD_HEADER_LENGTH = 24;

    /** Record type: a file was created. */
    public static final byte TYPE_CREATE = 1;
    /** Record type: bytes were written to a file. */
    public static final byte TYPE_WRITE = 2;

    /** The longest possible record: header, the longest path and the most data of one write. */
    public static final int MAX_RECORD_LENGTH = RECORD_HEADER_LENGTH + FilePaths.MAX_BYTES + FileServiceCodec.MAX_DATA;

    private VolumeLayoutDescriptor() {
    }

    /**
     * {@return the length of a record}
     *
     * @param pathBytes the path's length in UTF-8 bytes
     * @param dataBytes the data's length
     */
    public static int recordLength(int pathBytes, int dataBytes) {
        return RECORD_HEADER_LENGTH + pathBytes + dataBytes;
    }
}
