package io.understudy.transport.vi;

import io.understudy.api.DataAccessPort;
import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.spi.transport.Connection;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A connection over one VI with reliable delivery. A frame travels as one or more fragments of at most
 * the maximum transfer size; the immediate data of each fragment carries {@link #FIRST} and {@link #LAST}
 * flags, and the first also the frame's total length, so the receiver allocates the frame once and checks
 * it against its maximum before taking any data.
 *
 * <p>Flow control is by credits: the receiver keeps {@code depth} receive descriptors posted and reposts
 * each as soon as its fragment is copied out; the sender sends only while it has sent fewer fragments
 * than the peer has posted receives ({@link Vi#peerReceivesPosted()}), so a reliable VI never meets a
 * message with no receive posted, and nothing is dropped. Sending copies the frame into registered memory
 * and allocates nothing.
 */
final class ViConnection implements Connection {
    static final int FIRST = 1 << 31;
    static final int LAST = 1 << 30;
    static final int LENGTH_MASK = (1 << 30) - 1;

    private final ViTransport transport;
    private final DataAccessPort port;
    private final String peer;
    private final Vi vi;
    private final int mtu;
    private final int maxFrame;
    private final long maxParkNanos;
    private final MemoryHandle sendMemory;
    private final MemoryHandle receiveMemory;
    private final ByteBuffer sendBuffer;
    private final ByteBuffer receiveBuffer;
    private final Descriptor sendDescriptor = new Descriptor(1);
    private final ReentrantLock sendLock = new ReentrantLock();
    private long sent;
    private long creditLimit;
    private ByteBuffer assembling;
    private volatile Thread receiver;
    private volatile boolean closed;

    ViConnection(ViTransport transport, DataAccessPort port, ViNic nic, String peer) {
        this.transport = transport;
        this.port = port;
        this.peer = peer;
        this.mtu = transport.maxTransfer();
        this.maxFrame = transport.maxFrameSize();
        this.maxParkNanos = nic.fabric().maxParkNanos();
        ProtectionTag tag = nic.createProtectionTag();
        this.vi = nic.createVi(new ViAttributes(Reliability.RELIABLE_DELIVERY, mtu, tag), null, null);
        int depth = transport.depth();
        this.sendBuffer = ByteBuffer.allocateDirect(mtu);
        this.receiveBuffer = ByteBuffer.allocateDirect(depth * mtu);
        this.sendMemory = nic.registerMemory(sendBuffer, tag);
        this.receiveMemory = nic.registerMemory(receiveBuffer, tag);
        for (int i = 0; i < depth; i++) {
            vi.postReceive(new Descriptor(1).segment(receiveMemory, i * mtu, mtu));
        }
    }

    Vi vi() {
        return vi;
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
        int total = frame.remaining();
        if (closed) {
            throw closed("send on");
        }
        if (total > maxFrame) {
            throw new UnderstudyException(ErrorCode.FRAME_TOO_LARGE, "frame of " + total + " bytes is over this vi transport's "
                    + "maximum of " + maxFrame + " bytes (" + ViOptions.MAX_FRAME_SIZE.name() + "); nothing was sent");
        }
        sendLock.lock();
        try {
            int agreed = vi.maxTransferSize();
            boolean first = true;
            do {
                int n = Math.min(agreed, frame.remaining());
                awaitCredit();
                sendBuffer.clear();
                sendBuffer.put(0, frame, frame.position(), n);
                frame.position(frame.position() + n);
                int imm = (first ? FIRST | total : 0) | (frame.hasRemaining() ? 0 : LAST);
                sendDescriptor.reset().segment(sendMemory, 0, n).immediate(imm);
                if (vi.postSend(sendDescriptor) != ViStatus.SUCCESS) {
                    throw broken("send on");
                }
                Descriptor d = awaitSendDone();
                if (d.status() != ViStatus.SUCCESS) {
                    throw broken("send on");
                }
                sent++;
                first = false;
            } while (frame.hasRemaining());
        } finally {
            sendLock.unlock();
        }
    }

    private void awaitCredit() {
        if (creditLimit - sent > 0) {
            return; // the peer's count was read before and still covers this fragment
        }
        Idle idle = null;
        while ((creditLimit = vi.peerReceivesPosted()) - sent <= 0) {
            if (closed) {
                throw closed("send on");
            }
            if (vi.state() != Vi.State.CONNECTED) {
                throw broken("send on");
            }
            vi.sendDone(); // drives the send queue and reads the peer's state
            vi.checkPeerAlive(System.nanoTime());
            if (idle == null) {
                idle = new Idle(maxParkNanos);
                idle.reset();
            }
            idle.idle();
        }
    }

    private Descriptor awaitSendDone() {
        Idle idle = null;
        while (true) {
            Descriptor d = vi.sendDone();
            if (d != null) {
                return d;
            }
            if (closed) {
                throw closed("send on");
            }
            vi.checkPeerAlive(System.nanoTime());
            if (idle == null) {
                idle = new Idle(maxParkNanos);
                idle.reset();
            }
            idle.idle();
        }
    }

    @Override
    public ByteBuffer receive(Duration timeout) {
        if (closed) {
            throw closed("receive on");
        }
        long deadline = timeout.isZero() ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
        Idle idle = new Idle(maxParkNanos);
        idle.reset();
        receiver = Thread.currentThread();
        try {
            while (true) {
                Descriptor d = vi.receiveDone();
                if (d != null) {
                    ByteBuffer frame = take(d);
                    if (frame != null) {
                        return frame;
                    }
                    idle.reset();
                    continue;
                }
                if (closed) {
                    throw closed("receive on");
                }
                long now = System.nanoTime();
                if (now - deadline >= 0) {
                    throw new UnderstudyException(ErrorCode.TIMEOUT, "no frame from " + peer + " within " + timeout.toMillis()
                            + " ms" + (assembling == null ? "" : " (" + assembling.position() + " bytes of the next frame arrived)"));
                }
                vi.checkPeerAlive(now);
                idle.idle();
            }
        } finally {
            receiver = null;
        }
    }

    /** {@return the frame this fragment completes, or null if more fragments are due} */
    private ByteBuffer take(Descriptor d) {
        int status = d.status();
        if (status != ViStatus.SUCCESS) {
            if (closed || status == ViStatus.FLUSHED) {
                throw closed("receive on");
            }
            if (status == ViStatus.DISCONNECTED) {
                close();
                throw new UnderstudyException(ErrorCode.CLOSED, "the peer " + peer + " closed the connection"
                        + (assembling == null ? "" : " in the middle of a frame (" + assembling.position() + " bytes of it arrived)"));
            }
            ErrorCode code = status == ViStatus.LENGTH_ERROR ? ErrorCode.FRAME_MALFORMED : ErrorCode.TRANSPORT_IO;
            close();
            throw new UnderstudyException(code, "the VI to " + peer + " broke (" + ViStatus.name(status) + "): the peer process died,"
                    + " or sent something impossible; the connection is closed");
        }
        int imm = d.immediate();
        int len = d.length();
        int slot = d.offset(0);
        if ((imm & FIRST) != 0) {
            int total = imm & LENGTH_MASK;
            if (assembling != null) {
                throw malformed("a new frame began after " + assembling.position() + " of " + assembling.capacity() + " bytes of the previous one");
            }
            if (total > maxFrame) {
                close();
                throw new UnderstudyException(ErrorCode.FRAME_TOO_LARGE, "the peer " + peer + " announced a frame of " + total
                        + " bytes, over this transport's maximum of " + maxFrame + " bytes; the connection is closed");
            }
            assembling = ByteBuffer.allocate(total);
        } else if (assembling == null) {
            throw malformed("a fragment arrived without the start of a frame");
        }
        if (len > assembling.remaining()) {
            throw malformed("a fragment of " + len + " bytes overruns the frame's announced " + assembling.capacity() + " bytes");
        }
        assembling.put(assembling.position(), receiveBuffer, slot, len);
        assembling.position(assembling.position() + len);
        vi.postReceive(d.reset().segment(receiveMemory, slot, mtu));
        if ((imm & LAST) == 0) {
            return null;
        }
        if (assembling.hasRemaining()) {
            throw malformed("the frame ended after " + assembling.position() + " of its announced " + assembling.capacity() + " bytes");
        }
        ByteBuffer f = assembling.flip();
        assembling = null;
        return f;
    }

    private UnderstudyException malformed(String what) {
        close();
        return new UnderstudyException(ErrorCode.FRAME_MALFORMED, "malformed frame from " + peer + ": " + what + "; the connection is closed");
    }

    private UnderstudyException closed(String what) {
        return new UnderstudyException(ErrorCode.CLOSED, what + " a closed vi connection to " + peer);
    }

    private UnderstudyException broken(String what) {
        Vi.State s = vi.state();
        int err = vi.errorStatus();
        close();
        if (s == Vi.State.DISCONNECTED) {
            return new UnderstudyException(ErrorCode.CLOSED, what + " a vi connection to " + peer + " that the peer closed");
        }
        return new UnderstudyException(ErrorCode.TRANSPORT_IO, what + " a broken vi connection to " + peer + " ("
                + ViStatus.name(err) + "): the peer process died or the connection failed; the connection is closed");
    }

    @Override
    public boolean isOpen() {
        if (closed) {
            return false;
        }
        Vi.State s = vi.state();
        return s == Vi.State.CONNECTED || s == Vi.State.IDLE;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        vi.disconnect();
        vi.nic().deregisterMemory(sendMemory);
        vi.nic().deregisterMemory(receiveMemory);
        Thread r = receiver;
        if (r != null) {
            LockSupport.unpark(r);
        }
        transport.forget(this);
    }

    @Override
    public String toString() {
        return "vi connection to " + peer + " on " + port + (closed ? " (closed)" : "");
    }
}
