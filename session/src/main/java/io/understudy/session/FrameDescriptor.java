package io.understudy.session;

/**
 * The layout of a data-path frame, as named offsets (all integers big-endian). A transport frame carries
 * exactly one of these.
 *
 * <pre>
 *  0      2      3      4      5         8                16               24
 *  +------+------+------+------+---------+----------------+----------------+---------...
 *  |magic |ver   |type  |status|reserved | session id     | sequence       | payload
 *  +------+------+------+------+---------+----------------+----------------+---------...
 * </pre>
 *
 * @since 0.1
 */
public final class FrameDescriptor {
    /** Offset of the magic number. */
    public static final int MAGIC_OFFSET = 0;
    /** Offset of the layout version. */
    public static final int VERSION_OFFSET = 2;
    /** Offset of the frame type. */
    public static final int TYPE_OFFSET = 3;
    /** Offset of the reply status (0 in requests). */
    public static final int STATUS_OFFSET = 4;
    /** Offset of the session id. */
    public static final int SESSION_OFFSET = 8;
    /** Offset of the sequence number. */
    public static final int SEQUENCE_OFFSET = 16;
    /** Length of the header; the payload starts here. */
    public static final int HEADER_LENGTH = 24;

    /** The magic number: ASCII "US". */
    public static final short MAGIC = 0x5553;
    /** The current layout version. */
    public static final byte VERSION = 1;
    /** Frame type of a request. */
    public static final byte TYPE_REQUEST = 1;
    /** Frame type of a reply. */
    public static final byte TYPE_REPLY = 2;

    private FrameDescriptor() {
    }
}
