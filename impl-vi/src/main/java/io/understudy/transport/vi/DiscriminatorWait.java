package io.understudy.transport.vi;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A NIC waiting on one discriminator ({@code VipConnectWait}): connection requests for it queue here until
 * {@link #connectWait} hands them out to be accepted or rejected. Closing it refuses every request not yet
 * accepted, and later requests find nobody waiting ({@link ViStatus#NO_MATCH}).
 *
 * <p>A virtual thread watches the NIC's doorbell and the discriminator's directory (spinning briefly,
 * then parking), so a caller of {@link #connectWait} simply blocks. Thread-safe.
 *
 * @since 0.1
 */
public final class DiscriminatorWait implements AutoCloseable {

    private static final ConnectRequest CLOSED = new ConnectRequest(null, null, null, null, null, null, 0, 0);

    private final ViNic nic;
    private final String discriminator;
    private final Path directory;
    private final LinkedBlockingQueue<ConnectRequest> queue = new LinkedBlockingQueue<>();
    private final Object closing = new Object();
    private volatile boolean closed;
    private Thread watcher;

    DiscriminatorWait(ViNic nic, String discriminator, Path directory) {
        this.nic = nic;
        this.discriminator = discriminator;
        this.directory = directory;
    }

    /** {@return the discriminator} */
    public String discriminator() {
        return discriminator;
    }

    /** {@return the NIC} */
    public ViNic nic() {
        return nic;
    }

    /** {@return whether it still waits} */
    public boolean isOpen() {
        return !closed;
    }

    void start() {
        watcher = Thread.ofVirtual().name("vi-connect-wait-" + nic.address() + "-" + discriminator).start(this::watch);
    }

    /**
     * Waits for the next connection request.
     *
     * @param timeout how long; {@link Duration#ZERO} without limit
     * @return the request, or null if none came in time
     * @throws UnderstudyException {@code CLOSED} once this wait is closed, also while waiting
     */
    public ConnectRequest connectWait(Duration timeout) {
        while (true) {
            if (closed) {
                throw closedException();
            }
            ConnectRequest r;
            try {
                r = timeout.isZero() ? queue.take() : queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new UnderstudyException(ErrorCode.CLOSED, "interrupted while waiting on discriminator " + discriminator, e);
            }
            if (r == null) {
                return null;
            }
            if (r == CLOSED) {
                queue.offer(CLOSED); // wake the next waiter too
                throw closedException();
            }
            if (ViNic.state(r.shared()) == ViConnectionDescriptor.STATE_REQUESTED) {
                return r;
            }
            r.discard(); // the client gave up meanwhile
        }
    }

    private UnderstudyException closedException() {
        return new UnderstudyException(ErrorCode.CLOSED, "NIC " + nic.address() + " no longer waits on discriminator " + discriminator);
    }

    private void watch() {
        Set<String> seen = new HashSet<>();
        long rang = -1;
        long nextScan = 0;
        Idle idle = new Idle(nic.fabric().maxParkNanos() * 4);
        idle.reset();
        while (!closed) {
            long bell = nic.doorbell();
            long now = System.nanoTime();
            if (bell != rang || now - nextScan >= 0) {
                rang = bell;
                nextScan = now + 100_000_000L;
                if (scan(seen)) {
                    idle.reset();
                }
            }
            idle.idle();
        }
    }

    /** {@return whether a new request was queued} */
    private boolean scan(Set<String> seen) {
        boolean found = false;
        Set<String> present = new HashSet<>();
        try (Stream<Path> list = Files.list(directory)) {
            for (Path p : list.toList()) {
                String name = p.getFileName().toString();
                present.add(name);
                if (seen.contains(name) || !name.endsWith(".vi")) {
                    continue;
                }
                ConnectRequest r = open(p);
                if (r == null) {
                    continue;
                }
                seen.add(name);
                if (ViNic.state(r.shared()) == ViConnectionDescriptor.STATE_REQUESTED) {
                    synchronized (closing) {
                        if (closed) {
                            r.reject();
                        } else {
                            queue.offer(r);
                            found = true;
                        }
                    }
                } else {
                    r.discard();
                }
            }
        } catch (IOException e) {
            // The directory vanished: this wait is closing.
        }
        seen.retainAll(present);
        return found;
    }

    private ConnectRequest open(Path p) {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = ch.size();
            if (size < ViConnectionDescriptor.DATA_OFFSET) {
                return null;
            }
            MappedByteBuffer b = ch.map(FileChannel.MapMode.READ_WRITE, 0, size);
            if (b.getInt(ViConnectionDescriptor.MAGIC_OFFSET) != ViConnectionDescriptor.MAGIC) {
                return null;
            }
            int capacity = b.getInt(ViConnectionDescriptor.RING_CAPACITY_OFFSET);
            int rel = b.getInt(ViConnectionDescriptor.RELIABILITY_OFFSET);
            int maxTransfer = b.getInt(ViConnectionDescriptor.MAX_TRANSFER_OFFSET);
            String client = TransportSupport.getText(b, ViConnectionDescriptor.CLIENT_NIC_OFFSET);
            if (capacity <= 0 || ViConnectionDescriptor.fileLength(capacity) != size || rel < 0 || rel >= Reliability.values().length
                    || maxTransfer < 1 || maxTransfer > ViAttributes.LIMIT_MAX_TRANSFER_SIZE || client == null) {
                ViNic.decide(b, ViConnectionDescriptor.STATE_REJECTED);
                ViNic.deleteQuietly(p);
                return null;
            }
            return new ConnectRequest(this, p, b, client, discriminator, Reliability.values()[rel], maxTransfer, capacity);
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Stops waiting: requests not yet accepted are rejected, and new ones find nobody waiting; a thread
     * in {@link #connectWait} is woken with {@code CLOSED}. Idempotent.
     */
    @Override
    public void close() {
        synchronized (closing) {
            if (closed) {
                return;
            }
            closed = true;
        }
        // Renaming the directory is atomic: no request can enter it after this, and every request that
        // entered before moves along and is rejected below.
        Path gone = directory.resolveSibling("closed-" + UUID.randomUUID());
        try {
            Files.move(directory, gone, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            gone = directory;
        }
        try (Stream<Path> list = Files.list(gone)) {
            for (Path p : list.toList()) {
                try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                    if (ch.size() >= ViConnectionDescriptor.DATA_OFFSET) {
                        ViNic.decide(ch.map(FileChannel.MapMode.READ_WRITE, 0, 64), ViConnectionDescriptor.STATE_REJECTED);
                    }
                } catch (IOException ignored) {
                    // It went away meanwhile.
                }
            }
        } catch (IOException ignored) {
            // Nothing to reject.
        }
        List<ConnectRequest> left = new java.util.ArrayList<>();
        queue.drainTo(left);
        for (ConnectRequest r : left) {
            if (r != CLOSED) {
                r.reject();
            }
        }
        queue.offer(CLOSED);
        ViFabric.deleteTree(gone);
        if (watcher != null) {
            watcher.interrupt();
        }
        nic.forget(this);
    }

    @Override
    public String toString() {
        return "wait on discriminator " + discriminator + " at NIC " + nic.address() + (closed ? " (closed)" : "");
    }
}
