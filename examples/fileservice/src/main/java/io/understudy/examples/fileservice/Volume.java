package io.understudy.examples.fileservice;

import static io.understudy.examples.fileservice.VolumeLayoutDescriptor.CREATED_BY_LENGTH_OFFSET;
import static io.understudy.examples.fileservice.VolumeLayoutDescriptor.CREATED_BY_MAX;
import static io.understudy.examples.fileservice.VolumeLayoutDescriptor.CREATED_BY_OFFSET;
import static io.understudy.examples.fileservice.VolumeLayoutDescriptor.GENERATION_OFFSET;
import static io.understudy.examples.fileservice.VolumeLayoutDescriptor.LOG_START;
import static io.understudy.examples.fileservice.VolumeLayoutDescriptor.MAGIC;
import static io.understudy.examples.fileservice.VolumeLayoutDescriptor.MAGIC_OFFSET;
import static io.understudy.examples.fileservice.VolumeLayoutDescriptor.MAX_RECORD_LENGTH;
import static io.understudy.examples.fileservice.VolumeLayoutDescriptor.RECORD_CRC_OFFSET;
import static io.understudy.examples.fileservice.VolumeLayoutDescriptor.RECORD_FILE_OFFSET_OFFSET;
import static io.understudy.examples.fileservice.VolumeLayoutDescriptor.RECORD_FLAGS_OFFSET;
import static io.understudy.examples.fileservice.VolumeLayoutDescriptor.RECORD_GENERATION_OFFSET;
import static io.understudy.examples.fileservice.VolumeLayoutDescriptor.RECORD_HEADER_LENGTH;
import static io.understudy.examples.fileservice.VolumeLayoutDescriptor.RECORD_LENGTH_OFFSET;
import static io.understudy.examples.fileservice.VolumeLayoutDescriptor.RECORD_PATH_LENGTH_OFFSET;
import static io.understudy.examples.fileservice.VolumeLayoutDescriptor.RECORD_TYPE_OFFSET;
import static io.understudy.examples.fileservice.VolumeLayoutDescriptor.SUPERBLOCK_CRC_OFFSET;
import static io.understudy.examples.fileservice.VolumeLayoutDescriptor.SUPERBLOCK_LENGTH;
import static io.understudy.examples.fileservice.VolumeLayoutDescriptor.TYPE_CREATE;
import static io.understudy.examples.fileservice.VolumeLayoutDescriptor.TYPE_WRITE;
import static io.understudy.examples.fileservice.VolumeLayoutDescriptor.VERSION;
import static io.understudy.examples.fileservice.VolumeLayoutDescriptor.VERSION_OFFSET;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.api.ownership.DiskId;
import io.understudy.api.ownership.DiskIo;
import io.understudy.session.ApplicationException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32C;

/**
 * One mounted volume: its append-only log on the disk and the in-memory index rebuilt from it.
 *
 * <p>Concurrency. {@link #lock} guards the index, the log tail and the list of records appended but not
 * yet durable; records are written to the disk under it, so the log has no holes. Durability is a group
 * commit: a writer that finds no force running becomes the leader, takes every record appended so far as
 * its batch, forces once outside the lock, applies the batch to the index in log order and wakes the
 * others; writers that arrive meanwhile wait (on {@link #commit}) and are covered by the next leader's
 * force. The index only ever holds durable records, so a reader never sees bytes a crash could take back,
 * and a failed force leaves it as it was. A failed write or force stops the volume: a fenced node must stop
 * serving at once, and after a failed force the batch is on the disk but unacknowledged, so serving on would
 * make the index disagree with the log. The engine unmounts, and a later mount rescans.
 */
final class Volume {

    private static final System.Logger.Level SCAN_PROBLEM = Level.WARNING;

    private final DiskId disk;
    private final DiskIo io;
    private final long capacity;

    private final ReentrantLock lock = new ReentrantLock();
    // Guarded by lock.
    private final TreeMap<String, FileNode> files = new TreeMap<>();
    private final Map<String, Pending> pendingCreates = new HashMap<>();
    private List<Pending> pending = new ArrayList<>();
    private ByteBuffer scratch = ByteBuffer.allocate(4096);
    private long tail;
    private int generation;
    private int records;

    private final Object commit = new Object();
    // Guarded by commit.
    private boolean forcing;
    private long durableEnd;

    private volatile UnderstudyException stopped;
    private volatile boolean unmounted;
    private MountReport report;

    /** A record appended to the log, waiting to become durable and then applied to the index. */
    private static final class Pending {
        final byte type;
        final String path;
        final long fileOffset;
        final int dataLength;
        final long dataPosition;
        final long end;
        long sizeAfter;

        Pending(byte type, String path, long fileOffset, int dataLength, long dataPosition, long end) {
            this.type = type;
            this.path = path;
            this.fileOffset = fileOffset;
            this.dataLength = dataLength;
            this.dataPosition = dataPosition;
            this.end = end;
        }
    }

    /** A record that does not check out; the scan stops at it. */
    private static final class Corrupt extends Exception {
        private static final long serialVersionUID = 1L;

        Corrupt(String reason) {
            super(reason, null, false, false);
        }
    }

    private Volume(DiskId disk, DiskIo io, long capacity) {
        this.disk = disk;
        this.io = io;
        this.capacity = capacity;
    }

    /**
     * Formats a blank volume, or checks the superblock and rebuilds the index by scanning the log.
     *
     * @throws UnderstudyException {@code DISK_IO} if the disk is too small, unreadable or not a file-service
     *                             volume; {@code FENCED} from the disk
     */
    static Volume mount(DiskId disk, DiskIo io, String createdBy, System.Logger log) {
        long capacity = io.size();
        long minimum = LOG_START + RECORD_HEADER_LENGTH + 1L;
        if (capacity < minimum) {
            throw new UnderstudyException(ErrorCode.DISK_IO, "volume " + disk + " has a data area of " + capacity
                    + " bytes; a file-service volume needs at least " + minimum);
        }
        Volume v = new Volume(disk, io, capacity);
        ByteBuffer sb = ByteBuffer.allocate(SUPERBLOCK_LENGTH);
        v.readOrFail(0, sb, "superblock");
        boolean formatted = false;
        String owner;
        int sbGeneration;
        if (allZero(sb)) {
            ByteBuffer first = ByteBuffer.allocate(RECORD_HEADER_LENGTH);
            v.readOrFail(LOG_START, first, "first log record");
            if (!allZero(first)) {
                throw new UnderstudyException(ErrorCode.DISK_IO, "volume " + disk + " has no superblock but its log area"
                        + " at byte " + LOG_START + " is not blank; refusing to format it, as it may hold data."
                        + " Restore its superblock, or zero the data area to start afresh");
            }
            owner = createdBy;
            sbGeneration = 1;
            v.writeSuperblock(owner, sbGeneration);
            io.force();
            formatted = true;
            log.log(Level.INFO, "volume " + disk + ": blank, formatted (" + capacity + " bytes, created by " + owner + ")");
        } else {
            sbGeneration = checkSuperblock(disk, sb);
            owner = createdByOf(sb);
        }
        v.generation = sbGeneration;
        MountReport.Truncation cut = v.scan(sbGeneration);
        if (cut != null) {
            v.generation = sbGeneration + 1;
            log.log(SCAN_PROBLEM, "volume " + disk + ": log record at byte " + cut.position() + " is " + cut.reason()
                    + "; ignoring it and everything after it (" + v.records + " records before it recovered);"
                    + " new records continue at byte " + cut.position() + " in log generation " + v.generation);
            v.writeSuperblock(owner, v.generation);
            io.force();
        }
        v.durableEnd = v.tail;
        v.report = new MountReport(disk, formatted, owner, v.generation, v.records, v.files.size(), v.tail, cut);
        log.log(Level.DEBUG, () -> "volume " + disk + ": mounted, " + v.report);
        return v;
    }

    MountReport report() {
        return report;
    }

    // ---- requests ----

    FileReply.Created create(String path) {
        Pending p;
        boolean creator;
        lock.lock();
        try {
            checkServing();
            FileNode node = files.get(path);
            if (node != null) {
                return new FileReply.Created(false, node.size());
            }
            p = pendingCreates.get(path);
            creator = p == null;
            if (creator) {
                p = append(TYPE_CREATE, path, 0, ByteBuffer.allocate(0));
                pendingCreates.put(path, p);
            }
        } finally {
            lock.unlock();
        }
        awaitDurable(p);
        lock.lock();
        try {
            return new FileReply.Created(creator, files.get(path).size());
        } finally {
            lock.unlock();
        }
    }

    FileReply.Written write(String path, long offset, ByteBuffer data) {
        Pending p;
        lock.lock();
        try {
            checkServing();
            if (!files.containsKey(path) && !pendingCreates.containsKey(path)) {
                throw noSuchFile(path);
            }
            p = append(TYPE_WRITE, path, offset, data);
        } finally {
            lock.unlock();
        }
        awaitDurable(p);
        return new FileReply.Written(p.sizeAfter);
    }

    FileReply.ReadData read(String path, long offset, int length) {
        long size;
        int count;
        List<FileNode.Piece> pieces;
        lock.lock();
        try {
            checkServing();
            FileNode node = files.get(path);
            if (node == null) {
                throw noSuchFile(path);
            }
            size = node.size();
            count = offset >= size ? 0 : (int) Math.min(length, size - offset);
            pieces = node.pieces(offset, count);
        } finally {
            lock.unlock();
        }
        // Outside the lock: the bytes an extent points at are durable and never rewritten while mounted.
        ByteBuffer out = ByteBuffer.allocate(count);
        for (FileNode.Piece piece : pieces) {
            readOrFail(piece.diskPosition(), out.slice(piece.bufferOffset(), piece.length()), "data of " + FilePaths.quote(path));
        }
        return new FileReply.ReadData(size, out);
    }

    FileReply.Listing list() {
        lock.lock();
        try {
            checkServing();
            return new FileReply.Listing(snapshot());
        } finally {
            lock.unlock();
        }
    }

    FileReply.StatResult stat(String path) {
        lock.lock();
        try {
            checkServing();
            FileNode node = files.get(path);
            return new FileReply.StatResult(Optional.ofNullable(node).map(n -> new FileInfo(path, n.size())));
        } finally {
            lock.unlock();
        }
    }

    /** {@return the index as (path, size) pairs, sorted; for tests and diagnostics} */
    List<FileInfo> snapshot() {
        lock.lock();
        try {
            List<FileInfo> infos = new ArrayList<>(files.size());
            files.forEach((path, node) -> infos.add(new FileInfo(path, node.size())));
            return infos;
        } finally {
            lock.unlock();
        }
    }

    /** Makes everything appended durable (and applied), then forces the disk once more. */
    void consistencyPoint() {
        Pending last;
        lock.lock();
        try {
            last = pending.isEmpty() ? null : pending.get(pending.size() - 1);
        } finally {
            lock.unlock();
        }
        if (last != null) {
            awaitDurable(last);
        }
        io.force();
    }

    /** Drops the index; later requests that still hold this volume are refused. */
    void unmount() {
        unmounted = true;
        lock.lock();
        try {
            files.clear();
            pendingCreates.clear();
            pending = new ArrayList<>();
        } finally {
            lock.unlock();
        }
    }

    // ---- the log ----

    /** Writes one record (and an end marker after it) at the tail. Lock held. */
    private Pending append(byte type, String path, long fileOffset, ByteBuffer data) {
        byte[] pathBytes = FilePaths.utf8(path);
        int dataLength = data.remaining();
        int length = VolumeLayoutDescriptor.recordLength(pathBytes.length, dataLength);
        if (tail + length > capacity) {
            throw new ApplicationException("volume " + disk + " full: a " + length + "-byte record for "
                    + FilePaths.quote(path) + " does not fit in the " + (capacity - tail) + " bytes left of "
                    + (capacity - LOG_START) + " bytes of log space");
        }
        // The end marker (a zero header) keeps the next scan from reading into leftovers of a cut log.
        int marker = tail + length + RECORD_HEADER_LENGTH <= capacity ? RECORD_HEADER_LENGTH : 0;
        ByteBuffer r = scratch(length + marker);
        r.putInt(length).putInt(0).put(type).put((byte) 0).putShort((short) pathBytes.length)
                .putInt(generation).putLong(fileOffset).put(pathBytes).put(data.duplicate());
        r.put(new byte[marker]).flip();
        r.putInt(RECORD_CRC_OFFSET, crc(r, length));
        try {
            io.write(tail, r);
        } catch (RuntimeException | Error e) {
            stop(e); // a fenced node stops serving at once; the index and the tail are untouched
            throw e; // as is: the engine turns FENCED into NOT_SERVING
        }
        Pending p = new Pending(type, path, fileOffset, dataLength, tail + RECORD_HEADER_LENGTH + pathBytes.length,
                tail + length);
        tail += length;
        records++;
        pending.add(p);
        return p;
    }

    /** Returns once p is durable and applied; leads a force if none is running. */
    private void awaitDurable(Pending p) {
        boolean interrupted = false;
        try {
            while (true) {
                synchronized (commit) {
                    while (durableEnd < p.end && stopped == null && forcing) {
                        try {
                            commit.wait();
                        } catch (InterruptedException e) {
                            interrupted = true; // the force finishes regardless; the reply must wait for it
                        }
                    }
                    if (durableEnd >= p.end) {
                        return;
                    }
                    if (stopped != null) {
                        throw stoppedError();
                    }
                    forcing = true;
                }
                lead();
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void lead() {
        List<Pending> batch;
        long end;
        lock.lock();
        try {
            batch = pending;
            pending = new ArrayList<>();
            end = tail;
        } finally {
            lock.unlock();
        }
        boolean ok = false;
        Throwable failure = null;
        try {
            io.force();
            lock.lock();
            try {
                for (Pending q : batch) {
                    q.sizeAfter = apply(q.type, q.path, q.fileOffset, q.dataLength, q.dataPosition);
                }
            } finally {
                lock.unlock();
            }
            ok = true;
        } catch (Throwable t) {
            failure = t;
            throw t;
        } finally {
            synchronized (commit) {
                forcing = false;
                if (ok) {
                    durableEnd = end;
                    commit.notifyAll();
                }
            }
            if (!ok) {
                stop(failure);
            }
        }
    }

    /** Refuses every later request on this volume, and wakes writers waiting for a force. */
    private void stop(Throwable failure) {
        synchronized (commit) {
            if (stopped == null) {
                stopped = failure instanceof UnderstudyException u ? u
                        : new UnderstudyException(ErrorCode.DISK_IO, "disk failure on volume " + disk + ": " + failure, failure);
            }
            commit.notifyAll();
        }
    }

    /** Applies one durable record to the index; returns the file's size after it. Lock held. */
    private long apply(byte type, String path, long fileOffset, int dataLength, long dataPosition) {
        if (type == TYPE_CREATE) {
            files.put(path, new FileNode());
            pendingCreates.remove(path);
            return 0;
        }
        FileNode node = files.get(path);
        node.write(fileOffset, dataLength, dataPosition);
        return node.size();
    }

    /** Reads the log from its start, applying every good record; returns where and why it stopped, or null. */
    private MountReport.Truncation scan(int sbGeneration) {
        long pos = LOG_START;
        int previousGeneration = 1;
        ByteBuffer header = ByteBuffer.allocate(RECORD_HEADER_LENGTH);
        while (pos + RECORD_HEADER_LENGTH <= capacity) {
            header.clear();
            if (!readFully(pos, header)) {
                break;
            }
            if (allZero(header)) {
                break;
            }
            try {
                previousGeneration = scanRecord(pos, header, sbGeneration, previousGeneration);
            } catch (Corrupt c) {
                tail = pos;
                return new MountReport.Truncation(pos, c.getMessage());
            }
            pos += header.getInt(RECORD_LENGTH_OFFSET);
            records++;
        }
        tail = pos;
        return null;
    }

    private int scanRecord(long pos, ByteBuffer header, int sbGeneration, int previousGeneration) throws Corrupt {
        int length = header.getInt(RECORD_LENGTH_OFFSET);
        if (length <= RECORD_HEADER_LENGTH || length > MAX_RECORD_LENGTH) {
            throw new Corrupt("corrupt: impossible length " + length + " (expected " + (RECORD_HEADER_LENGTH + 1)
                    + ".." + MAX_RECORD_LENGTH + ")");
        }
        if (pos + length > capacity) {
            throw new Corrupt("corrupt: its length " + length + " runs past the end of the data area (" + capacity + " bytes)");
        }
        int pathLength = header.getShort(RECORD_PATH_LENGTH_OFFSET) & 0xffff;
        if (pathLength == 0 || pathLength > FilePaths.MAX_BYTES || RECORD_HEADER_LENGTH + pathLength > length) {
            throw new Corrupt("corrupt: path length " + pathLength + " does not fit (record length " + length + ")");
        }
        ByteBuffer r = scratch(length);
        r.limit(length);
        if (!readFully(pos, r)) {
            throw new Corrupt("unreadable: the data area ended inside it");
        }
        r.flip();
        int stored = r.getInt(RECORD_CRC_OFFSET);
        int computed = crc(r, length);
        if (stored != computed) {
            throw new Corrupt(String.format("torn or corrupt: CRC32C 0x%08x does not match its contents (0x%08x)", stored, computed));
        }
        byte type = r.get(RECORD_TYPE_OFFSET);
        if (type != TYPE_CREATE && type != TYPE_WRITE) {
            throw new Corrupt("corrupt: unknown record type " + type);
        }
        if (r.get(RECORD_FLAGS_OFFSET) != 0) {
            throw new Corrupt("corrupt: flags " + r.get(RECORD_FLAGS_OFFSET) + " are not 0");
        }
        int gen = r.getInt(RECORD_GENERATION_OFFSET);
        if (gen < previousGeneration || gen > sbGeneration) {
            throw new Corrupt("stale: log generation " + gen + " is outside " + previousGeneration + ".." + sbGeneration
                    + " (a record from before an earlier cut)");
        }
        String path;
        try {
            path = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(r.slice(RECORD_HEADER_LENGTH, pathLength)).toString();
        } catch (CharacterCodingException e) {
            throw new Corrupt("corrupt: its path is not valid UTF-8");
        }
        String problem = FilePaths.problemWith(path);
        if (problem != null) {
            throw new Corrupt("corrupt: invalid path " + FilePaths.quote(path) + ": " + problem);
        }
        long fileOffset = r.getLong(RECORD_FILE_OFFSET_OFFSET);
        int dataLength = length - RECORD_HEADER_LENGTH - pathLength;
        if (type == TYPE_CREATE) {
            if (dataLength != 0 || fileOffset != 0) {
                throw new Corrupt("corrupt: a CREATE with data or a file offset");
            }
            if (files.containsKey(path)) {
                throw new Corrupt("corrupt: a second CREATE of " + FilePaths.quote(path));
            }
        } else {
            String range = FileServiceCodec.rangeProblem(fileOffset, dataLength);
            if (range != null) {
                throw new Corrupt("corrupt: " + range);
            }
            if (!files.containsKey(path)) {
                throw new Corrupt("corrupt: a WRITE to " + FilePaths.quote(path) + ", which was never created");
            }
        }
        apply(type, path, fileOffset, dataLength, pos + RECORD_HEADER_LENGTH + pathLength);
        return gen;
    }

    // ---- helpers ----

    private void checkServing() {
        if (unmounted) {
            throw new ApplicationException("volume " + disk + " is not mounted on this node");
        }
        if (stopped != null) {
            throw stoppedError();
        }
    }

    private UnderstudyException stoppedError() {
        UnderstudyException cause = stopped;
        return new UnderstudyException(cause.code(), "volume " + disk + " stopped serving after a failed disk write"
                + " or force; it must be unmounted and mounted again: " + cause.getMessage(), cause);
    }

    private ApplicationException noSuchFile(String path) {
        return new ApplicationException("no such file " + FilePaths.quote(path) + " on volume " + disk + "; CREATE it first");
    }

    private void writeSuperblock(String createdBy, int gen) {
        byte[] owner = createdBy.getBytes(StandardCharsets.UTF_8);
        ByteBuffer sb = ByteBuffer.allocate(SUPERBLOCK_LENGTH);
        sb.putInt(MAGIC_OFFSET, MAGIC).putInt(VERSION_OFFSET, VERSION).putInt(GENERATION_OFFSET, gen)
                .putShort(CREATED_BY_LENGTH_OFFSET, (short) owner.length).put(CREATED_BY_OFFSET, owner);
        CRC32C crc = new CRC32C();
        crc.update(sb.slice(0, SUPERBLOCK_CRC_OFFSET));
        sb.putInt(SUPERBLOCK_CRC_OFFSET, (int) crc.getValue());
        io.write(0, sb);
    }

    private static int checkSuperblock(DiskId disk, ByteBuffer sb) {
        String prefix = "volume " + disk + " is not a usable file-service volume: ";
        int magic = sb.getInt(MAGIC_OFFSET);
        if (magic != MAGIC) {
            throw new UnderstudyException(ErrorCode.DISK_IO, prefix + String.format(
                    "bad magic 0x%08x at byte 0, expected 0x%08x; it holds something else, or is corrupt", magic, MAGIC));
        }
        // The version first: a later layout may check itself differently.
        int version = sb.getInt(VERSION_OFFSET);
        if (version != VERSION) {
            throw new UnderstudyException(ErrorCode.DISK_IO, prefix + "layout version " + version
                    + "; this file service reads version " + VERSION);
        }
        CRC32C crc = new CRC32C();
        crc.update(sb.slice(0, SUPERBLOCK_CRC_OFFSET));
        int stored = sb.getInt(SUPERBLOCK_CRC_OFFSET);
        if (stored != (int) crc.getValue()) {
            throw new UnderstudyException(ErrorCode.DISK_IO, prefix + String.format(
                    "superblock CRC32C 0x%08x does not match its contents (0x%08x)", stored, (int) crc.getValue()));
        }
        int gen = sb.getInt(GENERATION_OFFSET);
        int ownerLength = sb.getShort(CREATED_BY_LENGTH_OFFSET) & 0xffff;
        if (gen < 1 || ownerLength > CREATED_BY_MAX) {
            throw new UnderstudyException(ErrorCode.DISK_IO, prefix + "superblock generation " + gen
                    + " or created-by length " + ownerLength + " out of range");
        }
        return gen;
    }

    private static String createdByOf(ByteBuffer sb) {
        int n = sb.getShort(CREATED_BY_LENGTH_OFFSET) & 0xffff;
        return StandardCharsets.UTF_8.decode(sb.slice(CREATED_BY_OFFSET, n)).toString();
    }

    /** CRC32C of a record's bytes 0-3 and 8 to length-1: everything but the CRC field. */
    private static int crc(ByteBuffer record, int length) {
        CRC32C crc = new CRC32C();
        crc.update(record.slice(RECORD_LENGTH_OFFSET, RECORD_CRC_OFFSET));
        crc.update(record.slice(RECORD_TYPE_OFFSET, length - RECORD_TYPE_OFFSET));
        return (int) crc.getValue();
    }

    /** A cleared buffer of at least n bytes, reused (lock held, or during mount). */
    private ByteBuffer scratch(int n) {
        if (scratch.capacity() < n) {
            scratch = ByteBuffer.allocate(Math.max(n, scratch.capacity() * 2));
        }
        return scratch.clear();
    }

    private boolean readFully(long position, ByteBuffer dst) {
        while (dst.hasRemaining()) {
            int n = io.read(position, dst.slice());
            if (n <= 0) {
                return false;
            }
            dst.position(dst.position() + n);
            position += n;
        }
        return true;
    }

    private void readOrFail(long position, ByteBuffer dst, String what) {
        int want = dst.remaining();
        if (!readFully(position, dst)) {
            throw new UnderstudyException(ErrorCode.DISK_IO, "volume " + disk + ": short read of " + what + " ("
                    + want + " bytes at byte " + position + " of a " + capacity + "-byte data area)");
        }
    }

    private static boolean allZero(ByteBuffer b) {
        for (int i = 0; i < b.limit(); i++) {
            if (b.get(i) != 0) {
                return false;
            }
        }
        return true;
    }
}
