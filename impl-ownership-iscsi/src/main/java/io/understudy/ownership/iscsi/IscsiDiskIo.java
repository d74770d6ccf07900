package io.understudy.ownership.iscsi;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.api.ownership.DiskId;
import io.understudy.api.ownership.DiskIo;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * The data path to one LUN through the service's session (its registered I_T nexus). A write first checks
 * that this nexus holds the reservation (else {@code OWNED_ELSEWHERE}, or {@code FENCED} if it was
 * preempted), then writes; a preempt that lands between the check and the write is enforced by the target,
 * whose RESERVATION CONFLICT becomes {@code FENCED}. Unaligned writes read, patch and rewrite whole blocks
 * under the session's lock order (one handle's writes are serialised on the disk).
 */
final class IscsiDiskIo implements DiskIo {

    private final IscsiOwnershipService.Disk d;
    private boolean closed; // guarded by this

    IscsiDiskIo(IscsiOwnershipService.Disk d) {
        this.d = d;
    }

    @Override
    public DiskId disk() {
        return d.id;
    }

    @Override
    public long size() {
        return d.dataSize();
    }

    private void checkOwner() {
        IscsiOwnershipService svc = d.service();
        Scsi.Reservation r = d.session.readReservation();
        if (r.holder().isPresent() && r.holder().getAsLong() == d.key) {
            return;
        }
        IscsiOwnershipService.Snap s = svc.snap(d);
        Optional<IscsiOwnershipService.Fence> f = svc.fence(d, s);
        if (f.isPresent()) {
            throw fenced(f.get().by().name());
        }
        throw new UnderstudyException(ErrorCode.OWNED_ELSEWHERE, d.self() + " may not write disk " + d.id + " ("
                + d.session.target() + "): it does not hold the disk's reservation; claim or preempt it first");
    }

    private UnderstudyException fenced(String by) {
        return new UnderstudyException(ErrorCode.FENCED, d.self() + " is fenced from disk " + d.id + " (" + d.session.target()
                + "): " + by + " preempted its registration, and the target refuses its writes with RESERVATION CONFLICT");
    }

    @Override
    public void write(long position, ByteBuffer src) {
        int len = src.remaining();
        long size = size();
        if (position < 0 || position > size || len > size - position) {
            throw new UnderstudyException(ErrorCode.DISK_IO, "write of " + len + " bytes at " + position + " is outside the data area of "
                    + d.id + " (0.." + size + ")");
        }
        checkOwner();
        if (len == 0) {
            return;
        }
        int bs = d.blockSize;
        long first = position / bs;
        long last = (position + len - 1) / bs;
        int blocks = (int) (last - first + 1);
        byte[] buf;
        synchronized (d.session) {
            boolean aligned = position % bs == 0 && len % bs == 0;
            buf = aligned ? new byte[len] : d.session.read(d.dataLba() + first, blocks, bs);
            src.get(src.position(), buf, (int) (position - first * bs), len);
            if (d.session.write(d.dataLba() + first, buf, bs) != Scsi.Outcome.GOOD) {
                IscsiOwnershipService svc = d.service();
                IscsiOwnershipService.Snap s = svc.snap(d);
                String by = svc.fence(d, s).map(f -> f.by().name()).orElseGet(() -> s.reservation().holder().isPresent()
                        ? svc.resolve(d, s.reservation().holder().getAsLong(), s.sector()).name() : "another node");
                throw fenced(by);
            }
        }
        src.position(src.position() + len);
    }

    @Override
    public int read(long position, ByteBuffer dst) {
        long size = size();
        if (position < 0) {
            throw new UnderstudyException(ErrorCode.DISK_IO, "read at negative position " + position + " of " + d.id);
        }
        if (position >= size) {
            return -1;
        }
        int len = (int) Math.min(dst.remaining(), size - position);
        if (len == 0) {
            return 0;
        }
        int bs = d.blockSize;
        long first = position / bs;
        long last = (position + len - 1) / bs;
        byte[] buf = d.session.read(d.dataLba() + first, (int) (last - first + 1), bs);
        dst.put(buf, (int) (position - first * bs), len);
        return len;
    }

    @Override
    public void force() {
        checkOwner();
        d.session.synchronizeCache();
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        d.release();
    }
}
