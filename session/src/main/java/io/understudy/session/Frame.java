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
 * @since 0.1
 */
public record Frame(long sessionId, long sequence, Status status, ByteBuffer payload) {

    /** Validates the fields. */
    public Frame {
        Objects.requireNonNull(payload, "payload");
        payload = payload.asReadOnlyBuffer();
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
        return new Frame(session, seq, status, b.position(HEADER_LENGTH).slice());
    }

    private static UnderstudyException malformed(String what) {
        return new UnderstudyException(ErrorCode.FRAME_MALFORMED, "malformed data-path frame: " + what);
    }

    @Override
    public String toString() {
        return (status == null ? "request" : "reply " + status) + " session=" + Long.toHexString(sessionId)
                + " seq=" + sequence + " payload=" + payload.remaining() + "B";
    }
}
