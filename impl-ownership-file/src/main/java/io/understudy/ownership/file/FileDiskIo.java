package io.understudy.ownership.file;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.api.ownership.DiskId;
import io.understudy.api.ownership.DiskIo;
import io.understudy.api.ownership.NodeId;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * The fenced data path to one disk file. Every write holds the sidecar's shared lock while it checks this
 * node's registration and does the I/O, so a preempt (which needs the exclusive lock) happens either wholly
 * before the check, and the write fails, or wholly after the write. A force checks under the lock and
 * flushes outside it (it moves no new bytes), so a node paused in fsync cannot hold up a preempt. Reads
 * take no lock.
 *
 * <p>A handle outlives the service that opened it (it holds its own reference to the sidecar), and stays
 * fenced: closing a service, as a crashing node does, does not turn its in-flight writes into anything but
 * {@code FENCED} failures once a partner has preempted it.
 */
final class FileDiskIo implements DiskIo {

    private final FileOwnershipService service;
    private final FileOwnershipService.Disk disk;
    private final Sidecar sidecar;
    private final FileChannel channel;
    private final long size;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    FileDiskIo(FileOwnershipService service, FileOwnershipService.Disk disk) throws IOException {
        this.service = service;
        this.disk = disk;
        this.sidecar = Sidecar.acquire(disk.sidecar.path()); // the same instance as the service's, while either holds it
        try {
            this.channel = FileChannel.open(disk.file, StandardOpenOption.READ, StandardOpenOption.WRITE);
            this.size = Math.max(0, channel.size() - SectorSDescriptor.DATA_OFFSET);
        } catch (IOException | RuntimeException e) {
            sidecar.release();
            throw e;
        }
    }

    @Override
    public DiskId disk() {
        return disk.id;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public void write(long position, ByteBuffer src) {
        int length = src.remaining();
        if (position < 0 || position > size - length) {
            throw new UnderstudyException(ErrorCode.DISK_IO, "write of " + length + " bytes at " + position + " is outside the "
                    + size + "-byte data area of disk " + disk.id + " (" + disk.file + ")");
        }
        checkOpen();
        fenced("write to", () -> {
            long at = SectorSDescriptor.DATA_OFFSET + position;
            while (src.hasRemaining()) {
                channel.write(src, at + (length - src.remaining()));
            }
        });
    }

    @Override
    public int read(long position, ByteBuffer dst) {
        if (position < 0) {
            throw new UnderstudyException(ErrorCode.DISK_IO, "read at negative position " + position + " of disk " + disk.id);
        }
        checkOpen();
        if (position >= size) {
            return -1;
        }
        int want = (int) Math.min(dst.remaining(), size - position);
        ByteBuffer view = dst.slice(dst.position(), want);
        try {
            while (view.hasRemaining()) {
                if (channel.read(view, SectorSDescriptor.DATA_OFFSET + position + view.position()) < 0) {
                    break;
                }
            }
        } catch (ClosedChannelException e) {
            throw closed(e);
        } catch (IOException e) {
            throw FileOwnershipService.diskIo(disk, "cannot read", e);
        }
        dst.position(dst.position() + view.position());
        return view.position();
    }

    @Override
    public void force() {
        checkOpen();
        // The check holds the shared lock; the flush does not. A force moves no new bytes: the writes it
        // flushes were made under the lock before any preempt that follows, and the new owner reads them
        // through the same file. Holding the lock across fsync (milliseconds) would let a node stopped in
        // it (SIGSTOP, a long pause) block its partner's preempt until it ran again.
        fenced("force", () -> { });
        try {
            channel.force(false);
        } catch (ClosedChannelException e) {
            throw channel.isOpen() ? FileOwnershipService.diskIo(disk, "cannot force", e) : closed(e);
        } catch (IOException e) {
            throw FileOwnershipService.diskIo(disk, "cannot force", e);
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // Closing a file channel fails only if it was already closed.
        }
        sidecar.release();
    }

    @FunctionalInterface
    private interface Io {
        void run() throws IOException;
    }

    private void fenced(String what, Io io) {
        try {
            sidecar.shared(sc -> {
                ReservationState pr = FileOwnershipService.reservation(disk);
                Optional<ReservationState.Fence> fence = service.fenceOf(disk, pr);
                NodeId self = service.self();
                if (fence.isPresent()) {
                    throw new UnderstudyException(ErrorCode.FENCED, self + " cannot " + what + " disk " + disk.id + ": it was preempted by "
                            + fence.get().by() + " (epoch " + fence.get().epoch() + "); stop serving this disk");
                }
                if (!pr.isRegistered(self.name())) {
                    throw new UnderstudyException(ErrorCode.OWNED_ELSEWHERE, self + " cannot " + what + " disk " + disk.id
                            + ": it holds no registration there (reservation holder: " + pr.holder().map(NodeId::name).orElse("none")
                            + "); claim the disk first");
                }
                io.run();
                return null;
            });
        } catch (ClosedChannelException e) {
            throw channel.isOpen() ? FileOwnershipService.diskIo(disk, "cannot " + what, e) : closed(e);
        } catch (IOException e) {
            throw FileOwnershipService.diskIo(disk, "cannot " + what, e);
        }
    }

    private void checkOpen() {
        if (closed.get()) {
            throw closed(null);
        }
    }

    private UnderstudyException closed(Exception cause) {
        return new UnderstudyException(ErrorCode.ILLEGAL_STATE, "the disk handle of " + service.self() + " on " + disk.id
                + " is closed", cause);
    }

    @Override
    public String toString() {
        return "FileDiskIo[" + service.self() + ", " + disk + "]";
    }
}
