package io.understudy.cluster;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.api.ownership.DiskId;
import io.understudy.api.ownership.DiskIo;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A disk in memory that models what a crash keeps: writes since the last force are held aside; on
 * {@link #crashImage} each of them is, at random, kept whole, kept torn (a prefix of it) or lost, and the
 * image is what a restart would find. After {@link #crash} every call fails, as a dead node's would.
 */
final class CrashDisk implements DiskIo {

    private record Pending(long position, byte[] bytes) {
    }

    private final DiskId disk;
    private final byte[] current;
    private final byte[] durable;
    private final List<Pending> unforced = new ArrayList<>();
    private volatile boolean crashed;
    private volatile boolean offline;
    int forces;

    CrashDisk(DiskId disk, byte[] image) {
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
    public synchronized void write(long position, ByteBuffer src) {
        alive();
        int n = src.remaining();
        if (position < 0 || position + n > current.length) {
            throw new UnderstudyException(ErrorCode.DISK_IO, "write of " + n + " at " + position + " outside " + current.length);
        }
        byte[] b = new byte[n];
        src.get(b);
        System.arraycopy(b, 0, current, (int) position, n);
        unforced.add(new Pending(position, b));
    }

    @Override
    public synchronized int read(long position, ByteBuffer dst) {
        alive();
        if (position >= current.length) {
            return -1;
        }
        int n = (int) Math.min(dst.remaining(), current.length - position);
        dst.put(current, (int) position, n);
        return n;
    }

    @Override
    public synchronized void force() {
        alive();
        System.arraycopy(current, 0, durable, 0, current.length);
        unforced.clear();
        forces++;
    }

    @Override
    public void close() {
    }

    /** From now on every call fails: the node is dead. */
    void crash() {
        crashed = true;
    }

    /** From now on every call fails with an I/O error, as when the storage's LUN is taken offline. */
    void offline() {
        offline = true;
    }

    /** The LUN answers again. */
    void online() {
        offline = false;
    }

    boolean crashed() {
        return crashed;
    }

    /** {@return what a restart finds: the durable image plus each unforced write kept, torn or lost} */
    synchronized byte[] crashImage(Random r) {
        byte[] img = durable.clone();
        for (Pending p : unforced) {
            switch (r.nextInt(3)) {
                case 0 -> System.arraycopy(p.bytes(), 0, img, (int) p.position(), p.bytes().length);
                case 1 -> System.arraycopy(p.bytes(), 0, img, (int) p.position(), r.nextInt(p.bytes().length + 1));
                default -> {
                }
            }
        }
        return img;
    }

    private void alive() {
        if (crashed) {
            throw new UnderstudyException(ErrorCode.FENCED, "disk " + disk + ": this node crashed");
        }
        if (offline) {
            throw new UnderstudyException(ErrorCode.DISK_IO, "disk " + disk + ": I/O error (the LUN is offline)");
        }
    }
}
