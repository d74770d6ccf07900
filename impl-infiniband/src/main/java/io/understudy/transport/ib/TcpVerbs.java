package io.understudy.transport.ib;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The software verbs over TCP, between processes: the same queue-pair, completion-queue and memory-registration
 * rules as {@link SoftwareVerbs} (see {@link Verbs}), with one TCP connection per queue pair. A listener on RDMA
 * CM port {@code n} at an IP address is a TCP listener on port {@code n} at that address; GIDs are refused
 * (there is no subnet manager to resolve them to a host).
 *
 * <p>The rules are kept exactly because each receive is advertised: posting a receive sends its length to the
 * peer ({@link TcpVerbsWire#RECV}), in order. A send consumes the oldest advertisement locally, so a send with
 * none is {@link Status#RNR_RETRY_EXCEEDED} at once, as with {@code rnr_retry_count = 0}; a send longer than
 * the advertised receive still travels (the receiver completes its receive with
 * {@link Status#LOCAL_LENGTH_ERROR}) and completes {@link Status#REMOTE_ERROR}. Errors and disconnect close the
 * socket; the peer's reader sees the end of the stream, so a peer process that dies moves the queue pair to
 * the error state and flushes its posted receives just as a disconnect does.
 *
 * <p>Locks: the reader places bytes under the queue pair's state lock and never writes; writers hold the
 * write lock, then briefly the state lock, never the other way round.
 */
final class TcpVerbs implements Verbs {

    private static final AtomicInteger KEYS = new AtomicInteger(0x10000);

    @Override
    public String implementation() {
        return "software";
    }

    @Override
    public ProtectionDomain allocateDomain(String bindAddress) {
        return new Domain(ip(bindAddress, "bind address"));
    }

    /** {@return the IP literal, or INVALID_CONFIGURATION naming why a GID or name is refused} */
    static InetAddress ip(String address, String what) {
        String a = address.trim();
        if (a.matches("[0-9a-fA-F]{4}(:[0-9a-fA-F]{4}){7}")) {
            throw new UnderstudyException(ErrorCode.INVALID_CONFIGURATION, what + " '" + address + "' is a GID; the tcp software"
                    + " fabric (ib.fabric: tcp) reaches IP addresses only, as it has no subnet manager to map a GID to a host."
                    + " Use an IP address, or ib.fabric: jvm");
        }
        try {
            return InetAddress.ofLiteral(a);
        } catch (IllegalArgumentException e) {
            throw new UnderstudyException(ErrorCode.INVALID_CONFIGURATION, what + " '" + address + "' is not an IP address"
                    + " literal (the tcp software fabric reaches IP addresses only)", e);
        }
    }

    final class Domain implements ProtectionDomain {
        final InetAddress address;
        private final Set<Listener> listeners = ConcurrentHashMap.newKeySet();
        private final Set<Qp> qps = ConcurrentHashMap.newKeySet();
        private volatile boolean closed;

        Domain(InetAddress address) {
            this.address = address;
        }

        @Override
        public MemoryRegion register(int length) {
            return new Mr(this, ByteBuffer.allocateDirect(length), KEYS.incrementAndGet());
        }

        @Override
        public CompletionQueue createCompletionQueue(int depth) {
            return new SoftwareVerbs.SoftCq();
        }

        @Override
        public QueuePair createQueuePair(CompletionQueue cq) {
            Qp qp = new Qp(this, (SoftwareVerbs.SoftCq) cq);
            qps.add(qp);
            return qp;
        }

        @Override
        public CmListener listen(int port) {
            if (closed) {
                throw new UnderstudyException(ErrorCode.CLOSED, "the protection domain is closed");
            }
            ServerSocket ss;
            try {
                ss = new ServerSocket();
                ss.setReuseAddress(true);
            } catch (IOException e) {
                throw new UnderstudyException(ErrorCode.TRANSPORT_IO, "cannot open a TCP listener: " + e.getMessage(), e);
            }
            try {
                ss.bind(new InetSocketAddress(address, port), 64);
            } catch (IOException e) {
                closeQuietly(ss);
                if (e instanceof BindException) {
                    throw new UnderstudyException(ErrorCode.PORT_IN_USE, "RDMA CM port " + port + " at " + address.getHostAddress()
                            + " is already bound (tcp software fabric): " + e.getMessage(), e);
                }
                throw new UnderstudyException(ErrorCode.TRANSPORT_IO, "cannot listen on " + address.getHostAddress() + ":" + port
                        + ": " + e.getMessage(), e);
            }
            Listener l = new Listener(this, ss, address.getHostAddress() + ":" + port);
            listeners.add(l);
            return l;
        }

        @Override
        public void close() {
            closed = true;
            for (Listener l : new ArrayList<>(listeners)) {
                l.close();
            }
            for (Qp qp : new ArrayList<>(qps)) {
                qp.disconnect();
            }
        }
    }

    record Mr(Domain pd, ByteBuffer buffer, int lkey) implements MemoryRegion {
    }

    private enum State { RESET, CONNECTED, ERROR }

    private record Posted(long wrId, Mr mr, int offset, int length) {
    }

    final class Qp implements QueuePair {
        private final Domain pd;
        private final SoftwareVerbs.SoftCq cq;
        private final ReentrantLock writeLock = new ReentrantLock();
        private final ArrayDeque<Posted> receives = new ArrayDeque<>();
        /** Lengths of the receives the peer advertised and no send has consumed yet. */
        private final ArrayDeque<Integer> remoteReceives = new ArrayDeque<>();
        private State state = State.RESET;
        private Socket socket;
        private DataOutputStream out;
        private String peerName = "(not connected)";

        Qp(Domain pd, SoftwareVerbs.SoftCq cq) {
            this.pd = pd;
            this.cq = cq;
        }

        private boolean valid(MemoryRegion mr, int offset, int length) {
            return mr instanceof Mr m && m.pd == pd && offset >= 0 && length >= 0 && offset <= m.buffer.capacity() - length;
        }

        @Override
        public void postReceive(long wrId, MemoryRegion mr, int offset, int length) {
            if (!valid(mr, offset, length)) {
                cq.push(wrId, Opcode.RECEIVE, Status.LOCAL_PROTECTION_ERROR, 0);
                disconnect();
                return;
            }
            writeLock.lock();
            try {
                DataOutputStream o;
                synchronized (this) {
                    if (state == State.ERROR) {
                        o = null;
                    } else {
                        receives.add(new Posted(wrId, (Mr) mr, offset, length));
                        o = state == State.CONNECTED ? out : null;
                        if (o == null) {
                            return; // advertised when the connection is established
                        }
                    }
                }
                if (o == null) {
                    cq.push(wrId, Opcode.RECEIVE, Status.FLUSHED, 0);
                    return;
                }
                try {
                    TcpVerbsWire.writeRecv(o, length);
                    o.flush();
                } catch (IOException e) {
                    toError();
                }
            } finally {
                writeLock.unlock();
            }
        }

        @Override
        public void postSend(long wrId, MemoryRegion mr, int offset, int length) {
            Status outcome;
            writeLock.lock();
            try {
                DataOutputStream o;
                Integer room;
                synchronized (this) {
                    if (state == State.RESET) {
                        throw new IllegalStateException("postSend on a queue pair that is not connected");
                    }
                    o = state == State.CONNECTED ? out : null;
                    room = o == null ? null : remoteReceives.poll();
                }
                if (!valid(mr, offset, length)) {
                    outcome = Status.LOCAL_PROTECTION_ERROR;
                } else if (o == null) {
                    outcome = Status.FLUSHED;
                } else if (room == null) {
                    outcome = Status.RNR_RETRY_EXCEEDED;
                } else {
                    try {
                        // Sent even when too long: the receiver then completes its receive with a length error.
                        TcpVerbsWire.writeSend(o, ((Mr) mr).buffer, offset, length);
                        o.flush();
                        outcome = room >= length ? Status.SUCCESS : Status.REMOTE_ERROR;
                    } catch (IOException e) {
                        outcome = Status.REMOTE_ERROR;
                    }
                }
            } finally {
                writeLock.unlock();
            }
            cq.push(wrId, Opcode.SEND, outcome, outcome == Status.SUCCESS ? length : 0);
            if (outcome != Status.SUCCESS) {
                disconnect();
            }
        }

        @Override
        public void connect(String address, int port, long nanos) {
            InetAddress ip;
            try {
                ip = ip(address, "address");
            } catch (UnderstudyException e) {
                throw new UnderstudyException(ErrorCode.CONNECTION_REFUSED, e.getMessage(), e);
            }
            String where = ip.getHostAddress() + ":" + port;
            long deadline = System.nanoTime() + nanos;
            Socket s = new Socket();
            try {
                s.setTcpNoDelay(true);
                s.connect(new InetSocketAddress(ip, port), millis(nanos));
                DataOutputStream o = new DataOutputStream(new java.io.BufferedOutputStream(s.getOutputStream(), 64 * 1024));
                TcpVerbsWire.writeHello(o, pd.address.getHostAddress());
                o.flush();
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new SocketTimeoutException();
                }
                s.setSoTimeout(millis(left));
                DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(s.getInputStream(), 64 * 1024));
                ArrayDeque<Integer> advertised = new ArrayDeque<>();
                while (true) {
                    int type = TcpVerbsWire.readType(in);
                    if (type == TcpVerbsWire.RECV) {
                        advertised.add(TcpVerbsWire.readLength(in));
                    } else if (type == TcpVerbsWire.ACCEPT) {
                        break;
                    } else if (type == TcpVerbsWire.REJECT) {
                        throw new UnderstudyException(ErrorCode.CONNECTION_REFUSED, "the RDMA CM listener at " + where
                                + " rejected the connection (tcp software fabric)");
                    } else {
                        throw new IOException("protocol error: expected ACCEPT or REJECT, got message type " + type);
                    }
                }
                s.setSoTimeout(0);
                establish(s, o, where, advertised, true);
                startReader(in, where);
            } catch (SocketTimeoutException e) {
                closeQuietly(s);
                throw new UnderstudyException(ErrorCode.TIMEOUT, "the RDMA CM listener at " + where + " did not accept within "
                        + nanos / 1_000_000 + " ms", e);
            } catch (EOFException e) {
                closeQuietly(s);
                throw new UnderstudyException(ErrorCode.CONNECTION_REFUSED, "the RDMA CM listener at " + where
                        + " closed or rejected the connection (REJECTED)", e);
            } catch (IOException e) {
                closeQuietly(s);
                throw new UnderstudyException(ErrorCode.CONNECTION_REFUSED, "no RDMA CM listener on port " + port + " at "
                        + ip.getHostAddress() + " (tcp software fabric: " + e.getMessage() + ")", e);
            } catch (UnderstudyException e) {
                closeQuietly(s);
                throw e;
            }
        }

        /**
         * Moves to CONNECTED with the peer's advertised receives, advertises the receives posted so far and ends
         * with READY (active side) or ACCEPT (passive side).
         */
        void establish(Socket s, DataOutputStream o, String name, ArrayDeque<Integer> advertised, boolean active)
                throws IOException {
            writeLock.lock();
            try {
                ArrayList<Posted> posted;
                synchronized (this) {
                    if (state != State.RESET) {
                        throw new IOException("queue pair is not in the reset state");
                    }
                    socket = s;
                    out = o;
                    peerName = name;
                    state = State.CONNECTED;
                    remoteReceives.addAll(advertised);
                    posted = new ArrayList<>(receives);
                }
                for (Posted p : posted) {
                    TcpVerbsWire.writeRecv(o, p.length);
                }
                if (active) {
                    TcpVerbsWire.writeReady(o);
                } else {
                    TcpVerbsWire.writeAccept(o);
                }
                o.flush();
            } finally {
                writeLock.unlock();
            }
        }

        void startReader(DataInputStream in, String name) {
            Thread.ofVirtual().name("ib-tcp-qp " + name).start(() -> readLoop(in));
        }

        private void readLoop(DataInputStream in) {
            try {
                while (true) {
                    int type = TcpVerbsWire.readType(in);
                    switch (type) {
                        case TcpVerbsWire.RECV -> {
                            int len = TcpVerbsWire.readLength(in);
                            synchronized (this) {
                                remoteReceives.add(len);
                            }
                        }
                        case TcpVerbsWire.SEND -> {
                            int len = TcpVerbsWire.readLength(in);
                            Posted r;
                            synchronized (this) {
                                r = receives.peek();
                            }
                            if (r == null) {
                                throw new IOException("protocol error: a message arrived with no receive posted");
                            }
                            if (r.length < len) {
                                synchronized (this) {
                                    if (receives.peek() == r) {
                                        receives.poll();
                                        cq.push(r.wrId, Opcode.RECEIVE, Status.LOCAL_LENGTH_ERROR, 0);
                                    }
                                }
                                return; // finally: error state, flush
                            }
                            ByteBuffer into = r.mr.buffer.duplicate();
                            into.limit(r.offset + len).position(r.offset);
                            readInto(in, into);
                            synchronized (this) {
                                if (state != State.CONNECTED || receives.peek() != r) {
                                    return;
                                }
                                receives.poll();
                                cq.push(r.wrId, Opcode.RECEIVE, Status.SUCCESS, len);
                            }
                        }
                        default -> throw new IOException("unexpected message type " + type);
                    }
                }
            } catch (IOException | RuntimeException e) {
                // end of stream, reset, or a malformed message: the queue pair enters the error state
            } finally {
                toError();
            }
        }

        @Override
        public void disconnect() {
            toError();
            pd.qps.remove(this);
        }

        private void toError() {
            ArrayList<Posted> flushed;
            Socket s;
            synchronized (this) {
                if (state == State.ERROR) {
                    return;
                }
                state = State.ERROR;
                s = socket;
                flushed = new ArrayList<>(receives);
                receives.clear();
                remoteReceives.clear();
                for (Posted p : flushed) {
                    cq.push(p.wrId, Opcode.RECEIVE, Status.FLUSHED, 0);
                }
            }
            if (s != null) {
                closeQuietly(s);
            }
        }

        @Override
        public synchronized String peer() {
            return peerName;
        }

        /** {@return how many receives the peer advertised that no send has used yet (for tests)} */
        synchronized int advertised() {
            return remoteReceives.size();
        }
    }

    private static byte[] scratch(int n) {
        return new byte[Math.min(n, 64 * 1024)];
    }

    /** Reads exactly {@code into.remaining()} bytes. */
    static void readInto(InputStream in, ByteBuffer into) throws IOException {
        byte[] chunk = scratch(into.remaining());
        while (into.hasRemaining()) {
            int n = in.read(chunk, 0, Math.min(chunk.length, into.remaining()));
            if (n < 0) {
                throw new EOFException("the peer closed in the middle of a message");
            }
            into.put(chunk, 0, n);
        }
    }

    final class Listener implements CmListener {
        private final Domain pd;
        private final ServerSocket server;
        private final String name;
        private final ReentrantLock nextLock = new ReentrantLock();
        private volatile boolean closed;

        Listener(Domain pd, ServerSocket server, String name) {
            this.pd = pd;
            this.server = server;
            this.name = name;
        }

        @Override
        public ConnectRequest next(long nanos) {
            long deadline = System.nanoTime() + nanos;
            nextLock.lock();
            try {
                while (true) {
                    if (closed) {
                        throw closedError(null);
                    }
                    long left = nanos == 0 ? 0 : deadline - System.nanoTime();
                    if (nanos != 0 && left <= 0) {
                        return null;
                    }
                    Socket s;
                    try {
                        server.setSoTimeout(nanos == 0 ? 0 : millis(left));
                        s = server.accept();
                    } catch (SocketTimeoutException e) {
                        return null;
                    } catch (IOException e) {
                        throw closedError(e);
                    }
                    try {
                        s.setTcpNoDelay(true);
                        s.setSoTimeout(10_000);
                        DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(s.getInputStream(), 64 * 1024));
                        String from = TcpVerbsWire.readHello(in);
                        return new Request(s, in, from);
                    } catch (IOException e) {
                        closeQuietly(s); // a requester that gave up or spoke something else: wait for the next
                    }
                }
            } finally {
                nextLock.unlock();
            }
        }

        private UnderstudyException closedError(Throwable cause) {
            return new UnderstudyException(ErrorCode.CLOSED, "the RDMA CM listener " + name + " is closed", cause);
        }

        @Override
        public void close() {
            closed = true;
            closeQuietly(server);
            pd.listeners.remove(this);
        }
    }

    final class Request implements ConnectRequest {
        private final Socket socket;
        private final DataInputStream in;
        private final String from;
        private boolean done;

        Request(Socket socket, DataInputStream in, String from) {
            this.socket = socket;
            this.in = in;
            this.from = from;
        }

        @Override
        public String peer() {
            return from;
        }

        @Override
        public synchronized boolean accept(QueuePair qp) {
            if (done) {
                return false;
            }
            done = true;
            Qp passive = (Qp) qp;
            String name = from + " (port " + socket.getPort() + ")";
            try {
                DataOutputStream o = new DataOutputStream(new java.io.BufferedOutputStream(socket.getOutputStream(), 64 * 1024));
                passive.establish(socket, o, name, new ArrayDeque<>(), false);
                // The requester advertises its receives and answers READY; if it gave up, the stream ends instead.
                socket.setSoTimeout(10_000);
                while (true) {
                    int type = TcpVerbsWire.readType(in);
                    if (type == TcpVerbsWire.READY) {
                        break;
                    }
                    if (type != TcpVerbsWire.RECV) {
                        throw new IOException("protocol error: expected READY, got message type " + type);
                    }
                    int len = TcpVerbsWire.readLength(in);
                    synchronized (passive) {
                        passive.remoteReceives.add(len);
                    }
                }
                socket.setSoTimeout(0);
                passive.startReader(in, name);
                return true;
            } catch (IOException e) {
                passive.disconnect();
                closeQuietly(socket);
                return false;
            }
        }

        @Override
        public synchronized void reject() {
            if (done) {
                return;
            }
            done = true;
            try {
                DataOutputStream o = new DataOutputStream(socket.getOutputStream());
                TcpVerbsWire.writeReject(o);
                o.flush();
            } catch (IOException e) {
                // the requester is gone; nothing to tell it
            }
            closeQuietly(socket);
        }
    }

    private static int millis(long nanos) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, nanos / 1_000_000));
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // closing: nothing to report
        }
    }
}
