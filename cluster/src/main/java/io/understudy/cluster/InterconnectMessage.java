package io.understudy.cluster;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.api.event.NodeState;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A message between partners over the cluster interconnect.
 *
 * <pre>
 *  0      2     3     4      12     13          13+n   15+n
 *  +------+-----+-----+------+------+-----------+------+--------
 *  |magic |ver  |type |seq   |state |name (n, u8 length first) |detail (u16 length first)
 * </pre>
 *
 * @param type   what it says
 * @param from   the sender's node name
 * @param seq    the sender's message counter
 * @param state  the sender's state when it sent it
 * @param detail free text (a reason, a countdown), may be empty
 * @since 0.1
 */
public record InterconnectMessage(Type type, String from, long seq, NodeState state, String detail) {

    /** The message types. */
    public enum Type {
        /** "I am alive", with the sender's state. */
        HEARTBEAT,
        /** "I am failing": the sender is going down on an error; take over now (Fig. 4, 410). */
        I_AM_FAILING,
        /** "Please Shutdown": an operator asked the sender to take over the receiver (Fig. 7, 710). */
        PLEASE_SHUTDOWN,
        /** The receiver of "Please Shutdown" has stopped serving and released its disks (Fig. 7, 720). */
        SHUTDOWN_COMPLETE,
        /** The sender finished giving back the receiver's disks (Fig. 5, 530): reclaim them. */
        GIVEBACK_COMPLETE
    }

    static final short MAGIC = 0x4943; // "IC"
    static final byte VERSION = 1;
    static final int MAX_DETAIL = 1024;

    /** Validates the fields. */
    public InterconnectMessage {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(detail, "detail");
        if (from.isEmpty() || from.getBytes(StandardCharsets.UTF_8).length > 255) {
            throw new IllegalArgumentException("node name must be 1-255 bytes: " + from);
        }
        if (detail.length() > MAX_DETAIL) {
            detail = detail.substring(0, MAX_DETAIL);
        }
    }

    /** {@return the encoded message} */
    public ByteBuffer encode() {
        byte[] name = from.getBytes(StandardCharsets.UTF_8);
        byte[] d = detail.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(2 + 1 + 1 + 8 + 1 + 1 + name.length + 2 + d.length);
        b.putShort(MAGIC).put(VERSION).put((byte) type.ordinal()).putLong(seq).put((byte) state.ordinal())
                .put((byte) name.length).put(name).putShort((short) d.length).put(d);
        return b.flip();
    }

    /**
     * Decodes a message.
     *
     * @param buf the bytes
     * @return the message
     * @throws UnderstudyException {@link ErrorCode#INTERCONNECT_MESSAGE_REJECTED} saying what was wrong and where
     */
    public static InterconnectMessage decode(ByteBuffer buf) {
        ByteBuffer b = buf.slice();
        need(b, 14, "header");
        short magic = b.getShort();
        if (magic != MAGIC) {
            throw rejected(String.format("bad magic 0x%04x at offset 0", magic & 0xffff));
        }
        byte version = b.get();
        if (version != VERSION) {
            throw rejected("unsupported version " + version + " at offset 2");
        }
        int type = b.get() & 0xff;
        if (type >= Type.values().length) {
            throw rejected("unknown message type " + type + " at offset 3");
        }
        long seq = b.getLong();
        int state = b.get() & 0xff;
        if (state >= NodeState.values().length) {
            throw rejected("unknown node state " + state + " at offset 12");
        }
        int nameLen = b.get() & 0xff;
        if (nameLen == 0) {
            throw rejected("empty node name at offset 13");
        }
        need(b, nameLen + 2, "node name");
        String name = utf8(b, nameLen, "node name at offset 14");
        int detailLen = b.getShort() & 0xffff;
        if (detailLen > MAX_DETAIL * 4) {
            throw rejected("detail length " + detailLen + " exceeds " + MAX_DETAIL * 4);
        }
        need(b, detailLen, "detail");
        String detail = utf8(b, detailLen, "detail");
        if (b.hasRemaining()) {
            throw rejected(b.remaining() + " trailing bytes after the detail");
        }
        return new InterconnectMessage(Type.values()[type], name, seq, NodeState.values()[state], detail);
    }

    private static void need(ByteBuffer b, int n, String what) {
        if (b.remaining() < n) {
            throw rejected("message truncated in the " + what + " at offset " + b.position() + ": need " + n
                    + " bytes, have " + b.remaining());
        }
    }

    private static String utf8(ByteBuffer b, int len, String what) {
        ByteBuffer slice = b.slice(b.position(), len);
        b.position(b.position() + len);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(slice).toString();
        } catch (CharacterCodingException e) {
            throw rejected("invalid UTF-8 in the " + what);
        }
    }

    private static UnderstudyException rejected(String why) {
        return new UnderstudyException(ErrorCode.INTERCONNECT_MESSAGE_REJECTED, "interconnect message rejected: " + why);
    }
}
