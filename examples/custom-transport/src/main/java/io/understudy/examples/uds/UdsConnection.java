package io.understudy.examples.uds;

import io.understudy.api.DataAccessPort;
import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.spi.transport.Connection;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One Unix-domain connection carrying frames: a 4-byte big-endian payload length, then the payload.
 *
 * <p>Unix-domain channels have no socket adaptor and so no read timeout; this connection keeps its
 * channel non-blocking and waits on a selector, one for reading and one for writing, so receive and send
 * can wait at the same time. {@link #close()} closes the selectors too, which wakes any waiter. A receive
 * that times out keeps what it read of the next frame, so the connection stays usable.
 */
final class UdsConnection implements Connection {

    private final UdsTransport transport;
    private final DataAccessPort port;
    private final SocketChannel channel;
    private final String peer;
    private final int maxFrameSize;
    private final Selector readable;
    private final Selector writable;

    private final ReentrantLock sendLock = new ReentrantLock();
    private final ByteBuffer sendHeader = ByteBuffer.allocate(Integer.BYTES);
    private final ByteBuffer[] sendVector = {sendHeader, null};

    private final ReentrantLock receiveLock = new ReentrantLock();
    private final ByteBuffer header = ByteBuffer.allocate(Integer.BYTES);
    private ByteBuffer body;

    private volatile boolean closed;

    UdsConnection(UdsTransport transport, DataAccessPort port, SocketChannel channel, String peer) throws IOException {
        this.transport = transport;
        this.port = port;
        this.channel = channel;
        this.peer = peer;
        this.maxFrameSize = transport.maxFrameSize();
        channel.configureBlocking(false);
        this.readable = Selector.open();
        this.writable = Selector.open();
        channel.register(readable, SelectionKey.OP_READ);
        channel.register(writable, SelectionKey.OP_WRITE);
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
        if (frame.remaining() > maxFrameSize) {
            throw new UnderstudyException(ErrorCode.FRAME_TOO_LARGE, "a frame of " + frame.remaining() + " bytes exceeds the"
                    + " maximum of " + maxFrameSize + " (" + UdsOptions.MAX_FRAME_SIZE.name() + "); nothing was sent");
        }
        sendLock.lock();
        try {
            ensureOpen();
            sendHeader.clear().putInt(frame.remaining()).flip();
            sendVector[1] = frame;
            while (sendHeader.hasRemaining() || frame.hasRemaining()) {
                if (channel.write(sendVector) == 0) {
                    writable.select();
                    writable.selectedKeys().clear();
                    ensureOpen();
                }
            }
        } catch (IOException | ClosedSelectorException e) {
            throw fail(e);
        } finally {
            sendVector[1] = null;
            sendLock.unlock();
        }
    }

    @Override
    public ByteBuffer receive(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("receive timeout must not be negative, got " + timeout);
        }
        receiveLock.lock();
        try {
            ensureOpen();
            long deadline = timeout.isZero() ? 0 : System.nanoTime() + UdsTransport.nanos(timeout);
            fill(header, deadline, timeout);
            if (body == null) {
                int length = header.getInt(0);
                if (length < 0 || length > maxFrameSize) {
                    close();
                    throw new UnderstudyException(length < 0 ? ErrorCode.FRAME_MALFORMED : ErrorCode.FRAME_TOO_LARGE,
                            "peer " + peer + " sent a frame header claiming " + length + " bytes; the maximum is "
                                    + maxFrameSize + "; the connection is closed");
                }
                body = ByteBuffer.allocate(length);
            }
            fill(body, deadline, timeout);
            ByteBuffer frame = body.flip();
            body = null;
            header.clear();
            return frame;
        } catch (IOException | ClosedSelectorException e) {
            throw fail(e);
        } finally {
            receiveLock.unlock();
        }
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    @Override
    public void close() {
        closed = true;
        UdsTransport.close(channel);
        UdsTransport.close(readable); // wakes a receive waiting in select
        UdsTransport.close(writable);
        transport.forget(this);
    }

    @Override
    public String toString() {
        return "uds connection " + port + " with " + peer + (closed ? " (closed)" : "");
    }

    /** Reads until {@code b} is full, waiting for data until the deadline (0: without limit). */
    private void fill(ByteBuffer b, long deadline, Duration timeout) throws IOException {
        while (b.hasRemaining()) {
            int n = channel.read(b);
            if (n > 0) {
                continue;
            }
            if (n < 0) {
                close();
                if (header.position() == 0) {
                    throw new UnderstudyException(ErrorCode.CLOSED, "peer " + peer + " closed the connection on " + port);
                }
                throw new UnderstudyException(ErrorCode.FRAME_MALFORMED, "peer " + peer + " closed the connection in the"
                        + " middle of a frame; the frame is truncated and the connection is closed");
            }
            long waitMs = 0;
            if (deadline != 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new UnderstudyException(ErrorCode.TIMEOUT, "no frame from " + peer + " within "
                            + timeout.toMillis() + " ms; the connection stays open");
                }
                waitMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(left));
            }
            readable.select(waitMs);
            readable.selectedKeys().clear();
            ensureOpen();
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new UnderstudyException(ErrorCode.CLOSED, "the connection on " + port + " with " + peer + " is closed");
        }
    }

    private UnderstudyException fail(Exception e) {
        boolean closedHere = closed;
        close();
        if (closedHere || e instanceof ClosedSelectorException) {
            return new UnderstudyException(ErrorCode.CLOSED, "the connection on " + port + " with " + peer + " is closed", e);
        }
        String m = String.valueOf(e.getMessage());
        if (m.contains("Broken pipe") || m.contains("reset")) {
            return new UnderstudyException(ErrorCode.CLOSED, "peer " + peer + " dropped the connection (" + m + ")", e);
        }
        return new UnderstudyException(ErrorCode.TRANSPORT_IO, "I/O with " + peer + " on " + port + " failed: " + e, e);
    }
}
