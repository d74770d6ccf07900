package io.understudy.ownership.file;

import io.understudy.api.Clock;
import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.api.ownership.ClaimResult;
import io.understudy.api.ownership.DiskId;
import io.understudy.api.ownership.DiskIo;
import io.understudy.api.ownership.NodeId;
import io.understudy.api.ownership.OwnershipService;
import io.understudy.api.ownership.OwnershipState;
import io.understudy.api.ownership.ReleaseResult;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One node's ownership service over the disk files of a directory.
 *
 * <p>Each operation runs under the disk's sidecar lock (exclusive for claim, preempt and release; shared
 * for reads), reads both records, decides, and writes. Order of the two writes, and what a crash between
 * them leaves (every such state is one a later call repairs):
 * <ul>
 *   <li>claim: reservation (REGISTER + RESERVE, one slot write) first, then sector S. A crash leaves
 *       {@code <U,A>} (or {@code <old,A>}): A holds the reservation, so nobody else can claim or write; A's
 *       next claim rewrites sector S, or a partner's preempt takes the disk.</li>
 *   <li>preempt: reservation (REGISTER + PREEMPT) first, then sector S. The PREEMPT is the arbiter: once it
 *       is on disk the victim is fenced, whatever sector S says. A crash leaves {@code <A,B>}, which B's
 *       claim repairs.</li>
 *   <li>release: sector S first (unowned, keeping the epoch), then RELEASE + CLEAR. A crash leaves
 *       {@code <U,A>}: still fenced against others, and A's next release (or claim) finishes it.</li>
 * </ul>
 * A claim therefore always puts the arbiter (the reservation) in place before the label (sector S), and a
 * release takes the label away before the arbiter.
 */
final class FileOwnershipService implements OwnershipService {

    /** A test seam: called between the two record writes of an operation; throwing simulates a crash there. */
    @FunctionalInterface
    interface CrashPoint {
        CrashPoint NONE = (operation, disk) -> { };

        void between(String operation, DiskId disk);
    }

    private final NodeId self;
    private final Path directory;
    private final Clock clock;
    private final Map<DiskId, Disk> disks = new HashMap<>(); // guarded by this
    private boolean closed; // guarded by this
    volatile CrashPoint crashPoint = CrashPoint.NONE;

    /** An opened disk: its files, its sidecar, and the epoch this incarnation was born at. */
    final class Disk {
        final DiskId id;
        final Path file;
        final Sidecar sidecar;
        final long birth;

        private Disk(DiskId id, Path file, Sidecar sidecar) {
            this.id = id;
            this.file = file;
            this.sidecar = sidecar;
            this.birth = birthEpoch();
        }

        private long birthEpoch() {
            // A service is fenced only by preempts after it was opened (a restarted node is a new incarnation).
            // If the records cannot be read now, every fence applies: the safe side.
            try {
                return sidecar.shared(sc -> {
                    try {
                        return Math.max(sc.read().state().epoch(), readSectorS(this).epoch());
                    } catch (Records.Corrupt | UnderstudyException e) {
                        return 0L;
                    }
                });
            } catch (IOException e) {
                return 0L;
            }
        }

        NodeId self() {
            return self;
        }

        @Override
        public String toString() {
            return id + " (" + file + ")";
        }
    }

    /** Both records of a disk, read under one lock. */
    private record Pair(ReservationState pr, SectorS sector) {
        long epoch() {
            return Math.max(pr.epoch(), sector.epoch());
        }

        /** The reservation holder if any, else the owner sector S names. */
        Optional<NodeId> owner() {
            return pr.holder().or(sector::owner);
        }
    }

    FileOwnershipService(NodeId self, Path directory, Clock clock) {
        this.self = Objects.requireNonNull(self, "self");
        this.directory = Objects.requireNonNull(directory, "directory");
        this.clock = Objects.requireNonNull(clock, "clock");
        try {
            // Open every disk now, so that each records the epoch this incarnation was born at.
            for (DiskId d : FileDisks.list(directory)) {
                disk(d);
            }
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    @Override
    public NodeId self() {
        return self;
    }

    @Override
    public List<DiskId> disks() {
        List<DiskId> found = FileDisks.list(directory);
        synchronized (this) {
            checkOpen();
            for (DiskId d : disks.keySet()) {
                if (!found.contains(d)) {
                    found = new ArrayList<>(found);
                    found.add(d);
                }
            }
        }
        return List.copyOf(found);
    }

    @Override
    public OwnershipState state(DiskId disk) {
        Disk d = disk(disk);
        Pair p = locked(d, false, () -> records(d));
        return new OwnershipState(disk, p.sector().owner(), p.pr().holder(), p.epoch());
    }

    @Override
    public boolean isFenced(DiskId disk) {
        Disk d = disk(disk);
        return locked(d, false, () -> fenceOf(d, reservation(d)).isPresent());
    }

    @Override
    public ClaimResult claim(DiskId disk) {
        Disk d = disk(disk);
        return locked(d, true, () -> {
            Pair p = records(d);
            Optional<ReservationState.Fence> fence = fenceOf(d, p.pr());
            if (fence.isPresent()) {
                return new ClaimResult.Fenced(disk, fence.get().by(), fence.get().epoch());
            }
            Optional<NodeId> owner = p.owner();
            if (owner.isPresent() && !isSelf(owner.get())) {
                return new ClaimResult.HeldBy(disk, owner.get(), p.epoch());
            }
            long epoch = p.epoch() + 1;
            d.sidecar.write(p.pr(), p.pr().register(self).reserve(self).withEpoch(epoch));
            crashPoint.between("claim", disk);
            writeSectorS(d, SectorS.owned(self, epoch, clock.instant().toEpochMilli()));
            return new ClaimResult.Acquired(disk, epoch);
        });
    }

    @Override
    public ClaimResult preempt(DiskId disk, NodeId failedOwner) {
        Objects.requireNonNull(failedOwner, "failedOwner");
        if (isSelf(failedOwner)) {
            throw new IllegalArgumentException(self + " cannot preempt itself from " + disk + "; use claim");
        }
        Disk d = disk(disk);
        return locked(d, true, () -> {
            Pair p = records(d);
            Optional<ReservationState.Fence> fence = fenceOf(d, p.pr());
            if (fence.isPresent()) {
                return new ClaimResult.Fenced(disk, fence.get().by(), fence.get().epoch());
            }
            Optional<NodeId> owner = p.owner();
            if (owner.isPresent() && !isSelf(owner.get()) && !owner.get().name().equals(failedOwner.name())) {
                return new ClaimResult.HeldBy(disk, owner.get(), p.epoch());
            }
            long epoch = p.epoch() + 1;
            d.sidecar.write(p.pr(), p.pr().register(self).preempt(self, failedOwner, epoch).withEpoch(epoch));
            crashPoint.between("preempt", disk);
            writeSectorS(d, SectorS.owned(self, epoch, clock.instant().toEpochMilli()));
            return new ClaimResult.Acquired(disk, epoch);
        });
    }

    @Override
    public ReleaseResult release(DiskId disk) {
        Disk d = disk(disk);
        return locked(d, true, () -> {
            Pair p = records(d);
            Optional<NodeId> owner = p.owner();
            if (fenceOf(d, p.pr()).isPresent() || owner.isEmpty() || !isSelf(owner.get())) {
                return new ReleaseResult.NotOwner(disk, owner);
            }
            writeSectorS(d, SectorS.unowned(p.epoch(), clock.instant().toEpochMilli()));
            crashPoint.between("release", disk);
            d.sidecar.write(p.pr(), p.pr().release(self).clear().withEpoch(p.epoch()));
            return new ReleaseResult.Released(disk);
        });
    }

    @Override
    public DiskIo open(DiskId disk) {
        Disk d = disk(disk);
        try {
            return new FileDiskIo(this, d);
        } catch (IOException e) {
            throw diskIo(d, "cannot open", e);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Here: a new {@code Disk} incarnation whose birth epoch is the disk's epoch now, so fences up to
     * it no longer apply to this service; handles opened before keep the old incarnation and stay fenced.
     */
    @Override
    public boolean forgetFences(DiskId disk) {
        Disk old = disk(disk);
        Disk fresh;
        synchronized (this) {
            checkOpen();
            if (disks.get(disk) != old) {
                return true; // another thread started a new incarnation meanwhile
            }
            Sidecar sc;
            try {
                sc = Sidecar.acquire(FileDisks.reservationFile(directory, disk));
            } catch (IOException e) {
                throw new UnderstudyException(ErrorCode.DISK_IO, self + " cannot open the reservation sidecar of disk " + disk
                        + " in " + directory + ": " + e, e);
            }
            try {
                fresh = new Disk(disk, old.file, sc);
            } catch (RuntimeException | Error e) {
                sc.release();
                throw e;
            }
            disks.put(disk, fresh);
        }
        old.sidecar.release();
        return true;
    }

    @Override
    public void close() {
        List<Disk> toRelease;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            toRelease = new ArrayList<>(disks.values());
            disks.clear();
        }
        // Handles stay open and fenced: they hold their own reference to the sidecar.
        for (Disk d : toRelease) {
            d.sidecar.release();
        }
    }

    @Override
    public String toString() {
        return "FileOwnershipService[" + self + ", " + directory + "]";
    }

    // -------------------------------------------------------------------------------------------------------
    // Records

    /** {@return the fence that applies to this incarnation, if any} */
    Optional<ReservationState.Fence> fenceOf(Disk d, ReservationState pr) {
        return pr.fenceOf(self.name(), d.birth);
    }

    private boolean isSelf(NodeId node) {
        return node.name().equals(self.name());
    }

    /** Reads the sidecar alone (for the data path and isFenced); call under a lock. */
    static ReservationState reservation(Disk d) throws IOException {
        Sidecar.Read r = readSidecar(d.sidecar);
        if (r.fallback() != null) {
            // The newest slot is damaged: trust the older one only if sector S is not newer than it.
            checkNotStale(d, r, readSectorS(d));
        }
        return r.state();
    }

    private static Pair records(Disk d) throws IOException {
        Sidecar.Read r = readSidecar(d.sidecar);
        SectorS s = readSectorS(d);
        if (r.fallback() != null) {
            checkNotStale(d, r, s);
        }
        return new Pair(r.state(), s);
    }

    private static Sidecar.Read readSidecar(Sidecar sc) throws IOException {
        try {
            return sc.read();
        } catch (Records.Corrupt e) {
            throw Records.corrupt("the reservation sidecar", sc.path(), e.getMessage());
        }
    }

    private static void checkNotStale(Disk d, Sidecar.Read r, SectorS s) {
        // Claims and preempts write the reservation before sector S, so sector S is never newer than a
        // reservation state that was completely written. If it is, the older slot predates a finished update.
        if (s.epoch() > r.state().epoch()) {
            throw Records.corrupt("the reservation sidecar", d.sidecar.path(), r.fallback() + "; the other slot (epoch "
                    + r.state().epoch() + ") is older than sector S (epoch " + s.epoch() + "), so it cannot stand in");
        }
    }

    static SectorS readSectorS(Disk d) throws IOException {
        ByteBuffer b = Records.buffer(SectorSDescriptor.LENGTH);
        try (FileChannel c = FileChannel.open(d.file, StandardOpenOption.READ)) {
            while (b.hasRemaining() && c.read(b, b.position()) >= 0) {
                // read until full or end of file
            }
        }
        b.flip();
        return SectorS.read(b, d.file);
    }

    private static void writeSectorS(Disk d, SectorS s) throws IOException {
        ByteBuffer b = s.encode();
        try (FileChannel c = FileChannel.open(d.file, StandardOpenOption.WRITE)) {
            while (b.hasRemaining()) {
                c.write(b, b.position());
            }
            c.force(false);
        }
    }

    // -------------------------------------------------------------------------------------------------------
    // Plumbing

    @FunctionalInterface
    private interface IoWork<T> {
        T run() throws IOException;
    }

    private <T> T locked(Disk d, boolean exclusive, IoWork<T> work) {
        try {
            return exclusive ? d.sidecar.exclusive(sc -> work.run()) : d.sidecar.shared(sc -> work.run());
        } catch (IOException e) {
            throw diskIo(d, "cannot read or write the ownership records of", e);
        }
    }

    static UnderstudyException diskIo(Disk d, String what, IOException e) {
        return new UnderstudyException(ErrorCode.DISK_IO, d.self() + " " + what + " disk " + d.id + " (" + d.file + "): " + e, e);
    }

    /** {@return the opened disk, opening it on first use} */
    synchronized Disk disk(DiskId id) {
        Objects.requireNonNull(id, "disk");
        checkOpen();
        Disk d = disks.get(id);
        if (d != null) {
            return d;
        }
        Path file = FileDisks.diskFile(directory, id);
        if (!Files.isRegularFile(file)) {
            throw new UnderstudyException(ErrorCode.UNKNOWN_DISK, "disk " + id + " is unknown: there is no file " + file
                    + " (disks here: " + FileDisks.list(directory) + "); create it with FileDisks.create or the file.create option");
        }
        Sidecar sc;
        try {
            sc = Sidecar.acquire(FileDisks.reservationFile(directory, id));
        } catch (IOException e) {
            throw new UnderstudyException(ErrorCode.DISK_IO, self + " cannot open the reservation sidecar of disk " + id
                    + " in " + directory + ": " + e, e);
        }
        try {
            d = new Disk(id, file, sc);
        } catch (RuntimeException | Error e) {
            sc.release();
            throw e;
        }
        disks.put(id, d);
        return d;
    }

    private void checkOpen() {
        if (closed) {
            throw new UnderstudyException(ErrorCode.ILLEGAL_STATE, "the ownership service of " + self + " over " + directory + " is closed");
        }
    }
}
