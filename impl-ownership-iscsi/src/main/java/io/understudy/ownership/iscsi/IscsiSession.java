package io.understudy.ownership.iscsi;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One iSCSI session (one I_T nexus) to one LUN, through one libiscsi context. libiscsi contexts are not
 * thread-safe, so every command runs under this session's lock. A persistent-reservation registration
 * belongs to the I_T nexus, so the ownership records and the data path of one service share one session.
 *
 * <p>Each command is retried, a bounded number of times, on UNIT ATTENTION (the target reports an event such
 * as "reservations released" once per nexus), on BUSY/NOT READY, and after a lost session, which is
 * reconnected with the same initiator name and ISID (the same I_T nexus, so registrations survive). Every
 * failure message names the target, the LUN and the SCSI status and sense.
 */
final class IscsiSession implements AutoCloseable {

    /** How often one command is retried after UNIT ATTENTION, BUSY or a reconnect before it fails. */
    static final int MAX_ATTEMPTS = 8;

    private final LibIscsi lib;
    private final IscsiTarget target;
    private final String initiator;
    private final ReentrantLock lock = new ReentrantLock();
    private MemorySegment ctx; // guarded by lock; null once closed, or while a lost session could not be re-established
    private boolean closed; // guarded by lock
    private int reconnects; // guarded by lock
    private int unitAttentions; // guarded by lock
    private volatile java.util.function.Consumer<IscsiSession> onReconnect = s -> { };

    /** What a command returned: its status, sense, and a copy of its data-in bytes. */
    record Result(int status, int senseKey, int ascq, ByteBuffer data) {
        Scsi.Outcome outcome() {
            return Scsi.classify(status, senseKey);
        }
    }

    /** One libiscsi call that creates a task; run under the lock with the live context. */
    @FunctionalInterface
    private interface Call {
        MemorySegment invoke(MemorySegment ctx, Arena arena) throws Throwable;
    }

    IscsiSession(LibIscsi lib, IscsiTarget target, String initiator) {
        this.lib = lib;
        this.target = target;
        this.initiator = initiator;
        lock.lock();
        try {
            this.ctx = createAndConnect();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Sets what runs, under this session's lock and before the interrupted command is retried, after the
     * session was re-established.
     */
    void onReconnect(java.util.function.Consumer<IscsiSession> hook) {
        this.onReconnect = hook;
    }

    String initiator() {
        return initiator;
    }

    IscsiTarget target() {
        return target;
    }

    private MemorySegment createAndConnect() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment c = (MemorySegment) lib.createContext.invokeExact(a.allocateFrom(initiator));
            if (c.equals(MemorySegment.NULL)) {
                throw failure("cannot create a libiscsi context for initiator " + initiator, null);
            }
            boolean ok = false;
            try {
                check(c, (int) lib.setTargetname.invokeExact(c, a.allocateFrom(target.iqn())), "set the target name");
                check(c, (int) lib.setSessionType.invokeExact(c, LibIscsi.ISCSI_SESSION_NORMAL), "set the session type");
                check(c, (int) lib.setHeaderDigest.invokeExact(c, LibIscsi.ISCSI_HEADER_DIGEST_NONE), "set the header digest");
                check(c, (int) lib.setTimeout.invokeExact(c, target.timeoutSeconds()), "set the command timeout");
                // Reconnects are this class's business: a new connection may be a new I_T nexus to the target,
                // whose registration must be restored (or found preempted) before any other command runs.
                lib.setNoAutoReconnect.invokeExact(c, 1);
                int rc = (int) lib.fullConnectSync.invokeExact(c, a.allocateFrom(target.portal()), target.lun());
                if (rc != 0) {
                    throw failure("cannot connect and log in as " + initiator + ": " + error(c)
                            + "; is the target up (for tgtd: tgtadm --op show --mode target) and bound to this initiator?", null);
                }
                ok = true;
                return c;
            } finally {
                if (!ok) {
                    int ignored = (int) lib.destroyContext.invokeExact(c);
                }
            }
        } catch (UnderstudyException e) {
            throw e;
        } catch (Throwable t) {
            throw failure("cannot connect: " + t, t);
        }
    }

    private void check(MemorySegment c, int rc, String what) {
        if (rc != 0) {
            throw failure("cannot " + what + ": " + error(c), null);
        }
    }

    private String error(MemorySegment c) {
        try {
            MemorySegment p = (MemorySegment) lib.getError.invokeExact(c);
            return p.equals(MemorySegment.NULL) ? "(no libiscsi error text)" : p.reinterpret(4096).getString(0);
        } catch (Throwable t) {
            return "(libiscsi error text unavailable: " + t + ")";
        }
    }

    UnderstudyException failure(String what, Throwable cause) {
        return new UnderstudyException(ErrorCode.DISK_IO, "iSCSI " + target + ": " + what, cause);
    }

    /**
     * Runs a command, retrying UNIT ATTENTION, transient statuses and lost sessions.
     *
     * @param name what the command is, for messages
     * @param call the libiscsi call
     * @return the final result: GOOD, RESERVATION CONFLICT or FAILED (the caller decides)
     */
    private Result run(String name, Call call) {
        lock.lock();
        try {
            Result last = null;
            for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
                if (closed) {
                    throw new UnderstudyException(ErrorCode.CLOSED, "iSCSI " + target + ": the session of " + initiator + " is closed");
                }
                if (ctx == null) {
                    reconnect(name, new Result(Scsi.STATUS_ERROR, 0, 0, ByteBuffer.allocate(0)));
                }
                last = once(call);
                switch (last.outcome()) {
                    case GOOD, RESERVATION_CONFLICT, FAILED -> {
                        return last;
                    }
                    case UNIT_ATTENTION -> unitAttentions++;
                    // BUSY, TASK SET FULL, NOT READY: back off a little (1, 2, 4 ... ms), bounded by MAX_ATTEMPTS.
                    case TRANSIENT -> java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L << Math.min(attempt, 7));
                    case SESSION_LOST -> reconnect(name, last);
                }
            }
            throw failure(name + " failed " + MAX_ATTEMPTS + " times; last: "
                    + Scsi.describe(last.status(), last.senseKey(), last.ascq()), null);
        } finally {
            lock.unlock();
        }
    }

    private Result once(Call call) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment task = call.invoke(ctx, a);
            if (task.equals(MemorySegment.NULL)) {
                // libiscsi returns NULL when the command could not be sent or completed: the session is gone.
                return new Result(Scsi.STATUS_ERROR, 0, 0, ByteBuffer.allocate(0));
            }
            try {
                MemorySegment t = task.reinterpret(LibIscsi.TaskLayout.DATAIN_DATA + 8);
                int status = t.get(ValueLayout.JAVA_INT, LibIscsi.TaskLayout.STATUS);
                int key = t.get(ValueLayout.JAVA_INT, LibIscsi.TaskLayout.SENSE_KEY);
                int ascq = t.get(ValueLayout.JAVA_INT, LibIscsi.TaskLayout.SENSE_ASCQ);
                int size = t.get(ValueLayout.JAVA_INT, LibIscsi.TaskLayout.DATAIN_SIZE);
                MemorySegment data = t.get(ValueLayout.ADDRESS, LibIscsi.TaskLayout.DATAIN_DATA);
                ByteBuffer copy = ByteBuffer.allocate(size > 0 && !data.equals(MemorySegment.NULL) ? size : 0);
                if (copy.capacity() > 0) {
                    MemorySegment.copy(data.reinterpret(size), ValueLayout.JAVA_BYTE, 0, copy.array(), 0, size);
                }
                return new Result(status, key, ascq, copy.order(ByteOrder.BIG_ENDIAN));
            } finally {
                lib.freeTask.invokeExact(task);
            }
        } catch (UnderstudyException e) {
            throw e;
        } catch (Throwable t) {
            throw failure("libiscsi call failed: " + t, t);
        }
    }

    /**
     * Replaces a lost connection by a new login with the same initiator name. libiscsi's own
     * {@code iscsi_reconnect_sync} gives up on the UNIT ATTENTION (power on or reset) that a target reports
     * to a re-established nexus, so this logs in afresh instead; either way the target sees a new I_T nexus.
     */
    private void reconnect(String name, Result lost) {
        reconnects++;
        MemorySegment old = ctx;
        ctx = null;
        if (old != null) {
            try {
                int ignored = (int) lib.destroyContext.invokeExact(old);
            } catch (Throwable ignored) {
                // the connection is gone already
            }
        }
        try {
            ctx = createAndConnect();
        } catch (UnderstudyException e) {
            throw failure(name + " lost the session (" + Scsi.describe(lost.status(), 0, 0) + ") and logging in again failed: "
                    + e.getMessage(), e);
        }
        onReconnect.accept(this);
    }

    /** {@return how many times this session was re-established} */
    int reconnects() {
        lock.lock();
        try {
            return reconnects;
        } finally {
            lock.unlock();
        }
    }

    /** {@return how many UNIT ATTENTIONs were retried} */
    int unitAttentions() {
        lock.lock();
        try {
            return unitAttentions;
        } finally {
            lock.unlock();
        }
    }

    private Result good(String name, Result r) {
        if (r.outcome() != Scsi.Outcome.GOOD) {
            throw failure(name + " failed: " + Scsi.describe(r.status(), r.senseKey(), r.ascq()), null);
        }
        return r;
    }

    Scsi.Capacity capacity() {
        Result r = good("READ CAPACITY (16)", run("READ CAPACITY (16)",
                (c, a) -> (MemorySegment) lib.readCapacity16Sync.invokeExact(c, target.lun())));
        try {
            return Scsi.decodeCapacity(r.data());
        } catch (Scsi.Malformed e) {
            throw failure(e.getMessage(), e);
        }
    }

    byte[] read(long lba, int blocks, int blockSize) {
        int len = blocks * blockSize;
        Result r = good("READ (16) of LBA " + lba + " +" + blocks, run("READ (16)",
                (c, a) -> (MemorySegment) lib.read16Sync.invokeExact(c, target.lun(), lba, len, blockSize, 0, 0, 0, 0, 0)));
        if (r.data().remaining() != len) {
            throw failure("READ (16) of LBA " + lba + " returned " + r.data().remaining() + " bytes, not " + len, null);
        }
        return r.data().array();
    }

    /** {@return GOOD, or RESERVATION_CONFLICT when the target refuses this nexus (fenced); other failures throw} */
    Scsi.Outcome write(long lba, byte[] data, int blockSize) {
        String name = "WRITE (16) of LBA " + lba + " +" + data.length / blockSize;
        Result r = run(name, (c, a) -> {
            MemorySegment buf = a.allocate(data.length);
            MemorySegment.copy(data, 0, buf, ValueLayout.JAVA_BYTE, 0, data.length);
            return (MemorySegment) lib.write16Sync.invokeExact(c, target.lun(), lba, buf, data.length, blockSize, 0, 0, 1, 0, 0);
        });
        if (r.outcome() == Scsi.Outcome.RESERVATION_CONFLICT) {
            return r.outcome();
        }
        good(name, r);
        return Scsi.Outcome.GOOD;
    }

    /** SYNCHRONIZE CACHE (10) of the whole LUN. */
    void synchronizeCache() {
        good("SYNCHRONIZE CACHE (10)", run("SYNCHRONIZE CACHE (10)",
                (c, a) -> (MemorySegment) lib.synchronizeCache10Sync.invokeExact(c, target.lun(), 0, 0, 0, 0)));
    }

    Scsi.Keys readKeys() {
        Result r = good("PERSISTENT RESERVE IN (READ KEYS)", run("PERSISTENT RESERVE IN (READ KEYS)",
                (c, a) -> (MemorySegment) lib.prInSync.invokeExact(c, target.lun(), Scsi.PR_IN_READ_KEYS, (short) 8192)));
        try {
            return Scsi.decodeKeys(r.data());
        } catch (Scsi.Malformed e) {
            throw failure(e.getMessage(), e);
        }
    }

    Scsi.Reservation readReservation() {
        Result r = good("PERSISTENT RESERVE IN (READ RESERVATION)", run("PERSISTENT RESERVE IN (READ RESERVATION)",
                (c, a) -> (MemorySegment) lib.prInSync.invokeExact(c, target.lun(), Scsi.PR_IN_READ_RESERVATION, (short) 24)));
        try {
            return Scsi.decodeReservation(r.data());
        } catch (Scsi.Malformed e) {
            throw failure(e.getMessage(), e);
        }
    }

    /**
     * PERSISTENT RESERVE OUT.
     *
     * @return true on GOOD, false on RESERVATION CONFLICT; other failures throw
     */
    boolean reserveOut(int serviceAction, int type, long key, long serviceActionKey) {
        String name = "PERSISTENT RESERVE OUT (" + prOutName(serviceAction) + String.format(", key 0x%016x, service action key 0x%016x)",
                key, serviceActionKey);
        Result r = run(name, (c, a) -> {
            MemorySegment p = a.allocate(LibIscsi.TaskLayout.PRO_SIZE, 8);
            p.set(ValueLayout.JAVA_LONG, LibIscsi.TaskLayout.PRO_RESERVATION_KEY, key);
            p.set(ValueLayout.JAVA_LONG, LibIscsi.TaskLayout.PRO_SERVICE_ACTION_RESERVATION_KEY, serviceActionKey);
            p.set(ValueLayout.JAVA_BYTE, LibIscsi.TaskLayout.PRO_SPEC_I_PT, (byte) 0);
            p.set(ValueLayout.JAVA_BYTE, LibIscsi.TaskLayout.PRO_ALL_TG_PT, (byte) 0);
            p.set(ValueLayout.JAVA_BYTE, LibIscsi.TaskLayout.PRO_APTPL, (byte) 0);
            return (MemorySegment) lib.prOutSync.invokeExact(c, target.lun(), serviceAction, Scsi.PR_SCOPE_LU, type, p);
        });
        if (r.outcome() == Scsi.Outcome.RESERVATION_CONFLICT) {
            return false;
        }
        good(name, r);
        return true;
    }

    static String prOutName(int sa) {
        return switch (sa) {
            case Scsi.PR_OUT_REGISTER -> "REGISTER";
            case Scsi.PR_OUT_RESERVE -> "RESERVE";
            case Scsi.PR_OUT_RELEASE -> "RELEASE";
            case Scsi.PR_OUT_CLEAR -> "CLEAR";
            case Scsi.PR_OUT_PREEMPT -> "PREEMPT";
            case Scsi.PR_OUT_PREEMPT_AND_ABORT -> "PREEMPT AND ABORT";
            default -> "service action " + sa;
        };
    }

    /** Logs out and frees the context. Idempotent. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            MemorySegment c = ctx;
            ctx = null;
            if (c == null) {
                return;
            }
            try {
                int ignored = (int) lib.logoutSync.invokeExact(c);
            } catch (Throwable ignored) {
                // the session may already be gone; the context is freed below either way
            }
            try {
                int ignored = (int) lib.destroyContext.invokeExact(c);
            } catch (Throwable ignored) {
                // nothing more to release
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return initiator + " -> " + target;
    }
}
