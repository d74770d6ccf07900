package io.understudy.transport.vi;

import static io.understudy.transport.vi.ViConnectionDescriptor.DISCONNECTED_OFFSET;
import static io.understudy.transport.vi.ViConnectionDescriptor.ERROR_OFFSET;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A Virtual Interface: a send work queue and a receive work queue, connected to exactly one peer VI by
 * {@link ViNic#connectRequest} or {@link ConnectRequest#accept}. Descriptors posted to the send queue are
 * copied into the connection's ring; descriptors posted to the receive queue are filled, in order, by
 * arriving messages. Completions come back through {@link #sendDone()}/{@link #receiveDone()} (poll),
 * {@link #sendWait}/{@link #receiveWait} (wait), or the VI's completion queues.
 *
 * <p>What a message that finds no receive descriptor posted does depends on the {@link Reliability}: on
 * an unreliable VI it is dropped and counted ({@link #dropped()}); on a reliable VI the connection breaks:
 * both VIs enter {@link State#ERROR} and every posted descriptor completes with
 * {@link ViStatus#CONNECTION_LOST}. Errors in descriptors (memory not registered, a wrong protection tag,
 * a range outside the region, a transfer over the maximum) complete that descriptor with the error, and on
 * a reliable VI also break the connection, as the VI specification requires.
 *
 * <p>Progress is made by whoever polls or waits: there is no NIC processor in software. Thread-safe: the
 * send side and the receive side each have a lock.
 *
 * @since 0.1
 */
public final class Vi {

    /** The state of a VI. */
    public enum State {
        /** Created, not connected. */
        IDLE,
        /** Connected to a peer VI. */
        CONNECTED,
        /** The connection broke; descriptors complete with errors. Disconnect it. */
        ERROR,
        /** Disconnected, by this side or by the peer. */
        DISCONNECTED
    }

    private final ViNic nic;
    private final ViAttributes attributes;
    private final CompletionQueue sendCq;
    private final CompletionQueue receiveCq;
    private final CompletionQueue.Entry sendEntry = new CompletionQueue.Entry(this, false);
    private final CompletionQueue.Entry receiveEntry = new CompletionQueue.Entry(this, true);
    private final long maxParkNanos;

    private final ReentrantLock sendLock = new ReentrantLock();
    private final ReentrantLock receiveLock = new ReentrantLock();
    private final ArrayDeque<Descriptor> sendQueue = new ArrayDeque<>();
    private final ArrayDeque<Descriptor> sendInFlight = new ArrayDeque<>();
    private final ArrayDeque<Descriptor> sendCompleted = new ArrayDeque<>();
    private final ArrayDeque<Descriptor> receiveQueue = new ArrayDeque<>();
    private final ArrayDeque<Descriptor> receiveCompleted = new ArrayDeque<>();

    private volatile State state = State.IDLE;
    private volatile int errorStatus = ViStatus.SUCCESS;
    private ByteBuffer shared;
    private int side;
    private ViRing out;
    private ViRing in;
    private volatile String peerNic;
    private volatile int maxTransfer;
    private long posted;
    private volatile long dropped;
    private long nextLivenessCheck;
    private boolean locallyDisconnected;
    private volatile boolean wire; // the peer is across the wire fabric, whose bridge reports its death

    Vi(ViNic nic, ViAttributes attributes, CompletionQueue sendCq, CompletionQueue receiveCq, long maxParkNanos) {
        this.nic = nic;
        this.attributes = attributes;
        this.sendCq = sendCq;
        this.receiveCq = receiveCq;
        this.maxParkNanos = maxParkNanos;
        this.maxTransfer = attributes.maxTransferSize();
        if (sendCq != null) {
            sendCq.attach(this);
        }
        if (receiveCq != null && receiveCq != sendCq) {
            receiveCq.attach(this);
        }
    }

    /** {@return the attributes it was created with} */
    public ViAttributes attributes() {
        return attributes;
    }

    /** {@return its NIC} */
    public ViNic nic() {
        return nic;
    }

    /** {@return the state} */
    public State state() {
        return state;
    }

    /** {@return the status that put it in {@link State#ERROR}, or {@link ViStatus#SUCCESS}} */
    public int errorStatus() {
        return errorStatus;
    }

    /** {@return the peer's NIC address, or null before connecting} */
    public String peerNic() {
        return peerNic;
    }

    /** {@return the maximum transfer size agreed with the peer (its own before connecting)} */
    public int maxTransferSize() {
        return maxTransfer;
    }

    /** {@return messages dropped because no receive was posted (unreliable VIs only)} */
    public long dropped() {
        return dropped;
    }

    /**
     * {@return how many receive descriptors the peer has posted so far, cumulatively} The peer publishes
     * this in the connection's shared control block (as a NIC would tell its peer of receive credits);
     * a sender that has sent fewer messages than this knows a receive is waiting for the next one.
     */
    public long peerReceivesPosted() {
        ViRing r = out;
        return r == null ? 0 : r.posted();
    }

    // ---- posting ----

    /**
     * Posts a send descriptor ({@code VipPostSend}). The data is copied into the connection at once if
     * there is room, else when the queue is next polled.
     *
     * @param d the descriptor, not posted elsewhere
     * @return {@link ViStatus#SUCCESS}, or {@link ViStatus#INVALID_PARAMETER} if the VI is not connected
     *         (the descriptor is not taken). Errors in the descriptor itself are reported in its status.
     */
    public int postSend(Descriptor d) {
        sendLock.lock();
        try {
            State s = state;
            if (s == State.IDLE || s == State.DISCONNECTED) {
                return ViStatus.INVALID_PARAMETER;
            }
            d.posted();
            int problem = validate(d, maxTransfer);
            if (problem != ViStatus.SUCCESS) {
                completeSend(d, problem);
                if (attributes.reliability() != Reliability.UNRELIABLE) {
                    enterError(problem);
                }
                return ViStatus.SUCCESS;
            }
            sendQueue.add(d);
            pumpSend();
            return ViStatus.SUCCESS;
        } finally {
            sendLock.unlock();
        }
    }

    /**
     * Posts a receive descriptor ({@code VipPostRecv}). May be called before the VI connects, so that
     * the first message finds it.
     *
     * @param d the descriptor, not posted elsewhere
     * @return {@link ViStatus#SUCCESS}, or {@link ViStatus#INVALID_PARAMETER} if the VI is disconnected
     */
    public int postReceive(Descriptor d) {
        receiveLock.lock();
        try {
            if (state == State.DISCONNECTED) {
                return ViStatus.INVALID_PARAMETER;
            }
            d.posted();
            // A receive is checked against this VI's own maximum: a peer that agreed a smaller one
            // only ever sends less.
            int problem = validate(d, attributes.maxTransferSize());
            if (problem != ViStatus.SUCCESS) {
                completeReceive(d, problem, 0, 0);
                if (attributes.reliability() != Reliability.UNRELIABLE && state == State.CONNECTED) {
                    enterError(problem);
                }
                return ViStatus.SUCCESS;
            }
            if (state == State.ERROR) {
                completeReceive(d, errorStatus, 0, 0);
                return ViStatus.SUCCESS;
            }
            receiveQueue.add(d);
            posted++;
            if (in != null) {
                in.publishPosted(posted);
            }
            return ViStatus.SUCCESS;
        } finally {
            receiveLock.unlock();
        }
    }

    private int validate(Descriptor d, int limit) {
        int check = d.check(nic, attributes.protectionTag());
        if (check != ViStatus.SUCCESS) {
            return check;
        }
        long len = d.totalLength();
        return len < 0 || len > limit ? ViStatus.LENGTH_ERROR : ViStatus.SUCCESS;
    }

    // ---- completing ----

    /** {@return the oldest completed send descriptor, or null} ({@code VipSendDone}) */
    public Descriptor sendDone() {
        sendLock.lock();
        try {
            pumpSend();
            return sendCompleted.poll();
        } finally {
            sendLock.unlock();
        }
    }

    /** {@return the oldest completed receive descriptor, or null} ({@code VipRecvDone}) */
    public Descriptor receiveDone() {
        receiveLock.lock();
        try {
            pumpReceive();
            return receiveCompleted.poll();
        } finally {
            receiveLock.unlock();
        }
    }

    /**
     * Waits for a send to complete ({@code VipSendWait}).
     *
     * @param timeout how long; {@link Duration#ZERO} without limit
     * @return the descriptor, or null on timeout
     */
    public Descriptor sendWait(Duration timeout) {
        return await(timeout, false);
    }

    /**
     * Waits for a receive to complete ({@code VipRecvWait}).
     *
     * @param timeout how long; {@link Duration#ZERO} without limit
     * @return the descriptor, or null on timeout
     */
    public Descriptor receiveWait(Duration timeout) {
        return await(timeout, true);
    }

    private Descriptor await(Duration timeout, boolean receive) {
        long deadline = timeout.isZero() ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
        Idle idle = new Idle(maxParkNanos);
        idle.reset();
        while (true) {
            Descriptor d = receive ? receiveDone() : sendDone();
            if (d != null) {
                return d;
            }
            long now = System.nanoTime();
            if (now - deadline >= 0) {
                return null;
            }
            checkPeerAlive(now);
            idle.idle();
        }
    }

    /** Drives both rings: used by completion queues. */
    void progress() {
        if (sendLock.tryLock()) {
            try {
                pumpSend();
            } finally {
                sendLock.unlock();
            }
        }
        if (receiveLock.tryLock()) {
            try {
                pumpReceive();
            } finally {
                receiveLock.unlock();
            }
        }
        checkPeerAlive(System.nanoTime());
    }

    /**
     * Checks, at most every 100 ms, that the peer's NIC is still held by a live process; if not, the VI
     * breaks with {@link ViStatus#CONNECTION_LOST}. Waits call this; so may a caller that polls.
     *
     * @param now {@link System#nanoTime()}
     */
    void checkPeerAlive(long now) {
        if (wire || state != State.CONNECTED || now - nextLivenessCheck < 0) {
            return;
        }
        nextLivenessCheck = now + 100_000_000L;
        if (!nic.fabric().isAlive(peerNic)) {
            enterError(ViStatus.CONNECTION_LOST);
        }
    }

    // ---- disconnect ----

    /**
     * Disconnects ({@code VipDisconnect}): tells the peer, and completes every posted descriptor with
     * {@link ViStatus#FLUSHED}. Idempotent.
     */
    public void disconnect() {
        sendLock.lock();
        receiveLock.lock();
        try {
            if (locallyDisconnected) {
                return;
            }
            locallyDisconnected = true;
            if (shared != null) {
                ViRing.INT.setRelease(shared, DISCONNECTED_OFFSET + 4 * side, 1);
            }
            state = State.DISCONNECTED;
            flush(ViStatus.FLUSHED);
            shared = null;
            out = null;
            in = null;
        } finally {
            receiveLock.unlock();
            sendLock.unlock();
        }
        if (sendCq != null) {
            sendCq.detach(this);
        }
        if (receiveCq != null) {
            receiveCq.detach(this);
        }
        nic.forget(this);
    }

    // ---- internals ----

    /** Connects this VI to a connection image that a wire bridge mirrors to a remote host. */
    void bindWire(ByteBuffer image, int side, String peerNic, int agreedMaxTransfer, int capacity) {
        wire = true;
        bind(image, side, peerNic, agreedMaxTransfer, capacity);
    }

    /** Connects this VI to a mapped connection file, as {@code side}. */
    void bind(ByteBuffer shared, int side, String peerNic, int agreedMaxTransfer, int capacity) {
        sendLock.lock();
        receiveLock.lock();
        try {
            this.shared = shared;
            this.side = side;
            this.peerNic = peerNic;
            this.maxTransfer = agreedMaxTransfer;
            // Ring 0 carries client to server, ring 1 server to client.
            int outRing = side;
            int inRing = 1 - side;
            this.out = new ViRing(shared, ViConnectionDescriptor.ringHeader(outRing),
                    ViConnectionDescriptor.ringData(outRing, capacity), capacity, agreedMaxTransfer);
            this.in = new ViRing(shared, ViConnectionDescriptor.ringHeader(inRing),
                    ViConnectionDescriptor.ringData(inRing, capacity), capacity, agreedMaxTransfer);
            in.publishPosted(posted);
            state = State.CONNECTED;
            nextLivenessCheck = System.nanoTime() + 100_000_000L;
        } finally {
            receiveLock.unlock();
            sendLock.unlock();
        }
    }

    boolean isIdle() {
        return state == State.IDLE;
    }

    /** Test hook: the ring this VI sends on. */
    ViRing outRing() {
        return out;
    }

    private void pumpSend() {
        if (state == State.CONNECTED) {
            peerFlags();
        }
        if (state != State.CONNECTED) {
            flushSend(state == State.ERROR ? errorStatus : ViStatus.FLUSHED);
            return;
        }
        while (!sendQueue.isEmpty()) {
            Descriptor d = sendQueue.peek();
            int len = (int) d.totalLength();
            long end = out.offer(d, len);
            if (end < 0) {
                break;
            }
            sendQueue.poll();
            if (attributes.reliability() == Reliability.RELIABLE_RECEPTION) {
                d.recordEnd = end;
                d.complete(ViStatus.NOT_DONE, len, d.immediate());
                sendInFlight.add(d);
            } else {
                d.complete(ViStatus.SUCCESS, len, d.immediate());
                completedSend(d);
            }
        }
        if (!sendInFlight.isEmpty()) {
            long consumed = out.consumed();
            while (!sendInFlight.isEmpty() && sendInFlight.peek().recordEnd <= consumed) {
                Descriptor d = sendInFlight.poll();
                d.complete(ViStatus.SUCCESS);
                completedSend(d);
            }
        }
    }

    private void pumpReceive() {
        if (state == State.CONNECTED) {
            while (true) {
                int len = in.next();
                if (len == ViRing.EMPTY) {
                    break;
                }
                if (len == ViRing.CORRUPT) {
                    enterError(ViStatus.CONNECTION_LOST);
                    break;
                }
                Descriptor d = receiveQueue.peek();
                if (d == null) {
                    if (attributes.reliability() == Reliability.UNRELIABLE) {
                        in.advance(len);
                        dropped++;
                        continue;
                    }
                    enterError(ViStatus.CONNECTION_LOST);
                    break;
                }
                receiveQueue.poll();
                if (len > d.totalLength()) {
                    in.advance(len);
                    completeReceive(d, ViStatus.LENGTH_ERROR, 0, 0);
                    if (attributes.reliability() != Reliability.UNRELIABLE) {
                        enterError(ViStatus.LENGTH_ERROR);
                        break;
                    }
                    continue;
                }
                in.copyTo(d, len);
                int imm = in.immediate();
                in.advance(len);
                completeReceive(d, ViStatus.SUCCESS, len, imm);
            }
            if (state == State.CONNECTED) {
                peerFlags();
            }
        }
        if (state != State.CONNECTED && state != State.IDLE) {
            flushReceive(state == State.ERROR ? errorStatus : ViStatus.DISCONNECTED);
        }
    }

    /** Reads the peer's disconnect and error words. Only when our inbound ring is drained does a disconnect count. */
    private void peerFlags() {
        ByteBuffer s = shared;
        if (s == null) {
            return;
        }
        int peer = 1 - side;
        int err = (int) ViRing.INT.getAcquire(s, ERROR_OFFSET + 4 * peer);
        if (err != 0) {
            enterError(err);
            return;
        }
        if ((int) ViRing.INT.getAcquire(s, DISCONNECTED_OFFSET + 4 * peer) != 0 && in.next() == ViRing.EMPTY) {
            state = State.DISCONNECTED;
            errorStatus = ViStatus.DISCONNECTED;
        }
    }

    private void enterError(int status) {
        if (state == State.CONNECTED || state == State.IDLE) {
            errorStatus = status;
            state = State.ERROR;
            ByteBuffer s = shared;
            if (s != null) {
                ViRing.INT.setRelease(s, ERROR_OFFSET + 4 * side, status);
            }
        }
    }

    private void flush(int status) {
        flushSend(status);
        flushReceive(status);
    }

    private void flushSend(int status) {
        Descriptor d;
        while ((d = sendInFlight.poll()) != null) {
            completeSend(d, status);
        }
        while ((d = sendQueue.poll()) != null) {
            completeSend(d, status);
        }
    }

    private void flushReceive(int status) {
        Descriptor d;
        while ((d = receiveQueue.poll()) != null) {
            completeReceive(d, status, 0, 0);
        }
    }

    private void completeSend(Descriptor d, int status) {
        d.complete(status);
        completedSend(d);
    }

    private void completedSend(Descriptor d) {
        sendCompleted.add(d);
        if (sendCq != null) {
            sendCq.notify(sendEntry);
        }
    }

    private void completeReceive(Descriptor d, int status, int len, int imm) {
        d.complete(status, len, imm);
        receiveCompleted.add(d);
        if (receiveCq != null) {
            receiveCq.notify(receiveEntry);
        }
    }

    @Override
    public String toString() {
        return "VI on " + nic.address() + (peerNic == null ? "" : " to " + peerNic) + " (" + state
                + (state == State.ERROR ? " " + ViStatus.name(errorStatus) : "") + ", " + attributes.reliability() + ")";
    }
}
