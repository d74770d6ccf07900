package io.understudy.cluster;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.api.ownership.DiskId;
import io.understudy.api.ownership.DiskIo;
import java.nio.ByteBuffer;

/**
 * A disk in memory for {@link JournaledVolumeService#warmUp()}: the journal's mount path runs on it as on a real
 * volume, but no real disk (and no ownership) is touched. Not thread-safe: one warm-up at a time.
 */
final class ScratchDisk implements DiskIo {

    private final DiskId disk;
    private final byte[] bytes;

    ScratchDisk(DiskId disk, long size) {
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a scratch disk of " + size + " bytes does not fit in memory");
        }
        this.disk = disk;
        this.bytes = new byte[(int) size];
    }

    @Override
    public DiskId disk() {
        return disk;
    }

    @Override
    public long size() {
        return bytes.length;
    }

    @Override
    public void write(long position, ByteBuffer src) {
        int n = src.remaining();
        check(position, n);
        src.get(bytes, (int) position, n);
    }

    @Override
    public int read(long position, ByteBuffer dst) {
        if (position >= bytes.length) {
            return -1;
        }
        int n = (int) Math.min(dst.remaining(), bytes.length - position);
        dst.put(bytes, (int) position, n);
        return n;
    }

    @Override
    public void force() {
        // Memory: nothing to make durable.
    }

    @Override
    public void close() {
        // Nothing held.
    }

    private void check(long position, int n) {
        if (position < 0 || position + n > bytes.length) {
            throw new UnderstudyException(ErrorCode.DISK_IO, "scratch disk " + disk + ": write of " + n + " bytes at "
                    + position + " is outside its " + bytes.length + " bytes");
        }
    }
}
