package io.understudy.cluster;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.api.ownership.DiskId;
import io.understudy.api.ownership.DiskIo;
import io.understudy.cluster.JournalFormat.Checkpoint;
import io.understudy.cluster.JournalFormat.Damage;
import io.understudy.cluster.JournalFormat.Entry;
import io.understudy.cluster.JournalFormat.HalfScan;
import io.understudy.cluster.JournalFormat.Layout;
import io.understudy.session.ApplicationException;
import io.understudy.session.ReplyCache;
import io.understudy.session.Status;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One volume's journal, reply cache and application state. Requests execute one at a time under the order
 * lock and append their record to a buffer; a reply waits until its record is durable. The first waiter
 * becomes the leader and writes and forces everything buffered so far (group commit), the others wait on
 * it. Lock order: order, then flush, then buffer.
 */
final class VolumeJournal {

    private static final System.Logger LOG = System.getLogger(VolumeJournal.class.getName());
    private static final int END_MARKER = 8;

    private final DiskId disk;
    private final DiskIo io;
    private final JournaledApplication app;
    private final Layout layout;
    private final JournalFaults faults;
    private final int slotsPerSession;
    private final int maxSessions;
    private final int maxReplyBytes;

    private final ReentrantLock order = new ReentrantLock();
    private final Object flushLock = new Object();
    private final Object bufLock = new Object();

    // Guarded by order.
    private ReplyCache cache;
    private long appendedLsn;
    private int activeHalf;
    private int writeOffset;
    private final long[] halfMaxLsn = new long[2];
    private long checkpointLsn;
    private long checkpointGeneration;
    private boolean checkpointWanted;

    // Guarded by bufLock (pending) and flushLock (spare).
    private ByteBuffer pending = ByteBuffer.allocate(64 * 1024);
    private ByteBuffer spare = ByteBuffer.allocate(64 * 1024);
    private long pendingPosition = -1;
    private long pendingHalfEnd;
    private long pendingLsn;

    private volatile long durableLsn;
    private boolean flushing; // guarded by flushLock: a leader is writing and forcing
    private volatile UnderstudyException broken;
    private volatile boolean closed;

    final AtomicLong forces = new AtomicLong();
    final AtomicLong records = new AtomicLong();
    final AtomicLong checkpoints = new AtomicLong();
    final AtomicLong replayedReplies = new AtomicLong();

    VolumeJournal(DiskId disk, DiskIo io, JournaledApplication app, Layout layout, JournalFaults faults,
                  int slotsPerSession, int maxSessions, int maxReplyBytes) {
        this.disk = disk;
        this.io = io;
        this.app = app;
        this.layout = layout;
        this.faults = faults;
        this.slotsPerSession = slotsPerSession;
        this.maxSessions = maxSessions;
        this.maxReplyBytes = maxReplyBytes;
        if (io.size() < layout.totalBytes()) {
            throw new UnderstudyException(ErrorCode.DISK_IO, "volume " + disk + " has a data area of " + io.size()
                    + " bytes; the journal needs " + layout.totalBytes() + " (two checkpoint slots of "
                    + layout.checkpointSlotBytes() + " and two log halves of " + layout.halfBytes() + ")");
        }
    }

    // ---------------------------------------------------------------- mount and replay

    /** Restores the last checkpoint, replays the journal after it, rebuilds the reply cache, then checkpoints. */
    JournalReport mount() {
        order.lock();
        try {
            List<String> damage = new ArrayList<>();
            Checkpoint cp = null;
            for (int slot = 0; slot < 2; slot++) {
                long pos = layout.checkpointSlot(slot);
                Object d = JournalFormat.decodeCheckpoint(JournalFormat.readFully(io, pos, layout.checkpointSlotBytes()));
                if (d instanceof Checkpoint c) {
                    if (cp == null || c.generation() > cp.generation()) {
                        cp = c;
                    }
                } else if (d instanceof String why) {
                    damage.add(new Damage("checkpoint slot " + slot, pos, why).toString());
                }
            }
            if (cp != null) {
                app.restore(disk, cp.snapshot());
                cache = ReplyCache.decode(cp.replyCache(), slotsPerSession, maxSessions);
                checkpointLsn = cp.lsn();
                checkpointGeneration = cp.generation();
            } else {
                app.restore(disk, ByteBuffer.allocate(0));
                cache = new ReplyCache(slotsPerSession, maxSessions);
            }
            List<Entry> entries = new ArrayList<>();
            for (int h = 0; h < 2; h++) {
                long pos = layout.half(h);
                HalfScan s = JournalFormat.scanHalf(JournalFormat.readFully(io, pos, layout.halfBytes()), h, pos);
                entries.addAll(s.entries());
                if (s.damage() != null) {
                    damage.add(s.damage().toString());
                }
            }
            if (cp == null && entries.isEmpty() && damage.isEmpty()) {
                preallocate(); // a new volume: make the log halves real blocks, not holes, before the first force
            }
            entries.sort(Comparator.comparingLong(Entry::lsn));
            long last = checkpointLsn;
            int replayed = 0;
            int divergent = 0;
            for (Entry e : entries) {
                if (e.lsn() <= last) {
                    continue;
                }
                if (e.lsn() != last + 1) {
                    damage.add("journal gap: record " + (last + 1) + " is missing, found " + e.lsn()
                            + "; records from " + e.lsn() + " on are not applied");
                    break;
                }
                byte[] again;
                try {
                    again = bytes(app.execute(disk, ByteBuffer.wrap(e.request()).asReadOnlyBuffer()));
                } catch (ApplicationException ex) {
                    again = null;
                }
                boolean same = e.status() == Status.OK ? again != null && Arrays.equals(again, e.reply()) : again == null;
                if (!same) {
                    divergent++;
                }
                cache.record(e.sessionId(), e.sequence(), e.status(), e.reply(), 0);
                last = e.lsn();
                replayed++;
                faults.at(JournalFaults.Point.REPLAYED_RECORD, disk);
            }
            for (String d : damage) {
                LOG.log(System.Logger.Level.WARNING, "journal of {0}: {1} (not applied)", disk, d);
            }
            long fromCheckpoint = checkpointLsn;
            appendedLsn = last;
            durableLsn = last;
            pendingLsn = last;
            halfMaxLsn[0] = last;
            halfMaxLsn[1] = last;
            checkpointLocked(); // both halves become free; the journal restarts at half 0
            activeHalf = 0;
            writeOffset = 0;
            halfMaxLsn[0] = 0;
            halfMaxLsn[1] = 0;
            return new JournalReport(disk, fromCheckpoint, replayed, last, divergent, cache.replies(), damage);
        } finally {
            order.unlock();
        }
    }

    private void preallocate() {
        ByteBuffer zeros = ByteBuffer.allocate(64 * 1024);
        for (long p = layout.half(0); p < layout.half(1) + layout.halfBytes(); p += zeros.capacity()) {
            io.write(p, zeros.clear().limit((int) Math.min(zeros.capacity(), layout.half(1) + layout.halfBytes() - p)));
        }
        io.force();
    }

    // ---------------------------------------------------------------- requests

    /** Runs one request exactly once; returns once its record (or, for a read, everything it saw) is durable. */
    ByteBuffer handle(RequestContext ctx, ByteBuffer payload, boolean mutating) {
        long waitFor;
        ReplyCache.Lookup.Hit hit = null;
        ByteBuffer reply = null;
        ApplicationException error = null;
        order.lock();
        try {
            check();
            if (mutating) {
                switch (cache.lookup(ctx.sessionId(), ctx.sequence())) {
                    case ReplyCache.Lookup.Hit h -> hit = h;
                    case ReplyCache.Lookup.TooOld old -> throw new ApplicationException("request " + ctx.sequence()
                            + " of session " + Long.toHexString(ctx.sessionId()) + " is older than the reply cache keeps"
                            + " (floor " + old.floor() + "); it may have run and is not run again");
                    case ReplyCache.Lookup.Miss m -> {
                    }
                }
            }
            if (hit != null) {
                replayedReplies.incrementAndGet();
                waitFor = hit.lsn();
            } else if (!mutating) {
                try {
                    reply = app.execute(disk, payload);
                } catch (ApplicationException e) {
                    error = e;
                }
                waitFor = appendedLsn; // do not show state that is not durable yet
            } else {
                int room = JournalFormat.recordLength(payload.remaining(), maxReplyBytes) + END_MARKER;
                if (room > layout.halfBytes()) {
                    throw new ApplicationException("request of " + payload.remaining() + " bytes is too large for the "
                            + layout.halfBytes() + "-byte journal half (with room for a " + maxReplyBytes + "-byte reply)");
                }
                if (writeOffset + room > layout.halfBytes()) {
                    switchHalf();
                }
                ByteBuffer request = payload.duplicate();
                Status status;
                byte[] replyBytes;
                try {
                    reply = app.execute(disk, payload.duplicate());
                    replyBytes = bytes(reply);
                    status = Status.OK;
                } catch (ApplicationException e) {
                    error = e;
                    replyBytes = message(e);
                    status = Status.APPLICATION_ERROR;
                }
                if (replyBytes.length > maxReplyBytes) {
                    throw fail(new UnderstudyException(ErrorCode.DISK_IO, "reply of " + replyBytes.length
                            + " bytes exceeds the journal's " + maxReplyBytes + "-byte limit; volume " + disk + " stops"));
                }
                long lsn = ++appendedLsn;
                append(lsn, ctx, status, request, replyBytes);
                cache.record(ctx.sessionId(), ctx.sequence(), status, replyBytes, lsn);
                waitFor = lsn;
            }
        } finally {
            order.unlock();
        }
        awaitDurable(waitFor);
        if (hit != null) {
            if (hit.status() == Status.APPLICATION_ERROR) {
                throw new ApplicationException(new String(hit.reply(), java.nio.charset.StandardCharsets.UTF_8));
            }
            return ByteBuffer.wrap(hit.reply()).asReadOnlyBuffer();
        }
        if (error != null) {
            throw error;
        }
        return reply;
    }

    private void append(long lsn, RequestContext ctx, Status status, ByteBuffer request, byte[] reply) {
        int len = JournalFormat.recordLength(request.remaining(), reply.length);
        synchronized (bufLock) {
            if (pendingPosition < 0) {
                pendingPosition = layout.half(activeHalf) + writeOffset;
                pendingHalfEnd = layout.half(activeHalf) + layout.halfBytes();
            }
            if (pending.remaining() < len + END_MARKER) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(pending.capacity() * 2, pending.position() + len + END_MARKER));
                pending.flip();
                bigger.put(pending);
                pending = bigger;
            }
            JournalFormat.encodeRecord(pending, lsn, ctx.sessionId(), ctx.sequence(), status, request, reply);
            pendingLsn = lsn;
        }
        writeOffset += len;
        halfMaxLsn[activeHalf] = lsn;
        records.incrementAndGet();
    }

    /**
     * Group commit: returns when every record up to {@code lsn} is durable. One waiter at a time is the
     * leader: it takes everything buffered so far, writes and forces it without holding the monitor, then
     * wakes every waiter at once (so none queues behind the next force only to learn it was already done).
     */
    private void awaitDurable(long lsn) {
        if (durableLsn >= lsn) {
            check();
            return;
        }
        synchronized (flushLock) {
            while (true) {
                check();
                if (durableLsn >= lsn) {
                    return;
                }
                if (!flushing) {
                    flushing = true;
                    break;
                }
                try {
                    flushLock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new UnderstudyException(ErrorCode.ILLEGAL_STATE, "interrupted waiting for the journal of " + disk);
                }
            }
        }
        try {
            ByteBuffer batch;
            long position;
            long halfEnd;
            long upTo;
            synchronized (bufLock) {
                batch = pending;
                position = pendingPosition;
                halfEnd = pendingHalfEnd;
                upTo = pendingLsn;
                pending = spare;
                pendingPosition = -1;
            }
            try {
                if (batch.position() > 0) {
                    if (position + batch.position() + END_MARKER <= halfEnd) {
                        batch.putLong(0); // the scan ends cleanly here, not at what is left from the half's last use
                    }
                    batch.flip();
                    io.write(position, batch);
                }
                io.force();
                forces.incrementAndGet();
            } catch (UnderstudyException e) {
                throw fail(e);
            } finally {
                batch.clear();
                spare = batch;
            }
            faults.at(JournalFaults.Point.AFTER_FORCE, disk);
            durableLsn = upTo;
        } catch (RuntimeException e) {
            fail(e instanceof UnderstudyException u ? u : new UnderstudyException(ErrorCode.DISK_IO, "journal write failed: " + e, e));
            throw e;
        } finally {
            synchronized (flushLock) {
                flushing = false;
                flushLock.notifyAll();
            }
        }
    }

    // ---------------------------------------------------------------- consistency points

    /** Takes a consistency point now if anything was journaled since the last. */
    void checkpoint() {
        order.lock();
        try {
            check();
            checkpointWanted = false;
            if (appendedLsn > checkpointLsn) {
                checkpointLocked();
            }
        } finally {
            order.unlock();
        }
    }

    /** Whether a log half filled since the last consistency point (the service then takes one soon). */
    boolean checkpointWanted() {
        return checkpointWanted;
    }

    private void switchHalf() {
        awaitDurable(appendedLsn);
        int other = 1 - activeHalf;
        if (halfMaxLsn[other] > checkpointLsn) {
            checkpointLocked(); // the other half still holds records no checkpoint covers
        } else {
            checkpointWanted = true;
        }
        activeHalf = other;
        writeOffset = 0;
        halfMaxLsn[other] = 0;
    }

    private void checkpointLocked() {
        awaitDurable(appendedLsn);
        long lsn = appendedLsn;
        ByteBuffer cp = JournalFormat.encodeCheckpoint(checkpointGeneration + 1, lsn, app.snapshot(disk), cache.encode());
        if (cp.remaining() > layout.checkpointSlotBytes()) {
            throw fail(new UnderstudyException(ErrorCode.DISK_IO, "the checkpoint of " + disk + " needs " + cp.remaining()
                    + " bytes; its slot holds " + layout.checkpointSlotBytes() + ": configure larger checkpoint slots"));
        }
        int slot = (int) ((checkpointGeneration + 1) % 2);
        check(); // not after an unmount: the disk may be on its way to the partner
        try {
            io.write(layout.checkpointSlot(slot), cp);
            faults.at(JournalFaults.Point.CP_WRITTEN, disk);
            io.force();
            faults.at(JournalFaults.Point.CP_FORCED, disk);
        } catch (UnderstudyException e) {
            throw fail(e);
        }
        checkpointGeneration++;
        checkpointLsn = lsn;
        checkpoints.incrementAndGet();
    }

    // ---------------------------------------------------------------- state

    void close() {
        closed = true;
    }

    /** {@return the disk this journal writes to} */
    DiskIo io() {
        return io;
    }

    /** {@return the I/O error that stopped this journal}, or null while it runs */
    UnderstudyException broken() {
        return broken;
    }

    /**
     * Stops this journal for good (before a remount of its disk) and waits, up to {@code timeoutNanos}, until
     * no request executes and no leader writes on it any more.
     *
     * @return false if one still did at the deadline (a write blocked on the disk): try again later
     */
    boolean quiesce(long timeoutNanos) {
        closed = true;
        long deadline = System.nanoTime() + timeoutNanos;
        try {
            if (!order.tryLock(timeoutNanos, java.util.concurrent.TimeUnit.NANOSECONDS)) {
                return false;
            }
            order.unlock(); // from now on every call checks broken/closed under the lock and stops
            synchronized (flushLock) {
                long left;
                while (flushing && (left = deadline - System.nanoTime()) > 0) {
                    flushLock.wait(Math.max(1, left / 1_000_000));
                }
                return !flushing;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    long durableLsn() {
        return durableLsn;
    }

    private void check() {
        UnderstudyException b = broken;
        if (b != null) {
            throw new UnderstudyException(b.code(), "journal of " + disk + " stopped: " + b.getMessage());
        }
        if (closed) {
            throw new UnderstudyException(ErrorCode.FENCED, "volume " + disk + " is no longer mounted here");
        }
    }

    /** After a failed journal write the in-memory state is ahead of the disk: the volume stops here. */
    private UnderstudyException fail(UnderstudyException e) {
        if (broken == null) {
            broken = e;
        }
        return e;
    }

    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }

    private static byte[] message(ApplicationException e) {
        String m = e.getMessage();
        String tag = e.code().tag() + " ";
        return (m.startsWith(tag) ? m.substring(tag.length()) : m).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
