package io.understudy.transport.vi;

import static io.understudy.transport.vi.ViConnectionDescriptor.STATE_ABANDONED;
import static io.understudy.transport.vi.ViConnectionDescriptor.STATE_ACCEPTED;
import static io.understudy.transport.vi.ViConnectionDescriptor.STATE_INIT;
import static io.understudy.transport.vi.ViConnectionDescriptor.STATE_OFFSET;
import static io.understudy.transport.vi.ViConnectionDescriptor.STATE_REJECTED;
import static io.understudy.transport.vi.ViConnectionDescriptor.STATE_REQUESTED;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * An emulated VI NIC ({@code VipOpenNic}): it has one address, which cannot be reassigned while the NIC is
 * open; it registers memory under protection tags, creates VIs and completion queues, waits on
 * discriminators for incoming connections and makes outgoing connection requests.
 *
 * <p>Thread-safe.
 *
 * @since 0.1
 */
public final class ViNic implements AutoCloseable {

    private final ViFabric fabric;
    private final String address;
    private final Path directory;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final boolean anonymous;
    private final MappedByteBuffer doorbell;
    private final AtomicInteger tags = new AtomicInteger();
    private final Map<String, DiscriminatorWait> waits = new ConcurrentHashMap<>();
    private final Set<Vi> vis = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    ViNic(ViFabric fabric, String address, Path directory, FileChannel lockChannel, FileLock lock, boolean anonymous) throws IOException {
        this.fabric = fabric;
        this.address = address;
        this.directory = directory;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.anonymous = anonymous;
        // A previous owner that died may have left discriminator directories: nobody waits on them now.
        try (Stream<Path> old = Files.list(directory)) {
            for (Path p : old.toList()) {
                if (!p.getFileName().toString().equals("lock")) {
                    ViFabric.deleteTree(p);
                }
            }
        }
        try (FileChannel ch = FileChannel.open(directory.resolve("doorbell"), StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            doorbell = ch.map(FileChannel.MapMode.READ_WRITE, 0, 64);
        }
    }

    /** {@return the NIC address} */
    public String address() {
        return address;
    }

    /** {@return the fabric} */
    public ViFabric fabric() {
        return fabric;
    }

    Path directory() {
        return directory;
    }

    /** {@return whether it is open} */
    public boolean isOpen() {
        return !closed;
    }

    /** {@return a new protection tag of this NIC} ({@code VipCreatePtag}) */
    public ProtectionTag createProtectionTag() {
        return new ProtectionTag(address, tags.incrementAndGet());
    }

    /**
     * Registers memory ({@code VipRegisterMem}) under a protection tag.
     *
     * @param region the memory: all of its capacity is registered
     * @param tag    a tag of this NIC
     * @return the handle descriptors name it by
     */
    public MemoryHandle registerMemory(ByteBuffer region, ProtectionTag tag) {
        if (!tag.nic().equals(address)) {
            throw new IllegalArgumentException("protection tag " + tag + " belongs to NIC " + tag.nic() + ", not " + address);
        }
        if (region.isReadOnly()) {
            throw new IllegalArgumentException("cannot register read-only memory");
        }
        return new MemoryHandle(this, region, tag);
    }

    /** Deregisters memory ({@code VipDeregisterMem}). @param memory the handle */
    public void deregisterMemory(MemoryHandle memory) {
        memory.deregister();
    }

    /** {@return a new completion queue} ({@code VipCreateCQ}) */
    public CompletionQueue createCompletionQueue() {
        return new CompletionQueue(fabric.maxParkNanos());
    }

    /**
     * Creates a VI ({@code VipCreateVi}).
     *
     * @param attributes its attributes; the protection tag must be this NIC's
     * @param sendCq     the completion queue for its send queue, or null
     * @param receiveCq  the completion queue for its receive queue, or null
     * @return the VI, idle
     */
    public Vi createVi(ViAttributes attributes, CompletionQueue sendCq, CompletionQueue receiveCq) {
        ensureOpen();
        if (!attributes.protectionTag().nic().equals(address)) {
            throw new IllegalArgumentException("protection tag " + attributes.protectionTag() + " is not one of NIC " + address);
        }
        Vi vi = new Vi(this, attributes, sendCq, receiveCq, fabric.maxParkNanos());
        vis.add(vi);
        return vi;
    }

    void forget(Vi vi) {
        vis.remove(vi);
    }

    /**
     * Starts waiting on a discriminator: from now until the returned wait is closed, connection requests
     * for it are queued for {@link DiscriminatorWait#connectWait}; afterwards (and before) they are
     * refused with {@link ViStatus#NO_MATCH}.
     *
     * @param discriminator the discriminator, such as {@code pDAF}
     * @return the wait
     * @throws UnderstudyException {@code PORT_IN_USE} if this NIC already waits on it
     */
    public DiscriminatorWait waitOn(String discriminator) {
        ViFabric.checkName(discriminator, "discriminator");
        ensureOpen();
        synchronized (waits) {
            if (waits.containsKey(discriminator)) {
                throw new UnderstudyException(ErrorCode.PORT_IN_USE, "NIC " + address + " already waits on discriminator "
                        + discriminator + "; close that wait first");
            }
            Path dir = directory.resolve("d-" + ViFabric.encode(discriminator));
            try {
                ViFabric.deleteTree(dir);
                Files.createDirectory(dir);
            } catch (IOException e) {
                throw new UnderstudyException(ErrorCode.TRANSPORT_IO, "cannot wait on discriminator " + discriminator + " at NIC "
                        + address + ": " + e, e);
            }
            DiscriminatorWait w = new DiscriminatorWait(this, discriminator, dir);
            waits.put(discriminator, w);
            w.start();
            return w;
        }
    }

    void forget(DiscriminatorWait w) {
        waits.remove(w.discriminator(), w);
    }

    long doorbell() {
        return (long) ViRing.LONG.getAcquire(doorbell, 0);
    }

    /**
     * Requests a connection ({@code VipConnectRequest}) from an idle VI of this NIC to whoever waits on
     * {@code discriminator} at NIC {@code remote}.
     *
     * @param vi            an idle VI of this NIC
     * @param remote        the remote NIC address
     * @param discriminator the discriminator
     * @param timeout       how long to wait for the server to accept or reject, positive
     * @return {@link ViStatus#SUCCESS} (the VI is connected), {@link ViStatus#NO_MATCH} (nobody waits
     *         there, or that NIC is not open), {@link ViStatus#REJECTED}, {@link ViStatus#TIMEOUT} or
     *         {@link ViStatus#INVALID_PARAMETER} (the VI is not idle or not this NIC's)
     * @throws UnderstudyException {@code TRANSPORT_IO} if the fabric's files cannot be made
     */
    public int connectRequest(Vi vi, String remote, String discriminator, Duration timeout) {
        ensureOpen();
        if (vi.nic() != this || !vi.isIdle()) {
            return ViStatus.INVALID_PARAMETER;
        }
        int maxTransfer = vi.attributes().maxTransferSize();
        int capacity = ViConnectionDescriptor.capacityFor(RING_RECORDS, maxTransfer);
        MappedByteBuffer[] shared = new MappedByteBuffer[1];
        int status = request(remote, discriminator, timeout, vi.attributes().reliability(), maxTransfer, capacity, shared);
        if (status == ViStatus.SUCCESS) {
            int agreed = shared[0].getInt(ViConnectionDescriptor.MAX_TRANSFER_OFFSET);
            vi.bind(shared[0], ViConnectionDescriptor.CLIENT, remote, agreed, capacity);
        }
        return status;
    }

    /**
     * Makes a connection request as this NIC and waits for the decision; on success {@code out[0]} is
     * the mapped connection, in which this NIC is the client side.
     */
    int request(String remote, String discriminator, Duration timeout, Reliability reliability, int maxTransfer, int capacity,
                MappedByteBuffer[] out) {
        ensureOpen();
        ViFabric.checkName(remote, "NIC address");
        ViFabric.checkName(discriminator, "discriminator");
        Path remoteDir = fabric.nicDirectory(remote);
        Path waitDir = remoteDir.resolve("d-" + ViFabric.encode(discriminator));
        if (!Files.isDirectory(waitDir) || !fabric.isAlive(remote)) {
            return ViStatus.NO_MATCH;
        }
        String name = UUID.randomUUID() + ".vi";
        Path staged = fabric.staging().resolve(name);
        MappedByteBuffer shared;
        try (FileChannel ch = FileChannel.open(staged, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            shared = ch.map(FileChannel.MapMode.READ_WRITE, 0, ViConnectionDescriptor.fileLength(capacity));
        } catch (IOException e) {
            throw new UnderstudyException(ErrorCode.TRANSPORT_IO, "cannot create a VI connection file in " + fabric.staging() + ": " + e, e);
        }
        shared.putInt(ViConnectionDescriptor.MAGIC_OFFSET, ViConnectionDescriptor.MAGIC);
        shared.putInt(ViConnectionDescriptor.VERSION_OFFSET, ViConnectionDescriptor.VERSION);
        shared.putInt(ViConnectionDescriptor.RELIABILITY_OFFSET, reliability.ordinal());
        shared.putInt(ViConnectionDescriptor.MAX_TRANSFER_OFFSET, maxTransfer);
        shared.putInt(ViConnectionDescriptor.RING_CAPACITY_OFFSET, capacity);
        TransportSupport.putText(shared, ViConnectionDescriptor.CLIENT_NIC_OFFSET, address);
        TransportSupport.putText(shared, ViConnectionDescriptor.SERVER_NIC_OFFSET, remote);
        TransportSupport.putText(shared, ViConnectionDescriptor.DISCRIMINATOR_OFFSET, discriminator);
        ViRing.INT.setRelease(shared, STATE_OFFSET, STATE_REQUESTED);
        Path requested = waitDir.resolve(name);
        try {
            // The move is the request: it fails if the wait directory is gone, and if the wait closes
            // after it, the file moves with the directory and is rejected with the rest.
            Files.move(staged, requested, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
            deleteQuietly(staged);
            return ViStatus.NO_MATCH;
        } catch (IOException e) {
            deleteQuietly(staged);
            throw new UnderstudyException(ErrorCode.TRANSPORT_IO, "cannot place a VI connection request at " + requested + ": " + e, e);
        }
        ring(remoteDir);
        long deadline = System.nanoTime() + timeout.toNanos();
        long nextProbe = System.nanoTime() + 50_000_000L;
        Idle idle = new Idle(fabric.maxParkNanos());
        idle.reset();
        while (true) {
            int state = (int) ViRing.INT.getAcquire(shared, STATE_OFFSET);
            if (state == STATE_ACCEPTED) {
                out[0] = shared;
                return ViStatus.SUCCESS;
            }
            if (state == STATE_REJECTED) {
                return ViStatus.REJECTED;
            }
            long now = System.nanoTime();
            boolean dead = false;
            if (now - nextProbe >= 0) {
                nextProbe = now + 50_000_000L;
                dead = !fabric.isAlive(remote);
            }
            if (dead || now - deadline >= 0) {
                if (ViRing.INT.compareAndSet(shared, STATE_OFFSET, STATE_REQUESTED, STATE_ABANDONED)) {
                    deleteQuietly(requested);
                    return dead ? ViStatus.NO_MATCH : ViStatus.TIMEOUT;
                }
                continue; // the server decided meanwhile
            }
            idle.idle();
        }
    }

    /** The records a ring holds at the maximum transfer size; more in flight wait in the send queue. */
    static final int RING_RECORDS = 16;

    private static void ring(Path remoteDir) {
        try (FileChannel ch = FileChannel.open(remoteDir.resolve("doorbell"), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            MappedByteBuffer bell = ch.map(FileChannel.MapMode.READ_WRITE, 0, 64);
            ViRing.LONG.getAndAdd(bell, 0, 1L);
        } catch (IOException e) {
            // The server also rescans now and then; a missed doorbell only delays the request.
        }
    }

    static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // Best effort.
        }
    }

    static int state(ByteBuffer shared) {
        return (int) ViRing.INT.getAcquire(shared, STATE_OFFSET);
    }

    static boolean decide(ByteBuffer shared, int to) {
        return ViRing.INT.compareAndSet(shared, STATE_OFFSET, STATE_REQUESTED, to);
    }

    static boolean isPending(ByteBuffer shared) {
        int s = state(shared);
        return s == STATE_REQUESTED || s == STATE_INIT;
    }

    private void ensureOpen() {
        if (closed) {
            throw new UnderstudyException(ErrorCode.CLOSED, "VI NIC " + address + " is closed");
        }
    }

    /**
     * Closes the NIC ({@code VipCloseNic}): stops every discriminator wait, disconnects every VI, and gives
     * the address up. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (DiscriminatorWait w : waits.values().toArray(DiscriminatorWait[]::new)) {
            w.close();
        }
        for (Vi vi : vis.toArray(Vi[]::new)) {
            vi.disconnect();
        }
        fabric.forget(this);
        ViFabric.deleteTree(directory);
        try {
            lock.release();
        } catch (IOException ignored) {
            // Closing the channel releases it anyway.
        }
        TransportSupport.closeQuietly(lockChannel);
    }

    @Override
    public String toString() {
        return "VI NIC " + address + (anonymous ? " (anonymous)" : "") + (closed ? " (closed)" : "");
    }
}
