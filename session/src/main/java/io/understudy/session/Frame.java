package io.understudy.session;

import static io.understudy.session.FrameDescriptor.HEADER_LENGTH;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * One decoded data-path frame: a request (status {@code null}) or a reply. The payload belongs to the
 * application (the file service's operations); the SDK only routes it.
 *
 * @param sessionId the client session, chosen by the client at random
 * @param sequence  the request's number in its session, starting at 1; a reply repeats its request's
 * @param status    the reply status, or null for a request
 * @param payload   the application bytes, read-only, positioned at 0
 * @param hint      where a {@code NOT_SERVING} reply sends the client; {@link Hint#NONE} in every other frame
 * @since 0.1
 */
public record Frame(long sessionId, long sequence, Status status, ByteBuffer payload, Hint hint) {

    /**
     * Where a server that does not serve a request now says it should go instead: advice that saves the
     * client its retry schedule, never a command (the client still runs the failover procedure, trying the
     * hinted server first). Carried in a {@code NOT_SERVING} reply only.
     *
     * @since 0.2
     */
    public enum Hint {
        /** No advice: run the failover procedure as usual. */
        NONE(0),
        /**
         * The primary server serves this request's volume again: go to the client's primary server name on the
         * primary port (sent by the failover server at giveback, once the primary has reclaimed its disks).
         */
        PRIMARY(1),
        /**
         * The failover server serves this request's volume now: go to the failover name on the secondary port
         * (sent by the primary at an operator takeover or after "I am failing", once its partner has taken its
         * disks over).
         */
        FAILOVER(2);

        private final int code;

        Hint(int code) {
            this.code = code;
        }

        /** {@return the wire code} */
        public int code() {
            return code;
        }

        /**
         * {@return the hint with this wire code; {@link #NONE} for 0 and for codes this version does not know}
         *
         * @param code the wire code
         */
        public static Hint ofCode(int code) {
            for (Hint h : values()) {
                if (h.code == code) {
                    return h;
                }
            }
            return NONE;
        }
    }

    /** Validates the fields: a hint other than {@link Hint#NONE} only on a {@code NOT_SERVING} reply. */
    public Frame {
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(hint, "hint");
        if (hint != Hint.NONE && status != Status.NOT_SERVING) {
            throw new IllegalArgumentException("a hint (" + hint + ") belongs on a NOT_SERVING reply, not on "
                    + (status == null ? "a request" : "a " + status + " reply"));
        }
        payload = payload.asReadOnlyBuffer();
    }

    /**
     * A frame without a hint.
     *
     * @param sessionId the session
     * @param sequence  the sequence number
     * @param status    the reply status, or null for a request
     * @param payload   the application bytes
     */
    public Frame(long sessionId, long sequence, Status status, ByteBuffer payload) {
        this(sessionId, sequence, status, payload, Hint.NONE);
    }

    /**
     * {@return a request}
     *
     * @param sessionId the session
     * @param sequence  the sequence number
     * @param payload   the application bytes
     */
    public static Frame request(long sessionId, long sequence, ByteBuffer payload) {
        return new Frame(sessionId, sequence, null, payload);
    }

    /**
     * {@return the reply to this request}
     *
     * @param status  the status
     * @param payload the application bytes
     */
    public Frame reply(Status status, ByteBuffer payload) {
        return new Frame(sessionId, sequence, Objects.requireNonNull(status, "status"), payload);
    }

    /**
     * {@return a {@code NOT_SERVING} reply to this request, with advice on where to go}
     *
     * @param hint    where the client should go, or {@link Hint#NONE}
     * @param message why (UTF-8), for the client's log
     */
    public Frame notServing(Hint hint, ByteBuffer message) {
        return new Frame(sessionId, sequence, Status.NOT_SERVING, message, Objects.requireNonNull(hint, "hint"));
    }

    /** {@return whether this is a request} */
    public boolean isRequest() {
        return status == null;
    }

    /** {@return a fresh buffer holding the encoded frame, ready to send} */
    public ByteBuffer encode() {
        ByteBuffer p = payload.duplicate();
        ByteBuffer b = ByteBuffer.allocate(HEADER_LENGTH + p.remaining());
        b.putShort(FrameDescriptor.MAGIC_OFFSET, FrameDescriptor.MAGIC);
        b.put(FrameDescriptor.VERSION_OFFSET, FrameDescriptor.VERSION);
        b.put(FrameDescriptor.TYPE_OFFSET, status == null ? FrameDescriptor.TYPE_REQUEST : FrameDescriptor.TYPE_REPLY);
        b.put(FrameDescriptor.STATUS_OFFSET, (byte) (status == null ? 0 : status.code()));
        b.put(FrameDescriptor.HINT_OFFSET, (byte) hint.code());
        b.putLong(FrameDescriptor.SESSION_OFFSET, sessionId);
        b.putLong(FrameDescriptor.SEQUENCE_OFFSET, sequence);
        b.position(HEADER_LENGTH);
        b.put(p);
        return b.flip();
    }

    /**
     * Decodes a frame. The payload shares the buffer's bytes.
     *
     * @param frame the received bytes, from position to limit
     * @return the frame
     * @throws UnderstudyException {@link ErrorCode#FRAME_MALFORMED} saying which field was wrong and its value
     */
    public static Frame decode(ByteBuffer frame) {
        ByteBuffer b = frame.slice();
        if (b.remaining() < HEADER_LENGTH) {
            throw malformed("frame is " + b.remaining() + " bytes, shorter than the " + HEADER_LENGTH + "-byte header");
        }
        short magic = b.getShort(FrameDescriptor.MAGIC_OFFSET);
        if (magic != FrameDescriptor.MAGIC) {
            throw malformed(String.format("bad magic 0x%04x at offset 0, expected 0x%04x", magic & 0xffff, FrameDescriptor.MAGIC));
        }
        byte version = b.get(FrameDescriptor.VERSION_OFFSET);
        if (version != FrameDescriptor.VERSION) {
            throw malformed("unsupported version " + version + " at offset 2, expected " + FrameDescriptor.VERSION);
        }
        byte type = b.get(FrameDescriptor.TYPE_OFFSET);
        int statusCode = b.get(FrameDescriptor.STATUS_OFFSET) & 0xff;
        Status status;
        if (type == FrameDescriptor.TYPE_REQUEST) {
            if (statusCode != 0) {
                throw malformed("request carries status " + statusCode + " at offset 4, expected 0");
            }
            status = null;
        } else if (type == FrameDescriptor.TYPE_REPLY) {
            status = Status.ofCode(statusCode);
            if (status == null) {
                throw malformed("unknown reply status " + statusCode + " at offset 4");
            }
        } else {
            throw malformed("unknown frame type " + type + " at offset 3, expected 1 (request) or 2 (reply)");
        }
        long session = b.getLong(FrameDescriptor.SESSION_OFFSET);
        long seq = b.getLong(FrameDescriptor.SEQUENCE_OFFSET);
        if (seq <= 0) {
            throw malformed("sequence " + seq + " at offset 16 is not positive");
        }
        // The hint counts only on NOT_SERVING (elsewhere the byte is ignored, as it was when it was reserved).
        Hint hint = status == Status.NOT_SERVING ? Hint.ofCode(b.get(FrameDescriptor.HINT_OFFSET) & 0xff) : Hint.NONE;
        return new Frame(session, seq, status, b.position(HEADER_LENGTH).slice(), hint);
    }

    private static UnderstudyException malformed(String what) {
        return new UnderstudyException(ErrorCode.FRAME_MALFORMED, "malformed data-path frame: " + what);
    }

    @Override
    public String toString() {
        return (status == null ? "request" : "reply " + status) + " session=" + Long.toHexString(sessionId)
                + " seq=" + sequence + (hint == Hint.NONE ? "" : " hint=" + hint) + " payload=" + payload.remaining() + "B";
    }
}
