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
 * A message between partners over the cluster interconnect (wire format version 2).
 *
 * <pre>
 *  offset  size  field
 *  0       2     magic "IC" (0x4943)
 *  2       1     version (2)
 *  3       1     type (ordinal of {@link Type})
 *  4       8     sender epoch: random per engine start
 *  12      8     sequence number, increasing within an epoch
 *  20      8     send time, wall-clock milliseconds since 1970
 *  28      1     sender state (ordinal of {@link NodeState})
 *  29      1     n, length of the node name (1-255)
 *  30      n     node name, UTF-8
 *  30+n    2     d, length of the detail
 *  32+n    d     detail, UTF-8
 *  32+n+d  1     authentication: 0 none, 1 HMAC-SHA256
 *  33+n+d  4     (HMAC only) key id: the first 4 bytes of SHA-256("understudy-key-id\0" || key)
 *  37+n+d  32    (HMAC only) tag: HMAC-SHA256(key, "understudy/interconnect/v2\0" || bytes 0 .. 37+n+d)
 * </pre>
 *
 * All integers are big-endian. The tag covers every byte before it, so nothing in the message can be
 * changed without the key; the label keeps an interconnect tag from ever verifying as an admin request's.
 *
 * @param type         what it says
 * @param from         the sender's node name
 * @param epoch        the sender's epoch: a random number drawn when its engine started
 * @param seq          the sender's message counter within the epoch
 * @param sentAtMillis when it was sent, by the sender's wall clock (milliseconds since 1970)
 * @param state        the sender's state when it sent it
 * @param detail       free text (a reason, a countdown), may be empty
 * @since 0.1
 */
public record InterconnectMessage(Type type, String from, long epoch, long seq, long sentAtMillis, NodeState state,
                                  String detail) {

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
        GIVEBACK_COMPLETE,
        /**
         * The sender serves the volumes it just took over or reclaimed (detail: the port and the disks): the
         * receiver, which stepped down from them and is holding the requests that arrived meanwhile, answers
         * those {@code NOT_SERVING} with a hint naming the sender's port, so its clients go straight there.
         * Sent after a takeover (the secondary port) and after a giveback's reclaim (the primary port).
         */
        NOW_SERVING
    }

    static final short MAGIC = 0x4943; // "IC"
    static final byte VERSION = 2;
    static final int MAX_DETAIL = 1024;
    static final String LABEL = "understudy/interconnect/v2";
    static final int AUTH_NONE = 0;
    static final int AUTH_HMAC_SHA256 = 1;

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

    /**
     * A message without a sender epoch or send time yet (both 0); the interconnect stamps them when it sends.
     *
     * @param type   what it says
     * @param from   the sender's node name
     * @param seq    the sender's message counter
     * @param state  the sender's state
     * @param detail free text
     */
    public InterconnectMessage(Type type, String from, long seq, NodeState state, String detail) {
        this(type, from, 0, seq, 0, state, detail);
    }

    /**
     * {@return this message with a new epoch, sequence number and send time}
     *
     * @param epoch        the sender epoch
     * @param seq          the sequence number
     * @param sentAtMillis the send time
     */
    public InterconnectMessage stamped(long epoch, long seq, long sentAtMillis) {
        return new InterconnectMessage(type, from, epoch, seq, sentAtMillis, state, detail);
    }

    /** {@return the encoded message, without a tag (authentication 0)} */
    public ByteBuffer encode() {
        return encode(InterconnectSecurity.none());
    }

    /**
     * Encodes the message, with an HMAC-SHA256 tag if {@code security} has a key.
     *
     * @param security the sender's security
     * @return the encoded message
     */
    public ByteBuffer encode(InterconnectSecurity security) {
        byte[] name = from.getBytes(StandardCharsets.UTF_8);
        byte[] d = detail.getBytes(StandardCharsets.UTF_8);
        int auth = security.enabled() ? 1 + InterconnectSecurity.KEY_ID_BYTES + InterconnectSecurity.TAG_BYTES : 1;
        ByteBuffer b = ByteBuffer.allocate(30 + name.length + 2 + d.length + auth);
        b.putShort(MAGIC).put(VERSION).put((byte) type.ordinal()).putLong(epoch).putLong(seq).putLong(sentAtMillis)
                .put((byte) state.ordinal()).put((byte) name.length).put(name).putShort((short) d.length).put(d);
        if (security.enabled()) {
            b.put((byte) AUTH_HMAC_SHA256).put(security.keyIdBytes());
            b.put(security.tag(LABEL, b.array(), 0, b.position()));
        } else {
            b.put((byte) AUTH_NONE);
        }
        return b.flip();
    }

    /**
     * Decodes a message, checking its structure but not its tag (see {@link InterconnectSecurity}).
     *
     * @param buf the bytes
     * @return the message
     * @throws UnderstudyException {@link ErrorCode#INTERCONNECT_MESSAGE_REJECTED} saying what was wrong and where
     */
    public static InterconnectMessage decode(ByteBuffer buf) {
        return parse(buf).message();
    }

    /**
     * A decoded message with what authenticates it.
     *
     * @param message      the message
     * @param bytes        all of its bytes
     * @param signedLength how many leading bytes the tag covers
     * @param keyId        the sender's key id, or null without a tag
     * @param tag          the tag, or null without one
     */
    record Parsed(InterconnectMessage message, byte[] bytes, int signedLength, byte[] keyId, byte[] tag) {
        boolean tagged() {
            return tag != null;
        }
    }

    static Parsed parse(ByteBuffer buf) {
        ByteBuffer b = buf.slice();
        need(b, 30, "header");
        short magic = b.getShort();
        if (magic != MAGIC) {
            throw rejected(String.format("bad magic 0x%04x at offset 0", magic & 0xffff));
        }
        byte version = b.get();
        if (version != VERSION) {
            throw rejected("unsupported version " + version + " at offset 2 (this node speaks version " + VERSION + ")");
        }
        int type = b.get() & 0xff;
        if (type >= Type.values().length) {
            throw rejected("unknown message type " + type + " at offset 3");
        }
        long epoch = b.getLong();
        long seq = b.getLong();
        long sentAt = b.getLong();
        int state = b.get() & 0xff;
        if (state >= NodeState.values().length) {
            throw rejected("unknown node state " + state + " at offset 28");
        }
        int nameLen = b.get() & 0xff;
        if (nameLen == 0) {
            throw rejected("empty node name at offset 29");
        }
        need(b, nameLen + 2, "node name");
        String name = utf8(b, nameLen, "node name at offset 30");
        int detailAt = b.position();
        int detailLen = b.getShort() & 0xffff;
        if (detailLen > MAX_DETAIL * 4) {
            throw rejected("detail length " + detailLen + " at offset " + detailAt + " exceeds " + MAX_DETAIL * 4);
        }
        need(b, detailLen, "detail");
        String detail = utf8(b, detailLen, "detail at offset " + (detailAt + 2));
        need(b, 1, "authentication byte");
        int authAt = b.position();
        int auth = b.get() & 0xff;
        byte[] keyId = null;
        byte[] tag = null;
        int signed = b.position();
        switch (auth) {
            case AUTH_NONE -> {
            }
            case AUTH_HMAC_SHA256 -> {
                need(b, InterconnectSecurity.KEY_ID_BYTES + InterconnectSecurity.TAG_BYTES, "tag");
                keyId = new byte[InterconnectSecurity.KEY_ID_BYTES];
                b.get(keyId);
                signed = b.position();
                tag = new byte[InterconnectSecurity.TAG_BYTES];
                b.get(tag);
            }
            default -> throw rejected("unknown authentication " + auth + " at offset " + authAt + "; expected 0 (none) or 1 (HMAC-SHA256)");
        }
        if (b.hasRemaining()) {
            throw rejected(b.remaining() + " trailing bytes at offset " + b.position() + " after the "
                    + (tag == null ? "authentication byte" : "tag"));
        }
        byte[] bytes = new byte[b.limit()];
        b.get(0, bytes);
        InterconnectMessage m = new InterconnectMessage(Type.values()[type], name, epoch, seq, sentAt,
                NodeState.values()[state], detail);
        return new Parsed(m, bytes, signed, keyId, tag);
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
