package io.understudy.testkit;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.api.ownership.ClaimResult;
import io.understudy.api.ownership.DiskId;
import io.understudy.api.ownership.DiskIo;
import io.understudy.api.ownership.NodeId;
import io.understudy.api.ownership.OwnershipService;
import io.understudy.api.ownership.OwnershipState;
import io.understudy.api.ownership.ReleaseResult;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An in-memory fake of shared disks with sector S and SCSI-3 persistent-reservation semantics, for tests
 * of engines that need ownership without files or a SCSI target. One {@code InMemoryOwnership} is the
 * shared storage; {@link #open(NodeId)} gives each node its own {@link OwnershipService} over it, just as
 * two servers see the same disks. It keeps every rule of {@link AbstractOwnershipTest} (and passes it):
 * claims register and reserve, preempts remove the victim's registration and fence it, releases clear
 * everything to {@code <U,U>}, and epochs only grow.
 *
 * <p>Fencing follows the suite's rule: a service is fenced on a disk once another node has preempted its
 * node after the service was opened; it stays fenced until the disk is released. A service opened later
 * (a restarted node) is not fenced, and neither is one that {@linkplain OwnershipService#forgetFences forgot its
 * fences} on the disk (handles it opened before stay fenced).
 *
 * <p>Closing a service leaves the {@link DiskIo} handles it opened working, and fenced.
 *
 * <p>Thread-safe: every operation, including each data-path write, runs under one lock, so a preempt
 * never interleaves with a write. Nothing here blocks on I/O.
 *
 * @since 0.1
 */
public final class InMemoryOwnership {

    /** The data-area size of each disk unless given: 64 KiB. */
    public static final int DEFAULT_DATA_SIZE = 64 * 1024;

    private final ReentrantLock lock = new ReentrantLock();
    private final Map<DiskId, Disk> disks = new LinkedHashMap<>();
    /** Counts every ownership change; a service's birth and a fence's time are readings of it. Guarded by lock. */
    private long generation;

    /**
     * Creates shared storage with disks of {@link #DEFAULT_DATA_SIZE} bytes each.
     *
     * @param disks the disks, at least one, no duplicates
     */
    public InMemoryOwnership(DiskId... disks) {
        this(DEFAULT_DATA_SIZE, disks);
    }

    /**
     * Creates shared storage.
     *
     * @param dataSize the data-area size of each disk in bytes, positive
     * @param disks    the disks, at least one, no duplicates
     */
    public InMemoryOwnership(int dataSize, DiskId... disks) {
        if (dataSize <= 0) {
            throw new IllegalArgumentException("dataSize must be positive: " + dataSize);
        }
        if (disks.length == 0) {
            throw new IllegalArgumentException("at least one disk is needed");
        }
        for (DiskId d : disks) {
            if (this.disks.put(Objects.requireNonNull(d, "disk"), new Disk(d, dataSize)) != null) {
                throw new IllegalArgumentException("disk " + d + " is listed twice");
            }
        }
    }

    /** {@return the disks of this storage, in the order given} */
    public List<DiskId> disks() {
        return List.copyOf(disks.keySet());
    }

    /**
     * Opens a service acting for a node. Each call is a new incarnation of that node (as after a restart):
     * it is not fenced by preempts that happened before it was opened.
     *
     * @param node the node
     * @return the service; close it when done
     */
    public OwnershipService open(NodeId node) {
        Objects.requireNonNull(node, "node");
        lock.lock();
        try {
            return new Service(node, generation);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        lock.lock();
        try {
            StringBuilder sb = new StringBuilder("InMemoryOwnership[");
            for (Disk d : disks.values()) {
                sb.append(d.state()).append("; ");
            }
            return sb.append("generation ").append(generation).append(']').toString();
        } finally {
            lock.unlock();
        }
    }

    /** A fence mark: who preempted the node, with which epoch, at which generation. */
    private record Mark(NodeId by, long epoch, long generation) {
    }

    /** One disk's records and data. Guarded by the storage lock. */
    private static final class Disk {
        final DiskId id;
        final byte[] data;
        NodeId sectorOwner;
        NodeId holder;
        final Set<String> registered = new HashSet<>();
        final Map<String, Mark> marks = new HashMap<>();
        long epoch;

        Disk(DiskId id, int size) {
            this.id = id;
            this.data = new byte[size];
        }

        OwnershipState state() {
            return new OwnershipState(id, Optional.ofNullable(sectorOwner), Optional.ofNullable(holder), epoch);
        }
    }

    private final class Service implements OwnershipService {
        private final NodeId self;
        private final long birth;
        /** Per disk, the birth of a later incarnation started by {@link #forgetFences}. */
        private final Map<DiskId, Long> rebirths = new java.util.HashMap<>();
        private boolean closed;

        Service(NodeId self, long birth) {
            this.self = self;
            this.birth = birth;
        }

        @Override
        public NodeId self() {
            return self;
        }

        @Override
        public List<DiskId> disks() {
            return InMemoryOwnership.this.disks();
        }

        @Override
        public OwnershipState state(DiskId disk) {
            lock.lock();
            try {
                return disk(disk).state();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public ClaimResult claim(DiskId disk) {
            lock.lock();
            try {
                Disk d = disk(disk);
                Mark m = fence(d);
                if (m != null) {
                    return new ClaimResult.Fenced(disk, m.by(), m.epoch());
                }
                NodeId other = d.holder != null ? d.holder : d.sectorOwner;
                if (other != null && !same(other)) {
                    return new ClaimResult.HeldBy(disk, other, d.epoch);
                }
                return acquire(d);
            } finally {
                lock.unlock();
            }
        }

        @Override
        public ClaimResult preempt(DiskId disk, NodeId failedOwner) {
            Objects.requireNonNull(failedOwner, "failedOwner");
            if (same(failedOwner)) {
                throw new IllegalArgumentException(self + " cannot preempt itself from " + disk + "; use claim");
            }
            lock.lock();
            try {
                Disk d = disk(disk);
                Mark m = fence(d);
                if (m != null) {
                    return new ClaimResult.Fenced(disk, m.by(), m.epoch());
                }
                NodeId owner = d.holder != null ? d.holder : d.sectorOwner;
                if (owner != null && !same(owner) && !owner.name().equals(failedOwner.name())) {
                    return new ClaimResult.HeldBy(disk, owner, d.epoch);
                }
                d.registered.remove(failedOwner.name());
                d.marks.put(failedOwner.name(), new Mark(self, d.epoch + 1, generation + 1));
                return acquire(d);
            } finally {
                lock.unlock();
            }
        }

        private ClaimResult acquire(Disk d) {
            generation++;
            d.epoch++;
            d.registered.add(self.name());
            d.holder = self;
            d.sectorOwner = self;
            return new ClaimResult.Acquired(d.id, d.epoch);
        }

        @Override
        public ReleaseResult release(DiskId disk) {
            lock.lock();
            try {
                Disk d = disk(disk);
                NodeId owner = d.holder != null ? d.holder : d.sectorOwner;
                if (fence(d) != null || owner == null || !same(owner)) {
                    return new ReleaseResult.NotOwner(disk, Optional.ofNullable(owner));
                }
                generation++;
                d.sectorOwner = null;
                d.holder = null;
                d.registered.clear();
                d.marks.clear();
                return new ReleaseResult.Released(disk);
            } finally {
                lock.unlock();
            }
        }

        @Override
        public boolean isFenced(DiskId disk) {
            lock.lock();
            try {
                return fence(disk(disk)) != null;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public DiskIo open(DiskId disk) {
            lock.lock();
            try {
                return new Io(this, disk(disk));
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void close() {
            lock.lock();
            try {
                closed = true; // its handles stay open, and fenced, like a crashed node's in-flight I/O
            } finally {
                lock.unlock();
            }
        }

        @Override
        public boolean forgetFences(DiskId disk) {
            lock.lock();
            try {
                Disk d = disk(disk);
                rebirths.put(d.id, ++generation);
                return true;
            } finally {
                lock.unlock();
            }
        }

        /** This service's current incarnation on the disk: when it was opened, or last forgot its fences. */
        long birthOf(Disk d) {
            return Math.max(birth, rebirths.getOrDefault(d.id, Long.MIN_VALUE));
        }

        /** The mark that fences this service's current incarnation on the disk, or null. */
        Mark fence(Disk d) {
            return fence(d, birthOf(d));
        }

        /** The mark that fences an incarnation born at {@code born} on the disk, or null. */
        Mark fence(Disk d, long born) {
            Mark m = d.marks.get(self.name());
            return m != null && m.generation() > born ? m : null;
        }

        private boolean same(NodeId node) {
            return node.name().equals(self.name());
        }

        private Disk disk(DiskId id) {
            if (closed) {
                throw new UnderstudyException(ErrorCode.ILLEGAL_STATE, "the ownership service of " + self + " is closed");
            }
            Disk d = disks.get(Objects.requireNonNull(id, "disk"));
            if (d == null) {
                throw new UnderstudyException(ErrorCode.UNKNOWN_DISK, "disk " + id + " is not one of " + disks.keySet()
                        + " of this in-memory storage");
            }
            return d;
        }

        @Override
        public String toString() {
            return "InMemoryOwnership.Service[" + self + "]";
        }
    }

    private final class Io implements DiskIo {
        private final Service service;
        private final Disk disk;
        /** The incarnation that opened it: a handle opened before {@code forgetFences} stays fenced. */
        private final long born;
        private boolean closed;

        Io(Service service, Disk disk) {
            this.service = service;
            this.disk = disk;
            this.born = service.birthOf(disk);
        }

        @Override
        public DiskId disk() {
            return disk.id;
        }

        @Override
        public long size() {
            return disk.data.length;
        }

        @Override
        public void write(long position, ByteBuffer src) {
            int n = src.remaining();
            checkRange(position, n);
            lock.lock();
            try {
                checkWritable("write to");
                src.get(disk.data, (int) position, n);
            } finally {
                lock.unlock();
            }
        }

        @Override
        public int read(long position, ByteBuffer dst) {
            if (position < 0) {
                throw new UnderstudyException(ErrorCode.DISK_IO, "negative read position " + position + " on " + disk.id);
            }
            lock.lock();
            try {
                checkOpen();
                if (position >= disk.data.length) {
                    return -1;
                }
                int n = (int) Math.min(dst.remaining(), disk.data.length - position);
                dst.put(disk.data, (int) position, n);
                return n;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void force() {
            lock.lock();
            try {
                checkWritable("force");
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void close() {
            lock.lock();
            try {
                closed = true;
            } finally {
                lock.unlock();
            }
        }

        private void checkOpen() {
            if (closed) {
                throw new UnderstudyException(ErrorCode.ILLEGAL_STATE, "the disk handle of " + service.self + " on " + disk.id + " is closed");
            }
        }

        private void checkWritable(String what) {
            checkOpen();
            Mark m = service.fence(disk, born);
            if (m != null) {
                throw new UnderstudyException(ErrorCode.FENCED, service.self + " cannot " + what + " disk " + disk.id + ": it was preempted by "
                        + m.by() + " (epoch " + m.epoch() + "); stop serving this disk");
            }
            if (!disk.registered.contains(service.self.name())) {
                throw new UnderstudyException(ErrorCode.OWNED_ELSEWHERE, service.self + " cannot " + what + " disk " + disk.id
                        + ": it holds no registration there (" + disk.state().pair() + "); claim the disk first");
            }
        }

        private void checkRange(long position, int length) {
            if (position < 0 || position > disk.data.length - (long) length) {
                throw new UnderstudyException(ErrorCode.DISK_IO, "write of " + length + " bytes at " + position + " is outside the "
                        + disk.data.length + "-byte data area of " + disk.id);
            }
        }
    }
}
