package io.understudy.ownership.file;

import static io.understudy.ownership.file.ReservationDescriptor.CHECKSUM_OFFSET;
import static io.understudy.ownership.file.ReservationDescriptor.EPOCH_OFFSET;
import static io.understudy.ownership.file.ReservationDescriptor.FENCES_OFFSET;
import static io.understudy.ownership.file.ReservationDescriptor.FENCE_BY_OFFSET;
import static io.understudy.ownership.file.ReservationDescriptor.FENCE_COUNT_OFFSET;
import static io.understudy.ownership.file.ReservationDescriptor.FENCE_EPOCH_OFFSET;
import static io.understudy.ownership.file.ReservationDescriptor.FENCE_LENGTH;
import static io.understudy.ownership.file.ReservationDescriptor.FENCE_VICTIM_OFFSET;
import static io.understudy.ownership.file.ReservationDescriptor.GENERATION_OFFSET;
import static io.understudy.ownership.file.ReservationDescriptor.HOLDER_KEY_OFFSET;
import static io.understudy.ownership.file.ReservationDescriptor.IDENTITY_KEY_OFFSET;
import static io.understudy.ownership.file.ReservationDescriptor.IDENTITY_LABEL_LENGTH_OFFSET;
import static io.understudy.ownership.file.ReservationDescriptor.IDENTITY_LENGTH;
import static io.understudy.ownership.file.ReservationDescriptor.MAGIC;
import static io.understudy.ownership.file.ReservationDescriptor.MAGIC_OFFSET;
import static io.understudy.ownership.file.ReservationDescriptor.MAX_FENCES;
import static io.understudy.ownership.file.ReservationDescriptor.MAX_LABEL_LENGTH;
import static io.understudy.ownership.file.ReservationDescriptor.MAX_NAME_LENGTH;
import static io.understudy.ownership.file.ReservationDescriptor.MAX_REGISTRATIONS;
import static io.understudy.ownership.file.ReservationDescriptor.REGISTRATIONS_OFFSET;
import static io.understudy.ownership.file.ReservationDescriptor.REGISTRATION_COUNT_OFFSET;
import static io.understudy.ownership.file.ReservationDescriptor.SEQUENCE_OFFSET;
import static io.understudy.ownership.file.ReservationDescriptor.SLOT_COUNT;
import static io.understudy.ownership.file.ReservationDescriptor.SLOT_LENGTH;
import static io.understudy.ownership.file.ReservationDescriptor.TYPE_NONE;
import static io.understudy.ownership.file.ReservationDescriptor.TYPE_OFFSET;
import static io.understudy.ownership.file.ReservationDescriptor.TYPE_WRITE_EXCLUSIVE_REGISTRANTS_ONLY;
import static io.understudy.ownership.file.ReservationDescriptor.VERSION;
import static io.understudy.ownership.file.ReservationDescriptor.VERSION_OFFSET;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.api.ownership.NodeId;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One disk's emulated SCSI-3 persistent reservation (see {@link ReservationDescriptor}): registrations, the
 * Write Exclusive - Registrants Only reservation and its holder, the PR generation, the claim epoch and the
 * fences. Immutable; each PERSISTENT RESERVE OUT service action is a method returning the next state, so
 * that a compound operation (REGISTER then RESERVE) is written, and becomes visible, as one slot write.
 *
 * @param sequence    the sidecar write this state was read from (0: never written)
 * @param generation  the PR generation, bumped by every service action
 * @param epoch       the epoch of the last successful claim or preempt
 * @param holder      the reservation holder; always a registrant
 * @param registrants the registered nodes, each with the key {@link #keyOf} derives from its name
 * @param fences      nodes whose registration a PREEMPT removed, at most one per node name
 */
record ReservationState(long sequence, long generation, long epoch, Optional<NodeId> holder,
                        List<NodeId> registrants, List<Fence> fences) {

    /** The state of a disk no node ever registered on. */
    static final ReservationState EMPTY = new ReservationState(0, 0, 0, Optional.empty(), List.of(), List.of());

    /**
     * A fence: {@code victim}'s registration was removed by {@code by}'s PREEMPT with {@code epoch}.
     *
     * @param victim the fenced node
     * @param by     the preempting node
     * @param epoch  the preempt's epoch
     */
    record Fence(NodeId victim, NodeId by, long epoch) {
    }

    ReservationState {
        Objects.requireNonNull(holder, "holder");
        registrants = List.copyOf(registrants);
        fences = List.copyOf(fences);
        if (holder.isPresent() && !contains(registrants, holder.get().name())) {
            throw new IllegalStateException("holder " + holder.get() + " is not registered");
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Service actions (PERSISTENT RESERVE OUT)

    /** REGISTER: adds {@code node}'s key; registering again is harmless. */
    ReservationState register(NodeId node) {
        List<NodeId> regs = new ArrayList<>(registrants);
        regs.removeIf(n -> n.name().equals(node.name()));
        regs.add(node);
        if (regs.size() > MAX_REGISTRATIONS) {
            throw new UnderstudyException(ErrorCode.INVALID_CONFIGURATION,
                    "more than " + MAX_REGISTRATIONS + " nodes would be registered on one disk; the file provider supports at most that many");
        }
        Optional<NodeId> h = holder.filter(x -> x.name().equals(node.name())).map(x -> node).or(() -> holder);
        return new ReservationState(sequence, generation + 1, epoch, h, regs, fences);
    }

    /** RESERVE, type Write Exclusive - Registrants Only, by a registrant, when nobody else holds it. */
    ReservationState reserve(NodeId node) {
        requireRegistered(node, "RESERVE");
        if (holder.isPresent() && !holder.get().name().equals(node.name())) {
            throw new IllegalStateException("RESERVATION CONFLICT: " + node + " cannot reserve, " + holder.get() + " holds the reservation");
        }
        return new ReservationState(sequence, generation + 1, epoch, Optional.of(node), registrants, fences);
    }

    /**
     * PREEMPT by a registrant: removes the victim's registration (if any), records the fence, and gives the
     * reservation to {@code by}.
     */
    ReservationState preempt(NodeId by, NodeId victim, long preemptEpoch) {
        requireRegistered(by, "PREEMPT");
        List<NodeId> regs = new ArrayList<>(registrants);
        regs.removeIf(n -> n.name().equals(victim.name()));
        List<Fence> fs = new ArrayList<>(fences);
        fs.removeIf(f -> f.victim().name().equals(victim.name()));
        fs.add(new Fence(victim, by, preemptEpoch));
        if (fs.size() > MAX_FENCES) {
            throw new UnderstudyException(ErrorCode.INVALID_CONFIGURATION,
                    "more than " + MAX_FENCES + " nodes would be fenced on one disk; the file provider supports at most that many");
        }
        return new ReservationState(sequence, generation + 1, epoch, Optional.of(by), regs, fs);
    }

    /** RELEASE by the holder: drops the reservation, keeps the registrations. */
    ReservationState release(NodeId node) {
        Optional<NodeId> h = holder.filter(x -> !x.name().equals(node.name()));
        return new ReservationState(sequence, generation + 1, epoch, h, registrants, fences);
    }

    /** CLEAR: removes every registration, the reservation and (in this emulation) every fence. */
    ReservationState clear() {
        return new ReservationState(sequence, generation + 1, epoch, Optional.empty(), List.of(), List.of());
    }

    ReservationState withEpoch(long newEpoch) {
        return new ReservationState(sequence, generation, newEpoch, holder, registrants, fences);
    }

    ReservationState withSequence(long newSequence) {
        return new ReservationState(newSequence, generation, epoch, holder, registrants, fences);
    }

    // ---------------------------------------------------------------------------------------------------
    // PERSISTENT RESERVE IN, and questions the service asks

    /** READ KEYS: the registered keys, in registration order. */
    List<Long> readKeys() {
        return registrants.stream().map(n -> keyOf(n.name())).toList();
    }

    /** READ RESERVATION: the holder's key and the type, or empty if there is no reservation. */
    Optional<Reservation> readReservation() {
        return holder.map(h -> new Reservation(keyOf(h.name()), TYPE_WRITE_EXCLUSIVE_REGISTRANTS_ONLY));
    }

    /**
     * A reservation as READ RESERVATION reports it.
     *
     * @param key  the holder's key
     * @param type the SPC-3 type code
     */
    record Reservation(long key, short type) {
    }

    boolean isRegistered(String name) {
        return contains(registrants, name);
    }

    /** {@return the fence on {@code name} made after {@code sinceEpoch}, which fences an incarnation born then} */
    Optional<Fence> fenceOf(String name, long sinceEpoch) {
        return fences.stream().filter(f -> f.victim().name().equals(name) && f.epoch() > sinceEpoch).findFirst();
    }

    private void requireRegistered(NodeId node, String action) {
        if (!isRegistered(node.name())) {
            throw new IllegalStateException("RESERVATION CONFLICT: " + node + " is not registered, so it cannot " + action);
        }
    }

    private static boolean contains(List<NodeId> nodes, String name) {
        for (NodeId n : nodes) {
            if (n.name().equals(name)) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@return the 8-byte reservation key of a node: the first 8 bytes of SHA-256 of "understudy-pr:" and
     * its name, little-endian, never 0 (a key of 0 means "none" in SPC-3)}
     */
    static long keyOf(String nodeName) {
        Long cached = KEYS.get(nodeName);
        if (cached != null) {
            return cached;
        }
        long k = deriveKey(nodeName);
        if (KEYS.size() < 1024) {
            KEYS.put(nodeName, k);
        }
        return k;
    }

    /** Derived keys by node name; a cluster has a handful of nodes, so the cache stays small. */
    private static final java.util.Map<String, Long> KEYS = new java.util.concurrent.ConcurrentHashMap<>();

    private static long deriveKey(String nodeName) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(("understudy-pr:" + nodeName).getBytes(StandardCharsets.UTF_8));
            long k = ByteBuffer.wrap(h, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            return k == 0 ? 1 : k;
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Encoding

    /** {@return the slot this state is written to} */
    int slot() {
        return (int) Long.remainderUnsigned(sequence, SLOT_COUNT);
    }

    /** {@return this state as one {@value ReservationDescriptor#SLOT_LENGTH}-byte slot} */
    ByteBuffer encodeSlot() {
        ByteBuffer b = Records.buffer(SLOT_LENGTH);
        b.putInt(MAGIC_OFFSET, MAGIC);
        b.putShort(VERSION_OFFSET, VERSION);
        b.putShort(TYPE_OFFSET, holder.isPresent() ? TYPE_WRITE_EXCLUSIVE_REGISTRANTS_ONLY : TYPE_NONE);
        b.putLong(SEQUENCE_OFFSET, sequence);
        b.putLong(GENERATION_OFFSET, generation);
        b.putLong(EPOCH_OFFSET, epoch);
        b.putLong(HOLDER_KEY_OFFSET, holder.map(h -> keyOf(h.name())).orElse(0L));
        b.putShort(REGISTRATION_COUNT_OFFSET, (short) registrants.size());
        b.putShort(FENCE_COUNT_OFFSET, (short) fences.size());
        for (int i = 0; i < registrants.size(); i++) {
            putIdentity(b, REGISTRATIONS_OFFSET + i * IDENTITY_LENGTH, registrants.get(i));
        }
        for (int i = 0; i < fences.size(); i++) {
            int at = FENCES_OFFSET + i * FENCE_LENGTH;
            Fence f = fences.get(i);
            putIdentity(b, at + FENCE_VICTIM_OFFSET, f.victim());
            putIdentity(b, at + FENCE_BY_OFFSET, f.by());
            b.putLong(at + FENCE_EPOCH_OFFSET, f.epoch());
        }
        b.putInt(CHECKSUM_OFFSET, Records.crc32c(b, 0, CHECKSUM_OFFSET));
        return b;
    }

    private static void putIdentity(ByteBuffer b, int at, NodeId n) {
        b.putLong(at + IDENTITY_KEY_OFFSET, keyOf(n.name()));
        Records.putNode(b, at + IDENTITY_LABEL_LENGTH_OFFSET, MAX_LABEL_LENGTH, MAX_NAME_LENGTH, n);
    }

    /**
     * Decodes one slot.
     *
     * @param s    the slot's {@value ReservationDescriptor#SLOT_LENGTH} bytes, little-endian, at offset 0
     * @param slot which slot it is
     * @return the state, or null if the slot is all zeros (never written)
     * @throws Records.Corrupt saying what is wrong
     */
    static ReservationState decodeSlot(ByteBuffer s, int slot) throws Records.Corrupt {
        if (Records.allZero(s, 0, SLOT_LENGTH)) {
            return null;
        }
        int magic = s.getInt(MAGIC_OFFSET);
        if (magic != MAGIC) {
            throw new Records.Corrupt(String.format("bad magic 0x%08x (expected 0x%08x, 'UNPR')", magic, MAGIC));
        }
        short version = s.getShort(VERSION_OFFSET);
        if (version != VERSION) {
            throw new Records.Corrupt("layout version " + version + " is not the " + VERSION + " this code reads");
        }
        int stored = s.getInt(CHECKSUM_OFFSET);
        int computed = Records.crc32c(s, 0, CHECKSUM_OFFSET);
        if (stored != computed) {
            throw new Records.Corrupt(String.format("checksum mismatch (stored 0x%08x, computed 0x%08x)", stored, computed));
        }
        long sequence = s.getLong(SEQUENCE_OFFSET);
        if (sequence <= 0 || sequence % SLOT_COUNT != slot) {
            throw new Records.Corrupt("sequence " + sequence + " does not belong in slot " + slot);
        }
        long generation = s.getLong(GENERATION_OFFSET);
        long epoch = s.getLong(EPOCH_OFFSET);
        if (generation < 0 || epoch < 0) {
            throw new Records.Corrupt("negative generation " + generation + " or epoch " + epoch);
        }
        int regCount = s.getShort(REGISTRATION_COUNT_OFFSET);
        int fenceCount = s.getShort(FENCE_COUNT_OFFSET);
        if (regCount < 0 || regCount > MAX_REGISTRATIONS || fenceCount < 0 || fenceCount > MAX_FENCES) {
            throw new Records.Corrupt(regCount + " registrations and " + fenceCount + " fences; at most "
                    + MAX_REGISTRATIONS + " and " + MAX_FENCES + " fit");
        }
        List<NodeId> regs = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < regCount; i++) {
            NodeId n = identity(s, REGISTRATIONS_OFFSET + i * IDENTITY_LENGTH, "registration " + i);
            if (!names.add(n.name())) {
                throw new Records.Corrupt("node " + n.name() + " is registered twice");
            }
            regs.add(n);
        }
        List<Fence> fs = new ArrayList<>();
        Set<String> fenced = new HashSet<>();
        for (int i = 0; i < fenceCount; i++) {
            int at = FENCES_OFFSET + i * FENCE_LENGTH;
            NodeId victim = identity(s, at + FENCE_VICTIM_OFFSET, "fence " + i + " victim");
            NodeId by = identity(s, at + FENCE_BY_OFFSET, "fence " + i + " preempter");
            long fenceEpoch = s.getLong(at + FENCE_EPOCH_OFFSET);
            if (fenceEpoch <= 0 || fenceEpoch > epoch) {
                throw new Records.Corrupt("fence " + i + " has epoch " + fenceEpoch + ", outside 1.." + epoch);
            }
            if (!fenced.add(victim.name())) {
                throw new Records.Corrupt("node " + victim.name() + " is fenced twice");
            }
            fs.add(new Fence(victim, by, fenceEpoch));
        }
        short type = s.getShort(TYPE_OFFSET);
        long holderKey = s.getLong(HOLDER_KEY_OFFSET);
        Optional<NodeId> holder;
        if (type == TYPE_NONE && holderKey == 0) {
            holder = Optional.empty();
        } else if (type == TYPE_WRITE_EXCLUSIVE_REGISTRANTS_ONLY) {
            holder = regs.stream().filter(n -> keyOf(n.name()) == holderKey).findFirst();
            if (holder.isEmpty()) {
                throw new Records.Corrupt(String.format("the reservation holder's key 0x%016x is not registered", holderKey));
            }
        } else {
            throw new Records.Corrupt("reservation type " + type + " with holder key 0x" + Long.toHexString(holderKey)
                    + " (expected type 0 with key 0, or type 5)");
        }
        return new ReservationState(sequence, generation, epoch, holder, regs, fs);
    }

    private static NodeId identity(ByteBuffer s, int at, String what) throws Records.Corrupt {
        NodeId n = Records.node(s, at + IDENTITY_LABEL_LENGTH_OFFSET, MAX_LABEL_LENGTH, MAX_NAME_LENGTH, what);
        long key = s.getLong(at + IDENTITY_KEY_OFFSET);
        if (key != keyOf(n.name())) {
            throw new Records.Corrupt(String.format("%s %s has key 0x%016x, not its own 0x%016x", what, n.name(), key, keyOf(n.name())));
        }
        return n;
    }

    @Override
    public String toString() {
        return "PR[seq " + sequence + ", gen " + generation + ", epoch " + epoch + ", holder "
                + holder.map(NodeId::name).orElse("none") + ", registrants " + registrants.stream().map(NodeId::name).toList()
                + ", fences " + fences + "]";
    }
}
