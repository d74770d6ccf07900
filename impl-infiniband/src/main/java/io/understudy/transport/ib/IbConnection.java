package io.understudy.transport.ib;

import io.understudy.api.DataAccessPort;
import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.spi.transport.Connection;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A connection over one reliable-connected queue pair.
 *
 * <p><b>Messages.</b> A frame is sent as one or more messages, each filling at most one registered buffer:
 * a {@value #HEADER}-byte header (see the {@code H_} offsets) and payload. The first message of a frame
 * carries the frame's length, so the receiver checks it against the maximum before allocating.
 *
 * <p><b>Credits.</b> Each side posts {@code depth} receives; a sender starts with {@code depth} credits and
 * spends one per message. A receive buffer is posted again once its message is copied out
 * (the poller copies it out at once, but holds buffers back while more than {@code max(maxFrameSize, 1 MiB)}
 * received bytes wait for the application, so a slow reader holds back its peer as a full TCP window would), and the count of buffers posted again
 * goes back to the peer in the header of the next message, or in a credit message once it reaches half the
 * depth. Data may not spend the last credit: it is kept for a credit message, so two peers that both wait
 * for credit can always tell each other. A send never meets a queue pair without a posted receive.
 *
 * <p><b>Threads.</b> A virtual thread per connection polls the completion queue; all state is guarded by
 * {@code lock}; whole frames are serialised by {@code frameLock}.
 */
final class IbConnection implements Connection {

    /** Message header: type, flags, reserved, credits returned, frame length (first message only). */
    static final int H_TYPE = 0;
    static final int H_FLAGS = 1;
    static final int H_CREDITS = 4;
    static final int H_FRAME_LENGTH = 8;
    static final int HEADER = 12;
    static final byte TYPE_DATA = 1;
    static final byte TYPE_CREDIT = 2;
    static final byte FLAG_FIRST = 1;
    static final byte FLAG_LAST = 2;
    private static final long SEND_TAG = 1L << 32;

    private final IbTransport transport;
    private final DataAccessPort port;
    private final Verbs.CompletionQueue cq;
    private final Verbs.QueuePair qp;
    private final Verbs.MemoryRegion recvMr;
    private final Verbs.MemoryRegion sendMr;
    private final int buf;
    private final int depth;
    private final int maxFrame;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ReentrantLock frameLock = new ReentrantLock();
    private final ArrayDeque<Integer> freeSendSlots = new ArrayDeque<>();
    /** Whole frames received and not yet taken by {@link #receive}. */
    private final ArrayDeque<ByteBuffer> inbound = new ArrayDeque<>();
    /** Receive buffers held back (not posted again) while too many bytes wait in {@code inbound}. */
    private final ArrayDeque<Integer> deferred = new ArrayDeque<>();
    /** Bytes in {@code inbound} and in the frame being assembled. */
    private long queuedBytes;
    /** How many received bytes may wait before receive buffers are held back: the peer then runs out of credit. */
    private final long queueLimit;
    /** A protocol error found by the poller, reported by receive once the frames before it are taken. */
    private UnderstudyException protocolError;
    private int credits;
    private int unreturned;
    private boolean closed;
    private boolean peerGone;
    private String failure;
    private ByteBuffer assembling;
    private String peer = "(connecting)";

    private IbConnection(IbTransport transport, Verbs.ProtectionDomain pd, DataAccessPort port) {
        this.transport = transport;
        this.port = port;
        this.buf = transport.bufferSize;
        this.depth = transport.receiveDepth;
        this.maxFrame = transport.maxFrameSize;
        int sendSlots = depth + 2;
        this.cq = pd.createCompletionQueue(depth + sendSlots);
        this.qp = pd.createQueuePair(cq);
        this.recvMr = pd.register(buf * depth);
        this.sendMr = pd.register(buf * sendSlots);
        for (int i = 0; i < sendSlots; i++) {
            freeSendSlots.add(i);
        }
        this.credits = depth;
        this.queueLimit = Math.max((long) maxFrame, 1L << 20);
    }

    /** Creates the queue pair and posts every receive; the caller connects or accepts, then {@link #start}s. */
    static IbConnection create(IbTransport transport, Verbs.ProtectionDomain pd, DataAccessPort port) {
        IbConnection c = new IbConnection(transport, pd, port);
        for (int i = 0; i < c.depth; i++) {
            c.qp.postReceive(i, c.recvMr, i * c.buf, c.buf);
        }
        return c;
    }

    Verbs.QueuePair qp() {
        return qp;
    }

    /** Starts the completion poller of a connected queue pair. */
    IbConnection start(String peerName) {
        this.peer = "ib " + peerName;
        Thread.ofVirtual().name("ib-cq " + port + " " + peerName).start(this::pollCompletions);
        return this;
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
        int length = frame.remaining();
        if (length > maxFrame) {
            throw new UnderstudyException(ErrorCode.FRAME_TOO_LARGE, "frame of " + length + " bytes is larger than this"
                    + " transport's maximum of " + maxFrame + " (option " + IbOptions.MAX_FRAME_SIZE.name() + "); nothing was sent");
        }
        frameLock.lock();
        try {
            boolean first = true;
            do {
                int chunk = Math.min(frame.remaining(), buf - HEADER);
                boolean last = chunk == frame.remaining();
                lock.lock();
                try {
                    // Data keeps the last credit for a credit message.
                    while (credits < 2 || freeSendSlots.isEmpty()) {
                        ensureUsable();
                        changed.awaitUninterruptibly();
                    }
                    ensureUsable();
                    int slot = freeSendSlots.poll();
                    ByteBuffer b = sendMr.buffer();
                    int at = slot * buf;
                    b.put(at + H_TYPE, TYPE_DATA);
                    b.put(at + H_FLAGS, (byte) ((first ? FLAG_FIRST : 0) | (last ? FLAG_LAST : 0)));
                    b.putInt(at + H_CREDITS, unreturned);
                    b.putInt(at + H_FRAME_LENGTH, first ? length : 0);
                    b.put(at + HEADER, frame, frame.position(), chunk);
                    frame.position(frame.position() + chunk);
                    unreturned = 0;
                    credits--;
                    qp.postSend(SEND_TAG | slot, sendMr, at, HEADER + chunk);
                } finally {
                    lock.unlock();
                }
                first = false;
            } while (frame.hasRemaining());
        } finally {
            frameLock.unlock();
        }
    }

    @Override
    public ByteBuffer receive(Duration timeout) {
        long deadline = timeout.isZero() ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (true) {
                if (closed) {
                    throw closedError();
                }
                ByteBuffer f = inbound.poll();
                if (f != null) {
                    queuedBytes -= f.remaining();
                    while (!deferred.isEmpty() && queuedBytes <= queueLimit) {
                        repost(deferred.poll());
                    }
                    return f;
                }
                if (protocolError != null) {
                    closeLocked();
                    throw protocolError;
                }
                if (failure != null) {
                    closeLocked();
                    throw new UnderstudyException(ErrorCode.TRANSPORT_IO, "connection " + peer + " failed: " + failure);
                }
                if (peerGone) {
                    closeLocked();
                    throw new UnderstudyException(ErrorCode.CLOSED, "the peer " + peer + " closed the connection");
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new UnderstudyException(ErrorCode.TIMEOUT, "no frame from " + peer + " within " + timeout.toMillis() + " ms");
                }
                if (deadline == Long.MAX_VALUE) {
                    changed.awaitUninterruptibly();
                } else {
                    try {
                        changed.awaitNanos(left);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new UnderstudyException(ErrorCode.CLOSED, "interrupted waiting for a frame from " + peer, e);
                    }
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Copies one message into the frame being assembled (poller, lock held) and posts its buffer again, unless
     * too many received bytes wait for the application; a whole frame joins {@code inbound}.
     */
    private void consume(int slot, int length) {
        ByteBuffer b = recvMr.buffer();
        int at = slot * buf;
        byte flags = b.get(at + H_FLAGS);
        int payload = length - HEADER;
        String malformed = null;
        if ((flags & FLAG_FIRST) != 0) {
            int frameLength = b.getInt(at + H_FRAME_LENGTH);
            if (assembling != null) {
                malformed = "a frame started before the previous one ended";
            } else if (frameLength < 0 || frameLength > maxFrame) {
                protocolError = new UnderstudyException(ErrorCode.FRAME_TOO_LARGE, "peer " + peer + " announced a frame of "
                        + frameLength + " bytes, over this transport's maximum of " + maxFrame + "; the connection is closed");
                return;
            } else {
                assembling = ByteBuffer.allocate(frameLength);
            }
        } else if (assembling == null) {
            malformed = "a continuation without a first message";
        }
        if (malformed == null && (payload < 0 || payload > assembling.remaining())) {
            malformed = "a message of " + payload + " payload bytes where " + assembling.remaining() + " remain of the frame";
        }
        if (malformed == null && (flags & FLAG_LAST) != 0 && payload != assembling.remaining()) {
            malformed = "a frame that ended " + (assembling.remaining() - payload) + " bytes short";
        }
        if (malformed != null) {
            protocolError = new UnderstudyException(ErrorCode.FRAME_MALFORMED, "peer " + peer + " sent " + malformed
                    + "; the connection is closed");
            return;
        }
        assembling.put(assembling.position(), b, at + HEADER, payload);
        assembling.position(assembling.position() + payload);
        queuedBytes += payload;
        if ((flags & FLAG_LAST) != 0) {
            inbound.add(assembling.flip());
            assembling = null;
        }
        if (queuedBytes <= queueLimit) {
            repost(slot);
        } else {
            deferred.add(slot);
        }
    }

    /** Posts a consumed receive buffer again and returns credit if enough has gathered; lock held. */
    private void repost(int slot) {
        if (closed || peerGone || failure != null || protocolError != null) {
            return;
        }
        qp.postReceive(slot, recvMr, slot * buf, buf);
        unreturned++;
        maybeReturnCredits();
    }

    /** Sends a credit message when half the depth is owed and a credit and a send buffer are free; lock held. */
    private void maybeReturnCredits() {
        if (unreturned < Math.max(1, depth / 2) || credits < 1 || freeSendSlots.isEmpty() || closed || peerGone || failure != null) {
            return;
        }
        int slot = freeSendSlots.poll();
        ByteBuffer b = sendMr.buffer();
        int at = slot * buf;
        b.put(at + H_TYPE, TYPE_CREDIT);
        b.put(at + H_FLAGS, (byte) 0);
        b.putInt(at + H_CREDITS, unreturned);
        b.putInt(at + H_FRAME_LENGTH, 0);
        unreturned = 0;
        credits--;
        qp.postSend(SEND_TAG | slot, sendMr, at, HEADER);
    }

    private void pollCompletions() {
        Verbs.WorkCompletion[] wcs = new Verbs.WorkCompletion[16];
        for (int i = 0; i < wcs.length; i++) {
            wcs[i] = new Verbs.WorkCompletion();
        }
        while (true) {
            int n = cq.poll(wcs);
            if (n == 0) {
                lock.lock();
                try {
                    if (closed || peerGone || failure != null || protocolError != null) {
                        return;
                    }
                } finally {
                    lock.unlock();
                }
                cq.await(TimeUnit.SECONDS.toNanos(1));
                continue;
            }
            lock.lock();
            try {
                for (int i = 0; i < n; i++) {
                    handle(wcs[i]);
                }
                maybeReturnCredits();
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** One completion; lock held. */
    private void handle(Verbs.WorkCompletion wc) {
        if (wc.opcode == Verbs.Opcode.SEND) {
            freeSendSlots.add((int) (wc.wrId & 0xffff_ffffL));
            if (wc.status == Verbs.Status.FLUSHED) {
                peerGone = true;
            } else if (wc.status != Verbs.Status.SUCCESS && !closed) {
                failure = "send completed with " + wc.status;
            }
            return;
        }
        int slot = (int) wc.wrId;
        if (wc.status == Verbs.Status.FLUSHED) {
            // The queue pair entered the error state: the peer disconnected (or we did).
            peerGone = true;
            return;
        }
        if (wc.status != Verbs.Status.SUCCESS) {
            failure = "receive completed with " + wc.status;
            return;
        }
        ByteBuffer b = recvMr.buffer();
        int at = slot * buf;
        if (wc.byteLength < HEADER) {
            failure = "a message of " + wc.byteLength + " bytes, shorter than the " + HEADER + "-byte header";
            return;
        }
        credits += b.getInt(at + H_CREDITS);
        if (protocolError != null) {
            return;
        } else if (b.get(at + H_TYPE) == TYPE_CREDIT) {
            repost(slot);
        } else {
            consume(slot, wc.byteLength);
        }
    }

    private void ensureUsable() {
        if (closed || peerGone) {
            throw closedError();
        }
        if (failure != null) {
            throw new UnderstudyException(ErrorCode.TRANSPORT_IO, "connection " + peer + " failed: " + failure);
        }
    }

    private UnderstudyException closedError() {
        return new UnderstudyException(ErrorCode.CLOSED, "the connection " + peer + " on data-access port " + port + " is closed");
    }

    @Override
    public boolean isOpen() {
        lock.lock();
        try {
            return !closed;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closeLocked();
        } finally {
            lock.unlock();
        }
    }

    private void closeLocked() {
        if (closed) {
            return;
        }
        closed = true;
        changed.signalAll();
        // Disconnecting flushes both sides' receives: the peer's poller sees FLUSHED and reports CLOSED.
        qp.disconnect();
        cq.close();
        // After the CQ (which destroys the queue pair): nothing can use the registered memory any more.
        recvMr.close();
        sendMr.close();
        transport.forget(this);
    }

    @Override
    public String toString() {
        return "ib connection " + port + " to " + peer + (closed ? " (closed)" : "");
    }
}
