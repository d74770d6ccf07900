package io.understudy.transport.tcp;

import io.understudy.api.DataAccessPort;
import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.spi.transport.Connection;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.SSLSocket;

/**
 * One TCP connection carrying frames: a 4-byte big-endian payload length ({@link #HEADER_LENGTH}), then
 * the payload.
 *
 * <p>Sending gathers the reused header buffer and the caller's frame into one write under a lock, so
 * concurrent senders never interleave. Receiving reads through the channel's socket adaptor, the one
 * blocking read with a timeout that NIO offers; the decoder's state (header bytes so far, the frame being
 * filled) lives in fields, so a timeout in the middle of a frame loses nothing and the next call resumes.
 * A header is checked against the maximum before its buffer is allocated.
 *
 * <p>With TLS ({@code tcp.tls: on}) the same frames travel inside TLS records: reads go through the
 * {@link SSLSocket} layered over the channel's socket, and a send copies the header and up to
 * {@value #TLS_CHUNK} payload bytes into one buffer, so a small frame costs one TLS record, not two.
 * Closing still closes the channel, without a {@code close_notify} (a close never waits on the peer); a
 * frame cut short is detected by its length prefix all the same.
 */
final class TcpConnection implements Connection {

    /** Bytes in a frame header: the payload length as a big-endian signed 32-bit integer. */
    static final int HEADER_LENGTH = 4;

    /** Payload bytes per TLS write: the largest TLS record's plaintext. */
    static final int TLS_CHUNK = 16 * 1024;

    private final TcpTransport transport;
    private final DataAccessPort port;
    private final SocketChannel channel;
    private final Socket socket;
    private final InputStream in;
    /** The TLS socket's output, or null for plain TCP (which writes to the channel). */
    private final OutputStream tlsOut;
    private final byte[] tlsSendBuffer;
    private final String peer;
    private final int maxFrameSize;

    private final ReentrantLock sendLock = new ReentrantLock();
    private final ByteBuffer sendHeader = ByteBuffer.allocate(HEADER_LENGTH);
    private final ByteBuffer[] sendVector = {sendHeader, null};

    /** Bytes read ahead from the socket at most per read. */
    static final int RECEIVE_BUFFER = 64 * 1024;

    private final ReentrantLock receiveLock = new ReentrantLock();
    private final byte[] header = new byte[HEADER_LENGTH];
    private int headerFill;
    private ByteBuffer body;

    private volatile boolean closed;

    TcpConnection(TcpTransport transport, DataAccessPort port, SocketChannel channel, String peer) throws IOException {
        this(transport, port, channel, peer, null);
    }

    /** A connection over {@code channel}, or over {@code tls} layered on it when not null (handshake done). */
    TcpConnection(TcpTransport transport, DataAccessPort port, SocketChannel channel, String peer, SSLSocket tls) throws IOException {
        this.transport = transport;
        this.port = port;
        this.channel = channel;
        this.socket = tls != null ? tls : channel.socket();
        // Buffered: a small frame's header and payload come in with one read system call, not two; bytes
        // read ahead stay in the buffer across a receive timeout, so the resumable decoder is unchanged.
        this.in = new BufferedInputStream(socket.getInputStream(), RECEIVE_BUFFER);
        this.tlsOut = tls != null ? tls.getOutputStream() : null;
        this.tlsSendBuffer = tls != null ? new byte[HEADER_LENGTH + TLS_CHUNK] : null;
        this.peer = peer;
        this.maxFrameSize = transport.maxFrameSize();
    }

    @Override
    public DataAccessPort port() {
        return port;
    }

    @Override
    public String peer() {
        return peer;
    }

    @Override
    public void send(ByteBuffer frame) {
        Objects.requireNonNull(frame, "frame");
        int length = frame.remaining();
        if (length > maxFrameSize) {
            throw new UnderstudyException(ErrorCode.FRAME_TOO_LARGE, "a frame of " + length + " bytes to " + peer
                    + " exceeds the maximum of " + maxFrameSize + " bytes (" + TcpOptions.MAX_FRAME_SIZE.name()
                    + "); nothing was sent and the connection stays open");
        }
        sendLock.lock();
        try {
            if (closed) {
                throw closedError(null);
            }
            if (tlsOut != null) {
                sendTls(frame, length);
                return;
            }
            sendHeader.clear();
            sendHeader.putInt(length).flip();
            sendVector[1] = frame;
            // A blocking gathering write may still return early; loop until both buffers are drained.
            while (frame.hasRemaining() || sendHeader.hasRemaining()) {
                channel.write(sendVector);
            }
        } catch (IOException e) {
            // Part of a frame may be on the wire: the stream cannot be resynchronised, so fail() closes.
            throw fail(e, "sending to");
        } finally {
            sendVector[1] = null;
            sendLock.unlock();
        }
    }

    /** Writes the header and the payload in chunks of at most one TLS record each; called under the send lock. */
    private void sendTls(ByteBuffer frame, int length) throws IOException {
        byte[] b = tlsSendBuffer;
        b[0] = (byte) (length >>> 24);
        b[1] = (byte) (length >>> 16);
        b[2] = (byte) (length >>> 8);
        b[3] = (byte) length;
        int fill = HEADER_LENGTH;
        do {
            int n = Math.min(frame.remaining(), b.length - fill);
            frame.get(b, fill, n);
            tlsOut.write(b, 0, fill + n);
            fill = 0;
        } while (frame.hasRemaining());
    }

    @Override
    public ByteBuffer receive(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("receive timeout must not be negative, got " + timeout);
        }
        receiveLock.lock();
        try {
            if (closed) {
                throw closedError(null);
            }
            long deadline = deadline(timeout);
            while (headerFill < HEADER_LENGTH) {
                headerFill += read(header, headerFill, HEADER_LENGTH - headerFill, deadline, timeout);
            }
            if (body == null) {
                body = ByteBuffer.allocate(checkedLength());
            }
            while (body.hasRemaining()) {
                int n = read(body.array(), body.position(), body.remaining(), deadline, timeout);
                body.position(body.position() + n);
            }
            ByteBuffer frame = body.flip();
            body = null;
            headerFill = 0;
            return frame;
        } finally {
            receiveLock.unlock();
        }
    }

    @Override
    public boolean isOpen() {
        return !closed && channel.isOpen();
    }

    @Override
    public void close() {
        closed = true;
        // Closing the channel signals a thread blocked in read or write; it then sees `closed`.
        TcpTransport.closeQuietly(channel);
        transport.forget(this);
    }

    @Override
    public String toString() {
        return "tcp connection " + port + " with " + peer + (closed ? " (closed)" : "");
    }

    /** Validates the complete header; on a bad one closes the connection without allocating. */
    private int checkedLength() {
        int length = ((header[0] & 0xff) << 24) | ((header[1] & 0xff) << 16) | ((header[2] & 0xff) << 8) | (header[3] & 0xff);
        if (length < 0) {
            close();
            throw new UnderstudyException(ErrorCode.FRAME_MALFORMED, "peer " + peer + " on " + port
                    + " sent a frame header claiming a negative length " + length + String.format(" (0x%08x)", length)
                    + "; it is not speaking Understudy frames or the stream is corrupt; the connection is closed");
        }
        if (length > maxFrameSize) {
            close();
            throw new UnderstudyException(ErrorCode.FRAME_TOO_LARGE, "peer " + peer + " on " + port
                    + " sent a frame header claiming " + length + " bytes, more than the maximum of " + maxFrameSize + " ("
                    + TcpOptions.MAX_FRAME_SIZE.name() + "); the connection is closed without reading it");
        }
        return length;
    }

    /** Reads at least one byte before the deadline; end of stream and errors close the connection. */
    private int read(byte[] b, int off, int len, long deadline, Duration timeout) {
        int n;
        try {
            int soTimeout = 0;
            if (deadline != Long.MIN_VALUE) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw timeoutError(timeout);
                }
                soTimeout = TcpTransport.millis(Duration.ofNanos(left));
            }
            socket.setSoTimeout(soTimeout);
            n = in.read(b, off, len);
        } catch (SocketTimeoutException e) {
            // Nothing was consumed by the read that timed out: the connection stays usable.
            throw timeoutError(timeout);
        } catch (IOException e) {
            throw fail(e, "receiving from");
        }
        if (n < 0) {
            close();
            if (headerFill == 0) {
                throw new UnderstudyException(ErrorCode.CLOSED, "peer " + peer + " closed the connection on " + port);
            }
            String got = body == null ? headerFill + " of " + HEADER_LENGTH + " header bytes"
                    : body.position() + " of " + body.capacity() + " payload bytes";
            throw new UnderstudyException(ErrorCode.FRAME_MALFORMED, "peer " + peer + " closed the connection on " + port
                    + " in the middle of a frame, after " + got + "; the frame is truncated and the connection is closed");
        }
        return n;
    }

    /** {@return the System.nanoTime() deadline, or Long.MIN_VALUE for none} */
    private static long deadline(Duration timeout) {
        if (timeout.isZero()) {
            return Long.MIN_VALUE;
        }
        // Socket timeouts are enforced by the kernel in real time, so they are measured in real time too,
        // not on the context clock (a manual clock would never let them expire).
        try {
            return System.nanoTime() + timeout.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MIN_VALUE;
        }
    }

    private UnderstudyException timeoutError(Duration timeout) {
        String partial = headerFill == 0 ? "" : " (" + (body == null ? headerFill : HEADER_LENGTH + body.position())
                + " bytes of the next frame have arrived and are kept)";
        return new UnderstudyException(ErrorCode.TIMEOUT, "no frame from " + peer + " on " + port + " within "
                + timeout.toMillis() + " ms" + partial + "; the connection stays open");
    }

    private UnderstudyException closedError(Throwable cause) {
        return new UnderstudyException(ErrorCode.CLOSED, "the connection on " + port + " with " + peer
                + " is closed; connect again", cause);
    }

    /** Maps an I/O failure and closes the connection: after one, the frame stream cannot be trusted. */
    private UnderstudyException fail(IOException e, String doing) {
        boolean closedHere = closed;
        close();
        if (closedHere) {
            return closedError(e);
        }
        if (e instanceof ClosedByInterruptException) {
            return new UnderstudyException(ErrorCode.CLOSED, doing + " " + peer + " on " + port
                    + " was interrupted; the JDK closes a channel whose thread is interrupted", e);
        }
        String m = String.valueOf(e.getMessage());
        if (m.contains("reset") || m.contains("Broken pipe")) {
            return new UnderstudyException(ErrorCode.CLOSED, "peer " + peer + " on " + port + " dropped the connection ("
                    + m + "); connect again", e);
        }
        return new UnderstudyException(ErrorCode.TRANSPORT_IO, doing + " " + peer + " on " + port + " failed: " + e
                + "; the connection is closed", e);
    }
}
