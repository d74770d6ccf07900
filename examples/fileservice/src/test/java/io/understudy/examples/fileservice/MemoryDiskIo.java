package io.understudy.examples.fileservice;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.api.ownership.DiskId;
import io.understudy.api.ownership.DiskIo;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link DiskIo} in memory that models what a crash keeps: writes land in a volatile image and only
 * {@link #force} copies them to the durable one; {@link #crashImage} is what a restart would find. A
 * {@link #fence switch} makes writes and forces fail with FENCED, as a preempted SCSI-3 registration does;
 * reads stay allowed. Hooks run before each force and after each write so tests can order threads
 * without sleeping.
 */
final class MemoryDiskIo implements DiskIo {

    private final DiskId disk;
    private final byte[] current;
    private final byte[] durable;
    private long dirtyFrom = Long.MAX_VALUE;
    private long dirtyTo = 0;
    private volatile boolean fenced;
    private volatile boolean closed;
    private volatile Runnable beforeForce = () -> { };
    private volatile Runnable afterWrite = () -> { };
    final AtomicInteger writes = new AtomicInteger();
    final AtomicInteger forces = new AtomicInteger();
    final AtomicInteger reads = new AtomicInteger();

    MemoryDiskIo(DiskId disk, int size) {
        this(disk, new byte[size]);
    }

    /** A disk whose volatile and durable images both start as a copy of {@code image}. */
    MemoryDiskIo(DiskId disk, byte[] image) {
        this.disk = disk;
        this.current = image.clone();
        this.durable = image.clone();
    }

    @Override
    public DiskId disk() {
        return disk;
    }

    @Override
    public long size() {
        return current.length;
    }

    @Override
    public void write(long position, ByteBuffer src) {
        checkOpen();
        if (fenced) {
            throw new UnderstudyException(ErrorCode.FENCED, "disk " + disk + ": reservation conflict, this node was preempted");
        }
        int n = src.remaining();
        if (position < 0 || position + n > current.length) {
            throw new UnderstudyException(ErrorCode.DISK_IO, "disk " + disk + ": write of " + n + " bytes at " + position
                    + " is outside the " + current.length + "-byte data area");
        }
        synchronized (this) {
            src.get(current, (int) position, n);
            dirtyFrom = Math.min(dirtyFrom, position);
            dirtyTo = Math.max(dirtyTo, position + n);
        }
        writes.incrementAndGet();
        afterWrite.run();
    }

    @Override
    public int read(long position, ByteBuffer dst) {
        checkOpen();
        reads.incrementAndGet();
        synchronized (this) {
            if (position < 0) {
                throw new UnderstudyException(ErrorCode.DISK_IO, "disk " + disk + ": read at negative position " + position);
            }
            if (position >= current.length) {
                return -1;
            }
            int n = (int) Math.min(dst.remaining(), current.length - position);
            dst.put(current, (int) position, n);
            return n;
        }
    }

    @Override
    public void force() {
        checkOpen();
        beforeForce.run();
        if (fenced) {
            throw new UnderstudyException(ErrorCode.FENCED, "disk " + disk + ": reservation conflict, this node was preempted");
        }
        synchronized (this) {
            if (dirtyFrom < dirtyTo) {
                System.arraycopy(current, (int) dirtyFrom, durable, (int) dirtyFrom, (int) (dirtyTo - dirtyFrom));
            }
            dirtyFrom = Long.MAX_VALUE;
            dirtyTo = 0;
        }
        forces.incrementAndGet();
    }

    @Override
    public void close() {
        closed = true;
    }

    /** Turns fencing on or off. */
    void fence(boolean on) {
        fenced = on;
    }

    /** Runs {@code hook} at the start of every force, before anything is made durable; it may throw. */
    void beforeForce(Runnable hook) {
        beforeForce = hook;
    }

    /** Runs {@code hook} after every completed write. */
    void afterWrite(Runnable hook) {
        afterWrite = hook;
    }

    /** {@return what a crash now would leave: the durable image} */
    synchronized byte[] crashImage() {
        return durable.clone();
    }

    /** {@return a copy of the volatile image (what reads see now)} */
    synchronized byte[] image() {
        return current.clone();
    }

    /** Changes bytes on the medium itself, durable and volatile alike: corruption, or a torn sector. */
    synchronized void poke(long position, byte[] bytes) {
        System.arraycopy(bytes, 0, current, (int) position, bytes.length);
        System.arraycopy(bytes, 0, durable, (int) position, bytes.length);
    }

    /** {@return whether every write so far has been forced} */
    synchronized boolean allDurable() {
        return Arrays.equals(current, durable);
    }

    private void checkOpen() {
        if (closed) {
            throw new UnderstudyException(ErrorCode.CLOSED, "disk " + disk + " handle is closed");
        }
    }
}
