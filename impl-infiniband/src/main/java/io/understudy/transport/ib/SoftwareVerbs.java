package io.understudy.transport.ib;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * The software verbs: {@link Verbs} in Java, within one JVM. A "fabric" is a map from (address, port number)
 * to listeners; a send copies the bytes into the receive the peer posted first, as a host channel adapter
 * would by DMA, and queues a completion on each side. The rules that matter to the transport are kept (see
 * {@link Verbs}): a send without a posted receive is an error, not a wait; disconnect flushes.
 *
 * <p>No two queue-pair locks are ever held at once: a send takes the peer's lock to place the bytes, then its
 * own to record the outcome, so two peers sending to each other cannot deadlock.
 */
final class SoftwareVerbs implements Verbs {

    /** The verbs of this JVM's one software fabric. */
    static final SoftwareVerbs SHARED = new SoftwareVerbs();

    private static final Pattern GID = Pattern.compile("[0-9a-fA-F]{4}(:[0-9a-fA-F]{4}){7}");
    private static final AtomicInteger KEYS = new AtomicInteger(0x100);

    private final Map<String, SoftListener> listeners = new ConcurrentHashMap<>();

    SoftwareVerbs() {
    }

    @Override
    public String implementation() {
        return "software";
    }

    @Override
    public ProtectionDomain allocateDomain(String bindAddress) {
        return new SoftDomain(normalize(bindAddress));
    }

    /** {@return a canonical form of a GID or IP address literal} */
    static String normalize(String address) {
        String a = address.trim();
        if (GID.matcher(a).matches()) {
            return a.toLowerCase(Locale.ROOT);
        }
        try {
            return InetAddress.ofLiteral(a).getHostAddress();
        } catch (IllegalArgumentException e) {
            throw new UnderstudyException(ErrorCode.INVALID_CONFIGURATION, "'" + address + "' is neither a GID in eight-group"
                    + " form (fe80:0000:0000:0000:0002:c903:0001:0b21) nor an IP address literal", e);
        }
    }

    private static String key(String address, int port) {
        return address + "#" + port;
    }

    final class SoftDomain implements ProtectionDomain {
        final String address;
        private final Set<SoftListener> ownListeners = ConcurrentHashMap.newKeySet();
        private final Set<SoftQp> qps = ConcurrentHashMap.newKeySet();
        private volatile boolean closed;

        SoftDomain(String address) {
            this.address = address;
        }

        @Override
        public MemoryRegion register(int length) {
            return new SoftMr(this, ByteBuffer.allocateDirect(length), KEYS.incrementAndGet());
        }

        @Override
        public CompletionQueue createCompletionQueue(int depth) {
            return new SoftCq();
        }

        @Override
        public QueuePair createQueuePair(CompletionQueue cq) {
            SoftQp qp = new SoftQp(this, (SoftCq) cq);
            qps.add(qp);
            return qp;
        }

        @Override
        public CmListener listen(int port) {
            if (closed) {
                throw new UnderstudyException(ErrorCode.CLOSED, "the protection domain is closed");
            }
            SoftListener l = new SoftListener(this, key(address, port), address + ":" + port);
            if (listeners.putIfAbsent(l.key, l) != null) {
                throw new UnderstudyException(ErrorCode.PORT_IN_USE, "RDMA CM port " + port + " at " + address
                        + " is already bound by another listener on this fabric");
            }
            ownListeners.add(l);
            return l;
        }

        @Override
        public void close() {
            closed = true;
            for (SoftListener l : new ArrayList<>(ownListeners)) {
                l.close();
            }
            for (SoftQp qp : new ArrayList<>(qps)) {
                qp.disconnect();
            }
        }
    }

    record SoftMr(SoftDomain pd, ByteBuffer buffer, int lkey) implements MemoryRegion {
    }

    /** A queued completion. */
    private record Entry(long wrId, Opcode opcode, Status status, int byteLength) {
    }

    static final class SoftCq implements CompletionQueue {
        private final ArrayDeque<Entry> entries = new ArrayDeque<>();
        private boolean woken;
        private boolean closed;

        synchronized void push(long wrId, Opcode opcode, Status status, int byteLength) {
            entries.add(new Entry(wrId, opcode, status, byteLength));
            notifyAll();
        }

        @Override
        public synchronized int poll(WorkCompletion[] into) {
            int n = 0;
            while (n < into.length && !entries.isEmpty()) {
                Entry e = entries.poll();
                into[n++].set(e.wrId, e.opcode, e.status, e.byteLength);
            }
            return n;
        }

        @Override
        public synchronized boolean await(long nanos) {
            long deadline = System.nanoTime() + nanos;
            boolean interrupted = false;
            try {
                while (entries.isEmpty() && !woken && !closed) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    try {
                        wait(left / 1_000_000, (int) (left % 1_000_000));
                    } catch (InterruptedException e) {
                        interrupted = true;
                        closed = true;
                    }
                }
                woken = false;
                return !entries.isEmpty();
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public synchronized void wakeup() {
            woken = true;
            notifyAll();
        }

        @Override
        public synchronized void close() {
            closed = true;
            notifyAll();
        }
    }

    private enum State { RESET, CONNECTED, ERROR }

    private record Posted(long wrId, SoftMr mr, int offset, int length) {
    }

    final class SoftQp implements QueuePair {
        private final SoftDomain pd;
        private final SoftCq cq;
        private final ArrayDeque<Posted> receives = new ArrayDeque<>();
        private State state = State.RESET;
        private SoftQp peer;
        private String peerName = "(not connected)";

        SoftQp(SoftDomain pd, SoftCq cq) {
            this.pd = pd;
            this.cq = cq;
        }

        private boolean valid(MemoryRegion mr, int offset, int length) {
            return mr instanceof SoftMr m && m.pd == pd && offset >= 0 && length >= 0 && offset <= m.buffer.capacity() - length;
        }

        @Override
        public void postReceive(long wrId, MemoryRegion mr, int offset, int length) {
            Status outcome;
            synchronized (this) {
                if (!valid(mr, offset, length)) {
                    outcome = Status.LOCAL_PROTECTION_ERROR;
                } else if (state == State.ERROR) {
                    outcome = Status.FLUSHED;
                } else {
                    receives.add(new Posted(wrId, (SoftMr) mr, offset, length));
                    return;
                }
            }
            cq.push(wrId, Opcode.RECEIVE, outcome, 0);
            if (outcome == Status.LOCAL_PROTECTION_ERROR) {
                disconnect();
            }
        }

        @Override
        public void postSend(long wrId, MemoryRegion mr, int offset, int length) {
            SoftQp to;
            synchronized (this) {
                if (state == State.RESET) {
                    throw new IllegalStateException("postSend on a queue pair that is not connected");
                }
                to = state == State.CONNECTED ? peer : null;
            }
            Status outcome;
            if (!valid(mr, offset, length)) {
                outcome = Status.LOCAL_PROTECTION_ERROR;
            } else if (to == null) {
                outcome = Status.FLUSHED;
            } else {
                outcome = to.deliver(((SoftMr) mr).buffer, offset, length);
            }
            cq.push(wrId, Opcode.SEND, outcome, outcome == Status.SUCCESS ? length : 0);
            if (outcome != Status.SUCCESS) {
                disconnect();
            }
        }

        /** Places an incoming message in the first posted receive; returns the sender's status. */
        private Status deliver(ByteBuffer from, int offset, int length) {
            Posted r;
            synchronized (this) {
                if (state != State.CONNECTED) {
                    return Status.REMOTE_ERROR;
                }
                r = receives.poll();
                if (r == null) {
                    return Status.RNR_RETRY_EXCEEDED;
                }
                if (r.length < length) {
                    cq.push(r.wrId, Opcode.RECEIVE, Status.LOCAL_LENGTH_ERROR, 0);
                    return Status.REMOTE_ERROR;
                }
                r.mr.buffer.put(r.offset, from, offset, length);
                // Pushed under the lock so that completions are queued in the order receives were consumed.
                cq.push(r.wrId, Opcode.RECEIVE, Status.SUCCESS, length);
            }
            return Status.SUCCESS;
        }

        @Override
        public void connect(String address, int port, long nanos) {
            String where = address + ":" + port;
            SoftListener l = listeners.get(key(normalize(address), port));
            if (l == null) {
                throw new UnderstudyException(ErrorCode.CONNECTION_REFUSED, "no RDMA CM listener on port " + port + " at "
                        + address + " (REJECTED)");
            }
            SoftRequest req = new SoftRequest(this, pd.address);
            if (!l.offer(req)) {
                throw new UnderstudyException(ErrorCode.CONNECTION_REFUSED, "the RDMA CM listener at " + where + " closed (REJECTED)");
            }
            req.await(nanos, where);
        }

        synchronized void link(SoftQp other, String name) {
            peer = other;
            peerName = name;
            state = State.CONNECTED;
        }

        @Override
        public void disconnect() {
            SoftQp other = toError();
            if (other != null) {
                other.toError();
            }
            pd.qps.remove(this);
        }

        private SoftQp toError() {
            ArrayList<Posted> flushed;
            SoftQp other;
            synchronized (this) {
                if (state == State.ERROR) {
                    return null;
                }
                state = State.ERROR;
                other = peer;
                flushed = new ArrayList<>(receives);
                receives.clear();
                for (Posted p : flushed) {
                    cq.push(p.wrId, Opcode.RECEIVE, Status.FLUSHED, 0);
                }
            }
            return other;
        }

        @Override
        public synchronized String peer() {
            return peerName;
        }
    }

    final class SoftListener implements CmListener {
        final SoftDomain pd;
        final String key;
        final String name;
        private final ArrayDeque<SoftRequest> pending = new ArrayDeque<>();
        private boolean closed;

        SoftListener(SoftDomain pd, String key, String name) {
            this.pd = pd;
            this.key = key;
            this.name = name;
        }

        synchronized boolean offer(SoftRequest r) {
            if (closed) {
                return false;
            }
            pending.add(r);
            notifyAll();
            return true;
        }

        @Override
        public synchronized ConnectRequest next(long nanos) {
            long deadline = System.nanoTime() + nanos;
            while (pending.isEmpty()) {
                if (closed) {
                    throw new UnderstudyException(ErrorCode.CLOSED, "the RDMA CM listener " + name + " is closed");
                }
                long left = nanos == 0 ? Long.MAX_VALUE : deadline - System.nanoTime();
                if (left <= 0) {
                    return null;
                }
                try {
                    // Untimed when unbounded: the thread then reads WAITING, as one blocked in accept should.
                    if (nanos == 0) {
                        wait();
                    } else {
                        wait(Math.max(1, Math.min(left / 1_000_000, Integer.MAX_VALUE)));
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new UnderstudyException(ErrorCode.CLOSED, "interrupted waiting for a connection request on " + name, e);
                }
            }
            if (closed) {
                throw new UnderstudyException(ErrorCode.CLOSED, "the RDMA CM listener " + name + " is closed");
            }
            return pending.poll();
        }

        @Override
        public void close() {
            ArrayList<SoftRequest> refused;
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
                listeners.remove(key, this);
                refused = new ArrayList<>(pending);
                pending.clear();
                notifyAll();
            }
            pd.ownListeners.remove(this);
            refused.forEach(SoftRequest::reject);
        }
    }

    static final class SoftRequest implements ConnectRequest {
        private final SoftQp active;
        private final String from;
        private int outcome; // 0 pending, 1 accepted, 2 rejected, 3 abandoned

        SoftRequest(SoftQp active, String from) {
            this.active = active;
            this.from = from;
        }

        @Override
        public String peer() {
            return from;
        }

        @Override
        public synchronized boolean accept(QueuePair qp) {
            if (outcome != 0) {
                return false;
            }
            SoftQp passive = (SoftQp) qp;
            passive.link(active, from);
            active.link(passive, passive.pd.address);
            outcome = 1;
            notifyAll();
            return true;
        }

        @Override
        public synchronized void reject() {
            if (outcome == 0) {
                outcome = 2;
                notifyAll();
            }
        }

        synchronized void await(long nanos, String where) {
            long deadline = System.nanoTime() + nanos;
            while (outcome == 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    outcome = 3;
                    throw new UnderstudyException(ErrorCode.TIMEOUT, "the RDMA CM listener at " + where + " did not accept within "
                            + nanos / 1_000_000 + " ms");
                }
                try {
                    wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    outcome = 3;
                    Thread.currentThread().interrupt();
                    throw new UnderstudyException(ErrorCode.CLOSED, "interrupted connecting to " + where, e);
                }
            }
            if (outcome != 1) {
                throw new UnderstudyException(ErrorCode.CONNECTION_REFUSED, "the RDMA CM listener at " + where + " rejected the connection");
            }
        }
    }
}
