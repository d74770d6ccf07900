package io.understudy.ownership.iscsi;

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
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * One node's ownership service over iSCSI LUNs. Each disk gets its own session (its own I_T nexus, with an
 * initiator name unique to this service, so a restarted node is a new nexus) and its own reservation key:
 * the upper 32 bits are the CRC32C of the node's name (so a preempter finds every key of the failed node),
 * the lower 32 bits are random per service. The service REGISTERs when it opens a disk and stays
 * registered; the target (not this class) is the arbiter:
 * <ul>
 *   <li>claim: REGISTER if needed, RESERVE (Write Exclusive - Registrants Only), then write sector S;</li>
 *   <li>preempt: PREEMPT the holder's key (taking the reservation) and every other key of the failed node,
 *       write sector S naming the fenced node, then check that this nexus still holds the reservation and
 *       preempt any key of the failed node that appeared meanwhile; any RESERVATION CONFLICT on the way
 *       means another node preempted this one first;</li>
 *   <li>release: write sector S unowned (counting the giveback), then RELEASE. Registrations stay, so that
 *       a race after giveback is still arbitrated by the target; a node that was preempted re-registers on
 *       its next claim or preempt once it sees the giveback in sector S.</li>
 * </ul>
 * A node is fenced when its key was preempted since it last registered (and no giveback happened since),
 * or when sector S names it as fenced by a preempt after this service opened the disk.
 */
final class IscsiOwnershipService implements OwnershipService {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final NodeId self;
    private final LibIscsi lib;
    private final Map<DiskId, IscsiTarget> targets;
    private final long sectorLba;
    private final Clock clock;
    private final String initiatorPrefix;
    private final Map<DiskId, Disk> disks = new LinkedHashMap<>(); // guarded by this
    private boolean closed; // guarded by this

    /** An opened disk: its session, key and geometry. Shared with the handles, which outlive the service. */
    final class Disk {
        final DiskId id;
        final IscsiSession session;
        final long key;
        final int blockSize;
        final long blocks;
        final long birth;
        volatile long registeredAtReleases;
        private int refs = 1; // guarded by this

        Disk(DiskId id, IscsiSession session, long key) {
            this.id = id;
            this.session = session;
            this.key = key;
            Scsi.Capacity cap = session.capacity();
            this.blockSize = cap.blockSize();
            this.blocks = cap.blocks();
            if (blocks <= sectorLba + SectorSDescriptor.RESERVED_BLOCKS) {
                throw session.failure("the LUN has " + blocks + " blocks of " + blockSize
                        + " bytes, too few for sector S at LBA " + sectorLba + ", its directory and a data area", null);
            }
            session.onReconnect(x -> recover(this));
            SectorS s = sectorS(this);
            this.birth = s.epoch();
            // Losing this first registration to a concurrent preempt is not an error: the node is fenced.
            register(this, s);
        }

        long dataLba() {
            return sectorLba + SectorSDescriptor.RESERVED_BLOCKS;
        }

        long dataSize() {
            return (blocks - dataLba()) * blockSize;
        }

        NodeId self() {
            return self;
        }

        IscsiOwnershipService service() {
            return IscsiOwnershipService.this;
        }

        synchronized void retain() {
            refs++;
        }

        void release() {
            boolean last;
            synchronized (this) {
                last = --refs == 0;
            }
            if (last) {
                session.close();
            }
        }

        @Override
        public String toString() {
            return id + " (" + session.target() + ")";
        }
    }

    /** What the target and sector S said, read one after the other. */
    record Snap(Scsi.Keys keys, Scsi.Reservation reservation, SectorS sector) {
        boolean registered(long key) {
            return keys.keys().contains(key);
        }
    }

    record Fence(NodeId by, long epoch) {
    }

    IscsiOwnershipService(NodeId self, LibIscsi lib, Map<DiskId, IscsiTarget> targets, long sectorLba, Clock clock) {
        this.self = Objects.requireNonNull(self, "self");
        this.lib = lib;
        this.targets = Map.copyOf(targets);
        this.sectorLba = sectorLba;
        this.clock = clock;
        this.initiatorPrefix = "iqn.2026-01.io.understudy:" + self.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        try {
            for (DiskId d : targets.keySet()) {
                disk(d);
            }
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    static int tag(String nodeName) {
        CRC32C c = new CRC32C();
        c.update(nodeName.getBytes(StandardCharsets.UTF_8));
        return (int) c.getValue();
    }

    static boolean keyOf(long key, NodeId node) {
        return (int) (key >>> 32) == tag(node.name());
    }

    @Override
    public NodeId self() {
        return self;
    }

    @Override
    public List<DiskId> disks() {
        return List.copyOf(targets.keySet());
    }

    @Override
    public OwnershipState state(DiskId disk) {
        Disk d = disk(disk);
        Snap s = snap(d);
        Optional<NodeId> holder = s.reservation().holder().isPresent()
                ? Optional.of(resolve(d, s.reservation().holder().getAsLong(), s.sector())) : Optional.empty();
        return new OwnershipState(disk, s.sector().owner(), holder, s.sector().epoch());
    }

    @Override
    public boolean isFenced(DiskId disk) {
        Disk d = disk(disk);
        return fence(d, snap(d)).isPresent();
    }

    @Override
    public ClaimResult claim(DiskId disk) {
        Disk d = disk(disk);
        synchronized (d) {
            Snap s = snap(d);
            Optional<ClaimResult> refused = refuse(d, s, null);
            if (refused.isPresent()) {
                return refused.get();
            }
            if (!s.registered(d.key) && !register(d, s.sector())) {
                return refuse(d, snap(d), null).orElseThrow(() -> unexpected(d, "claim"));
            }
            var holder = s.reservation().holder();
            boolean got;
            if (holder.isEmpty()) {
                got = d.session.reserveOut(Scsi.PR_OUT_RESERVE, Scsi.PR_TYPE_WRITE_EXCLUSIVE_REGISTRANTS_ONLY, d.key, 0);
            } else if (holder.getAsLong() != d.key) {
                // An earlier incarnation of this node holds it (the owner check passed): take it over.
                got = d.session.reserveOut(Scsi.PR_OUT_PREEMPT, Scsi.PR_TYPE_WRITE_EXCLUSIVE_REGISTRANTS_ONLY, d.key, holder.getAsLong());
            } else {
                got = true;
            }
            if (!got) {
                return lost(d, "claim");
            }
            // Holding the reservation now, read sector S again: a claim that finished between the snapshot and
            // the RESERVE/PREEMPT above wrote a newer epoch, and every Acquired must exceed it.
            SectorS old = newer(s.sector(), sectorS(d));
            long epoch = old.epoch() + 1;
            boolean keepFence = old.owner().filter(o -> o.name().equals(self.name())).isPresent();
            SectorS next = new SectorS(Optional.of(self), epoch, clock.instant().toEpochMilli(), d.key, old.releases(),
                    keepFence ? old.fenced() : Optional.empty(), keepFence ? old.fenceEpoch() : 0);
            if (!writeSectorS(d, next)) {
                return lost(d, "claim");
            }
            return new ClaimResult.Acquired(disk, epoch);
        }
    }

    @Override
    public ClaimResult preempt(DiskId disk, NodeId failedOwner) {
        Objects.requireNonNull(failedOwner, "failedOwner");
        if (failedOwner.name().equals(self.name())) {
            throw new IllegalArgumentException(self + " cannot preempt itself from " + disk + "; use claim");
        }
        Disk d = disk(disk);
        synchronized (d) {
            Snap s = snap(d);
            Optional<ClaimResult> refused = refuse(d, s, failedOwner);
            if (refused.isPresent()) {
                return refused.get();
            }
            if (!s.registered(d.key) && !register(d, s.sector())) {
                return refuse(d, snap(d), failedOwner).orElseThrow(() -> unexpected(d, "preempt"));
            }
            var holder = s.reservation().holder();
            boolean ok;
            if (holder.isEmpty()) {
                ok = d.session.reserveOut(Scsi.PR_OUT_RESERVE, Scsi.PR_TYPE_WRITE_EXCLUSIVE_REGISTRANTS_ONLY, d.key, 0);
            } else if (holder.getAsLong() != d.key) {
                ok = d.session.reserveOut(Scsi.PR_OUT_PREEMPT, Scsi.PR_TYPE_WRITE_EXCLUSIVE_REGISTRANTS_ONLY, d.key, holder.getAsLong());
            } else {
                ok = true;
            }
            if (!ok || !preemptKeysOf(d, s.keys().keys(), failedOwner)) {
                return lost(d, "preempt");
            }
            SectorS old = newer(s.sector(), sectorS(d)); // as in claim: an epoch written meanwhile must be exceeded
            long epoch = old.epoch() + 1;
            SectorS next = new SectorS(Optional.of(self), epoch, clock.instant().toEpochMilli(), d.key, old.releases(),
                    Optional.of(failedOwner), epoch);
            if (!writeSectorS(d, next)) {
                return lost(d, "preempt");
            }
            // Keys of the failed node that registered while this preempt ran would let it race on: remove them,
            // and make sure nobody preempted this nexus meanwhile.
            Scsi.Reservation r = d.session.readReservation();
            if (r.holder().isEmpty() || r.holder().getAsLong() != d.key
                    || !preemptKeysOf(d, d.session.readKeys().keys(), failedOwner)) {
                return lost(d, "preempt");
            }
            return new ClaimResult.Acquired(disk, epoch);
        }
    }

    private static SectorS newer(SectorS a, SectorS b) {
        return b.epoch() > a.epoch() || b.releases() > a.releases() ? b : a;
    }

    private boolean preemptKeysOf(Disk d, List<Long> keys, NodeId victim) {
        for (long k : keys) {
            if (k != d.key && keyOf(k, victim)
                    && !d.session.reserveOut(Scsi.PR_OUT_PREEMPT, Scsi.PR_TYPE_WRITE_EXCLUSIVE_REGISTRANTS_ONLY, d.key, k)) {
                // Conflict: either this nexus was preempted (lost) or the key vanished (fine).
                if (!d.session.readKeys().keys().contains(d.key)) {
                    return false;
                }
            }
        }
        return true;
    }

    @Override
    public ReleaseResult release(DiskId disk) {
        Disk d = disk(disk);
        synchronized (d) {
            Snap s = snap(d);
            Optional<NodeId> owner = owner(d, s);
            boolean mine = s.reservation().holder().isPresent() && s.reservation().holder().getAsLong() == d.key;
            if (fence(d, s).isPresent() || !mine) {
                return new ReleaseResult.NotOwner(disk, owner);
            }
            SectorS old = s.sector();
            SectorS next = new SectorS(Optional.empty(), old.epoch(), clock.instant().toEpochMilli(), 0, old.releases() + 1,
                    Optional.empty(), 0);
            if (!writeSectorS(d, next)) {
                return new ReleaseResult.NotOwner(disk, owner(d, snap(d)));
            }
            d.registeredAtReleases = next.releases();
            if (!d.session.reserveOut(Scsi.PR_OUT_RELEASE, Scsi.PR_TYPE_WRITE_EXCLUSIVE_REGISTRANTS_ONLY, d.key, 0)) {
                throw d.session.failure("RELEASE after writing sector S unowned got RESERVATION CONFLICT; sector S says <U,..>"
                        + " but the reservation may still be held: " + state(disk), null);
            }
            return new ReleaseResult.Released(disk);
        }
    }

    @Override
    public DiskIo open(DiskId disk) {
        Disk d = disk(disk);
        d.retain();
        return new IscsiDiskIo(d);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Here: a new I_T nexus (a new iSCSI session) with a new registration key and a birth epoch of now;
     * the old session is closed once the handles opened on it are, and stays unregistered (fenced) until
     * then.
     */
    @Override
    public boolean forgetFences(DiskId disk) {
        Disk old;
        synchronized (this) {
            if (closed) {
                throw new UnderstudyException(ErrorCode.ILLEGAL_STATE, "the ownership service of " + self + " is closed");
            }
            old = disks.remove(disk);
        }
        if (old != null) {
            old.release();
        }
        disk(disk);
        return true;
    }

    @Override
    public void close() {
        List<Disk> all;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            all = new ArrayList<>(disks.values());
            disks.clear();
        }
        for (Disk d : all) {
            d.release();
        }
    }

    @Override
    public String toString() {
        return "IscsiOwnershipService[" + self + ", " + targets + "]";
    }

    // ---------------------------------------------------------------------------------------------------

    Snap snap(Disk d) {
        Scsi.Keys keys = d.session.readKeys();
        Scsi.Reservation r = d.session.readReservation();
        return new Snap(keys, r, sectorS(d));
    }

    /** {@return why this node may not take the disk now, if it may not} */
    private Optional<ClaimResult> refuse(Disk d, Snap s, NodeId failed) {
        Optional<Fence> f = fence(d, s);
        if (f.isPresent()) {
            return Optional.of(new ClaimResult.Fenced(d.id, f.get().by(), f.get().epoch()));
        }
        Optional<NodeId> owner = owner(d, s);
        if (owner.isPresent() && !owner.get().name().equals(self.name())
                && (failed == null || !owner.get().name().equals(failed.name()))) {
            return Optional.of(new ClaimResult.HeldBy(d.id, owner.get(), s.sector().epoch()));
        }
        return Optional.empty();
    }

    /** After a RESERVATION CONFLICT on the way: someone else won; say who. */
    private ClaimResult lost(Disk d, String what) {
        Snap s = snap(d);
        Optional<Fence> f = fence(d, s);
        if (f.isPresent()) {
            return new ClaimResult.Fenced(d.id, f.get().by(), f.get().epoch());
        }
        Optional<NodeId> owner = owner(d, s);
        if (owner.isPresent() && !owner.get().name().equals(self.name())) {
            return new ClaimResult.HeldBy(d.id, owner.get(), s.sector().epoch());
        }
        throw unexpected(d, what);
    }

    private UnderstudyException unexpected(Disk d, String what) {
        return d.session.failure(self + "'s " + what + " of " + d.id + " got RESERVATION CONFLICT, yet no other node holds"
                + " the disk or fenced this one: " + snap(d), null);
    }

    /** The reservation holder if any, else the owner sector S names. */
    private Optional<NodeId> owner(Disk d, Snap s) {
        if (s.reservation().holder().isPresent()) {
            return Optional.of(resolve(d, s.reservation().holder().getAsLong(), s.sector()));
        }
        return s.sector().owner();
    }

    Optional<Fence> fence(Disk d, Snap s) {
        SectorS sec = s.sector();
        var holder = s.reservation().holder();
        if (!s.registered(d.key) && holder.isPresent() && holder.getAsLong() != d.key
                && sec.releases() == d.registeredAtReleases) {
            return Optional.of(new Fence(resolve(d, holder.getAsLong(), sec), sec.epoch()));
        }
        if (sec.fenced().filter(n -> n.name().equals(self.name())).isPresent() && sec.fenceEpoch() > d.birth) {
            return Optional.of(new Fence(sec.owner().orElseGet(() -> holder.isPresent()
                    ? resolve(d, holder.getAsLong(), sec) : self), sec.epoch()));
        }
        return Optional.empty();
    }

    /**
     * After a reconnect: tgtd (and SPC, for a new ISID) treats the new connection as a new I_T nexus, which
     * is not registered although this node's key is still listed for the old one. If the key is still
     * there (nobody preempted it), register the new nexus with it and, if the key held the reservation,
     * PREEMPT the key with itself, which moves the reservation to the new nexus and drops the dead one.
     * Both steps are arbitrated by the target: a preempt by another node that lands in between removes the
     * new registration too (PREEMPT removes every nexus registered with the key), and then the PREEMPT here
     * conflicts and this node is fenced. Runs under the session's lock, so no write of this node runs between.
     */
    private void recover(Disk d) {
        Scsi.Keys keys = d.session.readKeys();
        if (!keys.keys().contains(d.key)) {
            return; // preempted or cleared while away: stay unregistered (fenced, or re-register on the next claim)
        }
        d.session.reserveOut(Scsi.PR_OUT_REGISTER, 0, 0, d.key); // a conflict means this nexus is registered already
        Scsi.Reservation r = d.session.readReservation();
        if (r.holder().isPresent() && r.holder().getAsLong() == d.key
                && !d.session.reserveOut(Scsi.PR_OUT_PREEMPT, Scsi.PR_TYPE_WRITE_EXCLUSIVE_REGISTRANTS_ONLY, d.key, d.key)) {
            d.session.reserveOut(Scsi.PR_OUT_REGISTER, 0, d.key, 0); // lost the race: leave no registration behind
        }
    }

    /** {@return the node that registered {@code key}} */
    NodeId resolve(Disk d, long key, SectorS sec) {
        if (key == d.key) {
            return self;
        }
        if (sec.owner().isPresent() && sec.ownerKey() == key) {
            return sec.owner().get();
        }
        byte[] dir = d.session.read(sectorLba + 1, SectorSDescriptor.DIRECTORY_SLOTS, d.blockSize);
        for (int i = 0; i < SectorSDescriptor.DIRECTORY_SLOTS; i++) {
            try {
                Optional<SectorS.Entry> e = SectorS.decodeEntry(ByteBuffer.wrap(dir, i * d.blockSize, d.blockSize));
                if (e.isPresent() && e.get().key() == key) {
                    return e.get().node();
                }
            } catch (SectorS.Corrupt c) {
                throw SectorS.corrupt("node directory slot " + i, d, c.getMessage());
            }
        }
        throw SectorS.corrupt("the node directory", d, String.format("reservation key 0x%016x is in no entry", key));
    }

    /**
     * Registers this nexus and records its key in the node directory. Refuses (unregistering again) if sector
     * S says this node was fenced since it opened the disk.
     *
     * @return whether this nexus is registered now
     */
    private boolean register(Disk d, SectorS seen) {
        if (!d.session.reserveOut(Scsi.PR_OUT_REGISTER, 0, 0, d.key)) {
            throw d.session.failure("REGISTER of a new key got RESERVATION CONFLICT", null);
        }
        SectorS now = sectorS(d);
        if (now.fenced().filter(n -> n.name().equals(self.name())).isPresent() && now.fenceEpoch() > d.birth) {
            d.session.reserveOut(Scsi.PR_OUT_REGISTER, 0, d.key, 0);
            return false;
        }
        d.registeredAtReleases = now.releases();
        // A conflict here means another node preempted this fresh registration already: this node lost.
        return writeDirectory(d);
    }

    private boolean writeDirectory(Disk d) {
        byte[] dir = d.session.read(sectorLba + 1, SectorSDescriptor.DIRECTORY_SLOTS, d.blockSize);
        int home = Math.floorMod(tag(self.name()), SectorSDescriptor.DIRECTORY_SLOTS);
        for (int i = 0; i < SectorSDescriptor.DIRECTORY_SLOTS; i++) {
            int slot = (home + i) % SectorSDescriptor.DIRECTORY_SLOTS;
            Optional<SectorS.Entry> e;
            try {
                e = SectorS.decodeEntry(ByteBuffer.wrap(dir, slot * d.blockSize, d.blockSize));
            } catch (SectorS.Corrupt c) {
                e = Optional.empty(); // a damaged slot is reused
            }
            if (e.isEmpty() || e.get().node().name().equals(self.name())) {
                byte[] block = new byte[d.blockSize];
                SectorS.encodeEntry(self, d.key).get(0, block, 0, SectorSDescriptor.LENGTH);
                return d.session.write(sectorLba + 1 + slot, block, d.blockSize) == Scsi.Outcome.GOOD;
            }
        }
        throw d.session.failure("the node directory's " + SectorSDescriptor.DIRECTORY_SLOTS + " slots are all taken by other nodes", null);
    }

    SectorS sectorS(Disk d) {
        byte[] b = d.session.read(sectorLba, 1, d.blockSize);
        try {
            return SectorS.decode(ByteBuffer.wrap(b));
        } catch (SectorS.Corrupt e) {
            throw SectorS.corrupt("sector S (LBA " + sectorLba + ")", d, e.getMessage());
        }
    }

    private boolean writeSectorS(Disk d, SectorS s) {
        byte[] block = new byte[d.blockSize];
        s.encode().get(0, block, 0, SectorSDescriptor.LENGTH);
        return d.session.write(sectorLba, block, d.blockSize) == Scsi.Outcome.GOOD;
    }

    synchronized Disk disk(DiskId id) {
        Objects.requireNonNull(id, "disk");
        if (closed) {
            throw new UnderstudyException(ErrorCode.ILLEGAL_STATE, "the ownership service of " + self + " is closed");
        }
        Disk d = disks.get(id);
        if (d != null) {
            return d;
        }
        IscsiTarget t = targets.get(id);
        if (t == null) {
            throw new UnderstudyException(ErrorCode.UNKNOWN_DISK, "disk " + id + " is unknown; disks configured: " + targets.keySet()
                    + " (option " + IscsiOwnershipProvider.DISKS.name() + ")");
        }
        int nonce;
        do {
            nonce = RANDOM.nextInt();
        } while (nonce == 0);
        long key = ((long) tag(self.name()) << 32) | Integer.toUnsignedLong(nonce);
        IscsiSession session = new IscsiSession(lib, t, initiatorPrefix + "-" + Integer.toHexString(nonce));
        try {
            d = new Disk(id, session, key);
        } catch (RuntimeException | Error e) {
            session.close();
            throw e;
        }
        disks.put(id, d);
        return d;
    }
}
