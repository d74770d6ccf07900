package io.understudy.transport.vi;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * The shared-memory fabric: every NIC on one host that uses the same directory can reach every other, in
 * this process or another. A NIC is a directory {@code nic-ADDRESS/} holding a {@code lock} file that its
 * owner keeps locked (so an address cannot be taken while it is in use, and a dead owner is noticed), a
 * {@code doorbell} (a mapped counter that connection requests ring) and one directory {@code d-NAME/} for
 * each discriminator being waited on. Connection files are staged in {@code staging/}. Names are encoded
 * so any NIC address (such as {@code host/nic0}) and discriminator makes a safe file name.
 *
 * <p>Thread-safe.
 *
 * @since 0.1
 */
public final class ViFabric {

    /** NICs owned by this JVM, by directory: a file lock cannot be probed from the process that holds it. */
    private static final Map<Path, ViNic> LOCAL = new ConcurrentHashMap<>();
    /** Serialises this JVM's lock probes and claims, which would otherwise overlap each other. */
    private static final Object LOCKS = new Object();
    private static final AtomicInteger ANONYMOUS = new AtomicInteger();

    private final Path directory;
    private final long maxParkNanos;

    private ViFabric(Path directory, long maxParkNanos) {
        this.directory = directory;
        this.maxParkNanos = maxParkNanos;
    }

    /**
     * Opens the shared-memory fabric rooted at a directory (created if missing); best on a memory file
     * system such as {@code /dev/shm}.
     *
     * @param directory    the directory, shared by every process that should reach each other
     * @param maxParkNanos the longest a waiter parks between polls of shared memory
     * @return the fabric
     * @throws UnderstudyException {@code TRANSPORT_IO} if the directory cannot be made
     */
    public static ViFabric sharedMemory(Path directory, long maxParkNanos) {
        Objects.requireNonNull(directory, "directory");
        Path dir = directory.toAbsolutePath().normalize();
        try {
            Files.createDirectories(dir.resolve("staging"));
        } catch (IOException e) {
            throw new UnderstudyException(ErrorCode.TRANSPORT_IO, "cannot create the VI fabric directory " + dir + ": " + e, e);
        }
        return new ViFabric(dir, maxParkNanos);
    }

    /** {@return the fabric's directory} */
    public Path directory() {
        return directory;
    }

    long maxParkNanos() {
        return maxParkNanos;
    }

    /**
     * Opens ({@code VipOpenNic}) the NIC with this address, claiming it for this process until closed.
     *
     * @param address the NIC address
     * @return the NIC
     * @throws UnderstudyException {@code PORT_IN_USE} if a live NIC holds the address (in any process):
     *                             a VI NIC address is never reassigned while its owner lives
     */
    public ViNic openNic(String address) {
        return claim(address, false);
    }

    /** {@return a NIC with a fresh address, for a process that only connects} */
    public ViNic openAnonymousNic() {
        return claim("anon-" + ProcessHandle.current().pid() + "-" + ANONYMOUS.incrementAndGet(), true);
    }

    private ViNic claim(String address, boolean anonymous) {
        checkName(address, "NIC address");
        Path dir = nicDirectory(address);
        synchronized (LOCKS) {
            if (LOCAL.containsKey(dir)) {
                throw inUse(address, "this process");
            }
            FileChannel lockChannel = null;
            try {
                Files.createDirectories(dir);
                lockChannel = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.READ,
                        StandardOpenOption.WRITE);
                FileLock lock = null;
                // Another process may be probing the lock for a moment; retry briefly before calling it taken.
                for (int i = 0; i < 50 && lock == null; i++) {
                    lock = lockChannel.tryLock();
                    if (lock == null) {
                        LockSupport.parkNanos(1_000_000);
                    }
                }
                if (lock == null) {
                    lockChannel.close();
                    throw inUse(address, "another process");
                }
                ViNic nic = new ViNic(this, address, dir, lockChannel, lock, anonymous);
                LOCAL.put(dir, nic);
                if (anonymous) {
                    sweepDeadAnonymousNics();
                }
                return nic;
            } catch (IOException e) {
                TransportSupport.closeQuietly(lockChannel);
                throw new UnderstudyException(ErrorCode.TRANSPORT_IO, "cannot open VI NIC " + address + " under " + directory + ": " + e, e);
            }
        }
    }

    private static UnderstudyException inUse(String address, String who) {
        return new UnderstudyException(ErrorCode.PORT_IN_USE, "VI NIC address " + address + " is held by " + who
                + "; a NIC address is never reassigned while its owner lives: close that NIC or give this one another address");
    }

    /**
     * {@return whether a NIC with this address is held by a live process}
     *
     * @param address the address
     */
    public boolean isAlive(String address) {
        Path dir = nicDirectory(address);
        if (LOCAL.containsKey(dir)) {
            return true;
        }
        Path lockFile = dir.resolve("lock");
        synchronized (LOCKS) {
            if (LOCAL.containsKey(dir)) {
                return true;
            }
            try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.READ)) {
                FileLock probe = ch.tryLock(0, Long.MAX_VALUE, true);
                if (probe == null) {
                    return true;
                }
                probe.release();
                return false;
            } catch (NoSuchFileException e) {
                return false;
            } catch (OverlappingFileLockException e) {
                return true;
            } catch (IOException e) {
                return true; // cannot tell: do not declare a peer dead on a probe failure
            }
        }
    }

    void forget(ViNic nic) {
        LOCAL.remove(nic.directory(), nic);
    }

    Path nicDirectory(String address) {
        return directory.resolve("nic-" + encode(address));
    }

    Path staging() {
        return directory.resolve("staging");
    }

    private void sweepDeadAnonymousNics() {
        try (Stream<Path> list = Files.list(directory)) {
            for (Path p : list.toList()) {
                String name = p.getFileName().toString();
                if (name.startsWith("nic-anon-") && !LOCAL.containsKey(p) && !isAliveDirectory(p)) {
                    deleteTree(p);
                }
            }
        } catch (IOException e) {
            // Sweeping is housekeeping; a failure leaves a few small files behind.
        }
    }

    private boolean isAliveDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir.resolve("lock"), StandardOpenOption.READ)) {
            FileLock probe = ch.tryLock(0, Long.MAX_VALUE, true);
            if (probe == null) {
                return true;
            }
            probe.release();
            return false;
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException | OverlappingFileLockException e) {
            return true;
        }
    }

    static void deleteTree(Path p) {
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        } catch (IOException e) {
            // Best effort: what is left is reclaimed by the next owner of the name.
        }
    }

    /** Encodes a name as a file name: letters, digits, '.', '_' and '-' stay, anything else is %XX. */
    static String encode(String name) {
        StringBuilder sb = new StringBuilder();
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'
                    || (c == '.' && sb.length() > 0)) {
                sb.append(c);
            } else {
                sb.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return sb.toString();
    }

    static void checkName(String name, String what) {
        if (name == null || name.isEmpty() || name.getBytes(StandardCharsets.UTF_8).length > ViConnectionDescriptor.TEXT_FIELD_LENGTH - 2) {
            throw new IllegalArgumentException(what + " " + (name == null ? "null" : "'" + name + "'") + " must be 1 to "
                    + (ViConnectionDescriptor.TEXT_FIELD_LENGTH - 2) + " bytes");
        }
    }

    @Override
    public String toString() {
        return "VI shared-memory fabric at " + directory;
    }
}
