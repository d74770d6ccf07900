package io.understudy.session;

/**
 * The layout of a data-path frame, as named offsets (all integers big-endian). A transport frame carries
 * exactly one of these.
 *
 * <pre>
 *  0      2      3      4      5      6         8                16               24
 *  +------+------+------+------+------+---------+----------------+----------------+---------...
 *  |magic |ver   |type  |status|hint  |reserved | session id     | sequence       | payload
 *  +------+------+------+------+------+---------+----------------+----------------+---------...
 * </pre>
 *
 * <p>The hint byte ({@link Frame.Hint}) is meaningful only in a {@code NOT_SERVING} reply: it says where the
 * request should go instead. Everywhere else it is written as 0 and ignored when read, as the reserved
 * bytes are; an unknown hint reads as {@link Frame.Hint#NONE} (a hint is advice, so a client that does not
 * know a newer one simply runs the failover procedure).
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
    /** Offset of the hint of a {@code NOT_SERVING} reply (0 elsewhere). */
    public static final int HINT_OFFSET = 5;
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
