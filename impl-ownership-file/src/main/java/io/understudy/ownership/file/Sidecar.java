package io.understudy.ownership.file;

import static io.understudy.ownership.file.ReservationDescriptor.SLOT_COUNT;
import static io.understudy.ownership.file.ReservationDescriptor.SLOT_LENGTH;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A disk's reservation sidecar file, opened once per JVM, with the two locks that make updates atomic.
 *
 * <p>Across processes, an update holds an exclusive {@link FileLock} on the file and a data-path write
 * holds a shared one. Java file locks belong to the whole JVM, and on Linux (POSIX record locks) closing
 * <em>any</em> descriptor of the file drops all of the process's locks on it; a second overlapping lock in
 * one JVM throws {@code OverlappingFileLockException}. So every service and handle in this JVM shares one
 * {@code Sidecar} (and one channel) per canonical path, and an in-JVM read-write lock orders them: the
 * exclusive path takes the write lock and then the file lock; the shared path takes the read lock, and the
 * first reader in takes the shared file lock for all readers, the last one out releases it.
 *
 * <p>Reference-counted: {@link #acquire} and {@link #release} pair up, and the channel closes with the last
 * reference. Interrupting a thread inside an operation closes the channel (NIO's rule); it is reopened on
 * the next use.
 */
final class Sidecar {

    /** Open sidecars by canonical path. Guarded by itself. */
    private static final Map<Path, Sidecar> OPEN = new HashMap<>();

    /** An operation on the channel while a lock is held. */
    @FunctionalInterface
    interface Body<T> {
        T apply(Sidecar sidecar) throws IOException;
    }

    /**
     * The outcome of reading the file.
     *
     * @param state    the current state
     * @param fallback null, or why the other slot could not be used (a torn write, or damage), when the
     *                 state came from the only valid slot while the other held something unreadable
     */
    record Read(ReservationState state, String fallback) {
    }

    private final Path path;
    private final ReentrantReadWriteLock inJvm = new ReentrantReadWriteLock();
    private final ReentrantLock sharedGate = new ReentrantLock();
    private volatile FileChannel channel;
    private int references; // guarded by OPEN
    private int sharedHolders; // guarded by sharedGate
    private FileLock sharedLock; // guarded by sharedGate

    private Sidecar(Path path) {
        this.path = path;
    }

    /**
     * {@return the sidecar at {@code path}, opened (and created, empty) if needed; release it when done}
     *
     * @param path the sidecar file; its directory must exist
     * @throws IOException if the directory cannot be resolved or the file opened
     */
    static Sidecar acquire(Path path) throws IOException {
        Path canonical = path.toAbsolutePath().getParent().toRealPath().resolve(path.getFileName());
        synchronized (OPEN) {
            Sidecar s = OPEN.get(canonical);
            if (s == null) {
                s = new Sidecar(canonical);
                s.channel = open(canonical);
                OPEN.put(canonical, s);
            }
            s.references++;
            return s;
        }
    }

    /** Drops one reference; the last closes the channel. */
    void release() {
        synchronized (OPEN) {
            if (--references == 0) {
                OPEN.remove(path);
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // Nothing was written through this channel that is not already forced.
                }
            }
        }
    }

    Path path() {
        return path;
    }

    private static FileChannel open(Path p) throws IOException {
        return FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE);
    }

    private FileChannel channel() throws IOException {
        FileChannel c = channel;
        if (!c.isOpen()) {
            c = open(path);
            channel = c;
        }
        return c;
    }

    /**
     * Runs {@code body} holding this file exclusively: no other thread of this JVM and no other process is
     * inside {@link #exclusive} or {@link #shared} on this file meanwhile.
     */
    <T> T exclusive(Body<T> body) throws IOException {
        inJvm.writeLock().lock();
        try {
            FileLock lock = channel().lock(0, Long.MAX_VALUE, false);
            try {
                return body.apply(this);
            } finally {
                releaseQuietly(lock);
            }
        } finally {
            inJvm.writeLock().unlock();
        }
    }

    /** Runs {@code body} holding this file shared: no {@link #exclusive} body runs meanwhile, here or elsewhere. */
    <T> T shared(Body<T> body) throws IOException {
        inJvm.readLock().lock();
        try {
            sharedGate.lock();
            try {
                if (sharedHolders == 0) {
                    sharedLock = channel().lock(0, Long.MAX_VALUE, true);
                }
                sharedHolders++;
            } finally {
                sharedGate.unlock();
            }
            try {
                return body.apply(this);
            } finally {
                sharedGate.lock();
                try {
                    if (--sharedHolders == 0) {
                        releaseQuietly(sharedLock);
                        sharedLock = null;
                    }
                } finally {
                    sharedGate.unlock();
                }
            }
        } finally {
            inJvm.readLock().unlock();
        }
    }

    private static void releaseQuietly(FileLock lock) {
        try {
            lock.release();
        } catch (IOException ignored) {
            // Only a closed channel fails here, and closing it dropped the lock already.
        }
    }

    /** Reads the current state; call inside {@link #exclusive} or {@link #shared}. */
    Read read() throws IOException, Records.Corrupt {
        ByteBuffer all = Records.buffer(SLOT_LENGTH * SLOT_COUNT);
        FileChannel c = channel;
        while (all.hasRemaining()) {
            if (c.read(all, all.position()) < 0) {
                break; // a short (or empty) file reads as zeros beyond its end
            }
        }
        ReservationState best = null;
        String[] problems = new String[SLOT_COUNT];
        int unreadable = 0;
        for (int slot = 0; slot < SLOT_COUNT; slot++) {
            ByteBuffer s = all.slice(slot * SLOT_LENGTH, SLOT_LENGTH).order(all.order());
            try {
                ReservationState st = ReservationState.decodeSlot(s, slot);
                if (st != null && (best == null || st.sequence() > best.sequence())) {
                    best = st;
                }
            } catch (Records.Corrupt e) {
                problems[slot] = "slot " + slot + ": " + e.getMessage();
                unreadable++;
            }
        }
        if (unreadable == SLOT_COUNT) {
            throw new Records.Corrupt("both slots are unreadable (" + problems[0] + "; " + problems[1] + ")");
        }
        String fallback = unreadable == 0 ? null : problems[0] != null ? problems[0] : problems[1];
        return new Read(best == null ? ReservationState.EMPTY : best, fallback);
    }

    /**
     * Writes {@code next} as the state after {@code current}, into the slot that does not hold
     * {@code current}, and forces it; call inside {@link #exclusive}.
     *
     * @return the state as written, with its sequence
     */
    ReservationState write(ReservationState current, ReservationState next) throws IOException {
        ReservationState written = next.withSequence(current.sequence() + 1);
        ByteBuffer b = written.encodeSlot();
        long at = (long) written.slot() * SLOT_LENGTH;
        FileChannel c = channel;
        while (b.hasRemaining()) {
            c.write(b, at + b.position());
        }
        c.force(false);
        return written;
    }

    @Override
    public String toString() {
        return "Sidecar[" + path + "]";
    }
}
