package io.understudy.transport.ib;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The wire of the tcp software fabric ({@link TcpVerbs}): one byte of type, then a body. {@code HELLO} (active
 * to passive, first): an unsigned byte of length and that many bytes of the requester's address in ASCII.
 * {@code ACCEPT}, {@code REJECT} (passive), {@code READY} (active, after its advertisements): no body.
 * {@code RECV}: a posted receive's length, a big-endian int. {@code SEND}: a big-endian int of length, then
 * the message. Anything else, a negative length, a length over {@value #MAX_MESSAGE} or an address that is
 * not printable ASCII is a {@link MalformedException} naming what was wrong; a stream ending early is an
 * {@link java.io.EOFException}.
 */
final class TcpVerbsWire {

    static final int HELLO = 1;
    static final int ACCEPT = 2;
    static final int REJECT = 3;
    static final int READY = 4;
    static final int RECV = 5;
    static final int SEND = 6;

    /** The longest message or receive the wire carries: 16 MiB. */
    static final int MAX_MESSAGE = 16 << 20;

    /** Malformed input on the fabric's wire. */
    static final class MalformedException extends IOException {
        MalformedException(String message) {
            super(message);
        }
    }

    private TcpVerbsWire() {
    }

    /** {@return the next message type, validated} */
    static int readType(DataInputStream in) throws IOException {
        int t = in.readUnsignedByte();
        if (t < HELLO || t > SEND) {
            throw new MalformedException("tcp software fabric: unknown message type " + t + " (expected 1 to 6)");
        }
        return t;
    }

    /** {@return the length that follows a RECV or SEND, validated} */
    static int readLength(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX_MESSAGE) {
            throw new MalformedException("tcp software fabric: length " + n + " is outside 0 to " + MAX_MESSAGE);
        }
        return n;
    }

    /** {@return the requester's address of a HELLO, which must come first} */
    static String readHello(DataInputStream in) throws IOException {
        int t = readType(in);
        if (t != HELLO) {
            throw new MalformedException("tcp software fabric: expected HELLO first, got message type " + t);
        }
        int n = in.readUnsignedByte();
        if (n == 0 || n > 64) {
            throw new MalformedException("tcp software fabric: HELLO address length " + n + " is outside 1 to 64");
        }
        byte[] b = new byte[n];
        in.readFully(b);
        for (byte c : b) {
            if (c < 0x21 || c > 0x7e) {
                throw new MalformedException("tcp software fabric: HELLO address has a byte 0x"
                        + Integer.toHexString(c & 0xff) + " that is not printable ASCII");
            }
        }
        return new String(b, StandardCharsets.US_ASCII);
    }

    static void writeHello(DataOutputStream o, String address) throws IOException {
        byte[] b = address.getBytes(StandardCharsets.US_ASCII);
        o.writeByte(HELLO);
        o.writeByte(b.length);
        o.write(b);
    }

    static void writeAccept(DataOutputStream o) throws IOException {
        o.writeByte(ACCEPT);
    }

    static void writeReject(DataOutputStream o) throws IOException {
        o.writeByte(REJECT);
    }

    static void writeReady(DataOutputStream o) throws IOException {
        o.writeByte(READY);
    }

    static void writeRecv(DataOutputStream o, int length) throws IOException {
        o.writeByte(RECV);
        o.writeInt(length);
    }

    static void writeSend(DataOutputStream o, ByteBuffer from, int offset, int length) throws IOException {
        o.writeByte(SEND);
        o.writeInt(length);
        byte[] chunk = new byte[Math.min(length, 64 * 1024)];
        for (int done = 0; done < length; ) {
            int n = Math.min(chunk.length, length - done);
            from.get(offset + done, chunk, 0, n);
            o.write(chunk, 0, n);
            done += n;
        }
    }

    /**
     * Decodes a whole stream as the passive side sees it (HELLO, then RECV / SEND / READY), for the fuzz
     * target and tests.
     *
     * @return how many messages were decoded before the input ended
     * @throws IOException a {@link MalformedException} or {@link java.io.EOFException} for bad input
     */
    static int decodeAll(DataInputStream in) throws IOException {
        readHello(in);
        int count = 1;
        while (in.available() > 0) {
            int t = readType(in);
            switch (t) {
                case RECV -> readLength(in);
                case SEND -> in.skipNBytes(readLength(in));
                case READY -> {
                }
                default -> throw new MalformedException("tcp software fabric: message type " + t + " after HELLO");
            }
            count++;
        }
        return count;
    }
}
