package io.understudy.examples.fileservice;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.api.ownership.DiskId;
import io.understudy.cluster.JournaledApplication;
import io.understudy.cluster.JournaledVolumeService;
import io.understudy.cluster.RequestContext;
import io.understudy.session.ApplicationException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The file service as a {@link JournaledApplication}: the same wire format ({@link FileServiceCodec}) and
 * operations as {@link FileService}, plus {@link FileOp#APPEND}, with <b>exactly-once</b> semantics across
 * failover. Serve it through {@link JournaledVolumeService} (see {@link #service}): the SDK journals every
 * CREATE, WRITE and APPEND with its reply before acknowledging it, and answers a request that the failover
 * client re-sends after a broken connection from its reply cache instead of running it again. That is what
 * makes APPEND (which is not idempotent) safe, and it is what {@code understudy node} serves.
 *
 * <p>A volume's files live in memory; a consistency point stores them all as one snapshot in a checkpoint
 * slot of the volume's journal. So a volume holds at most {@code capacity} bytes of file data and paths
 * (a request that would pass it fails with "volume full" and changes nothing): this is an example
 * application, sized for the demo and the chaos campaigns, not a file system. {@link FileService} is the
 * log-structured variant that keeps data on disk, at-least-once (its mutating operations are idempotent;
 * it refuses APPEND).
 *
 * <p>Errors (a missing file, a volume not served on the request's port, a full volume, a malformed
 * request) are {@link ApplicationException}s: they reach the client and leave the state unchanged. A
 * malformed snapshot (never written by this class) fails the mount with {@link ErrorCode#DISK_IO}.
 *
 * @since 0.1
 */
public final class JournaledFileService implements JournaledApplication {

    /** Snapshot format version, the first byte of each snapshot. */
    static final int SNAPSHOT_VERSION = 1;
    /** Bytes of bookkeeping counted per file against the capacity (its size and path length). */
    static final int PER_FILE_OVERHEAD = 10;

    private final long capacity;
    private final Map<DiskId, Files> volumes = new ConcurrentHashMap<>();

    /**
     * Creates the service.
     *
     * @param capacity the most bytes of file data and paths one volume holds; must leave room in the
     *                 journal's checkpoint slot for the reply cache
     * @throws IllegalArgumentException if it is not positive
     */
    public JournaledFileService(long capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        this.capacity = capacity;
    }

    /**
     * {@return a volume service that serves the file service from the SDK's journal} Each volume's journal
     * has two checkpoint slots of {@code slotBytes} and two log halves of {@code halfBytes}, so a disk must
     * hold {@code 2 × slotBytes + 2 × halfBytes} plus a few KiB; files may take {@code slotBytes / 2}, the
     * other half of a slot is left to the reply cache.
     *
     * @param slotBytes each checkpoint slot
     * @param halfBytes each log half
     */
    public static JournaledVolumeService service(int slotBytes, int halfBytes) {
        return JournaledVolumeService.builder().application(new JournaledFileService(slotBytes / 2))
                .checkpointSlotBytes(slotBytes).halfBytes(halfBytes).replyCache(16, 4096).build();
    }

    @Override
    public Route route(RequestContext request, ByteBuffer payload) {
        FileRequest req = decode(payload);
        if (!request.volumes().contains(req.volume())) {
            throw new ApplicationException("volume " + req.volume() + " is not served on port " + request.port()
                    + " here; this port serves " + new TreeSet<>(request.volumes().stream().map(DiskId::name).toList()));
        }
        boolean mutating = switch (req.op()) {
            case CREATE, WRITE, APPEND -> true;
            case READ, LIST, STAT -> false;
        };
        return new Route(req.volume(), mutating);
    }

    @Override
    public void restore(DiskId disk, ByteBuffer snapshot) {
        volumes.put(disk, decodeSnapshot(disk, snapshot.duplicate()));
    }

    @Override
    public ByteBuffer execute(DiskId disk, ByteBuffer payload) {
        FileRequest req = decode(payload);
        Files f = volumes.get(disk);
        if (f == null) {
            throw new ApplicationException("volume " + disk + " is not mounted on this node");
        }
        FileReply reply = switch (req) {
            case FileRequest.Create c -> f.create(c.path());
            case FileRequest.Write w -> f.write(w.path(), w.offset(), w.data());
            case FileRequest.Append a -> f.append(a.path(), a.data());
            case FileRequest.Read r -> f.read(r.path(), r.offset(), r.length());
            case FileRequest.ListFiles l -> new FileReply.Listing(f.list());
            case FileRequest.Stat s -> new FileReply.StatResult(Optional.ofNullable(f.files.get(s.path()))
                    .map(b -> new FileInfo(s.path(), b.size)));
        };
        return FileServiceCodec.encode(reply);
    }

    @Override
    public ByteBuffer snapshot(DiskId disk) {
        Files f = volumes.get(disk);
        return f == null ? ByteBuffer.allocate(0) : f.encode();
    }

    @Override
    public void forget(DiskId disk) {
        volumes.remove(disk);
    }

    private static FileRequest decode(ByteBuffer payload) {
        try {
            return FileServiceCodec.decodeRequest(payload.duplicate());
        } catch (MalformedMessageException e) {
            throw new ApplicationException(e.getMessage());
        }
    }

    /** One file's bytes: a growable array. */
    private static final class Data {
        byte[] bytes;
        long size;

        Data(byte[] bytes, long size) {
            this.bytes = bytes;
            this.size = size;
        }

        void put(long offset, ByteBuffer src) {
            int n = src.remaining();
            long end = offset + n;
            if (end > bytes.length) {
                bytes = Arrays.copyOf(bytes, (int) Math.max(end, Math.min((long) bytes.length * 2, Integer.MAX_VALUE - 8)));
            }
            src.duplicate().get(bytes, (int) offset, n);
            size = Math.max(size, end);
        }
    }

    /** A volume's files, touched by one request at a time (the journal serializes them). */
    private final class Files {
        final DiskId disk;
        final TreeMap<String, Data> files = new TreeMap<>();
        long used;

        Files(DiskId disk) {
            this.disk = disk;
        }

        FileReply.Created create(String path) {
            Data d = files.get(path);
            if (d != null) {
                return new FileReply.Created(false, d.size);
            }
            reserve(path, PER_FILE_OVERHEAD + FilePaths.utf8(path).length);
            files.put(path, new Data(new byte[0], 0));
            return new FileReply.Created(true, 0);
        }

        FileReply.Written write(String path, long offset, ByteBuffer data) {
            Data d = existing(path);
            reserve(path, Math.max(0, offset + data.remaining() - d.size));
            d.put(offset, data);
            return new FileReply.Written(d.size);
        }

        FileReply.Appended append(String path, ByteBuffer data) {
            Data d = files.get(path);
            if (d == null) {
                reserve(path, PER_FILE_OVERHEAD + FilePaths.utf8(path).length + data.remaining());
                d = new Data(new byte[Math.max(16, data.remaining())], 0);
                files.put(path, d);
            } else {
                reserve(path, data.remaining());
            }
            long at = d.size;
            d.put(at, data);
            return new FileReply.Appended(at, d.size);
        }

        FileReply.ReadData read(String path, long offset, int length) {
            Data d = existing(path);
            if (offset >= d.size) {
                return new FileReply.ReadData(d.size, ByteBuffer.allocate(0));
            }
            int count = (int) Math.min(length, d.size - offset);
            return new FileReply.ReadData(d.size, ByteBuffer.wrap(Arrays.copyOfRange(d.bytes, (int) offset, (int) offset + count)));
        }

        List<FileInfo> list() {
            List<FileInfo> out = new ArrayList<>(files.size());
            files.forEach((p, d) -> out.add(new FileInfo(p, d.size)));
            return out;
        }

        private Data existing(String path) {
            Data d = files.get(path);
            if (d == null) {
                throw new ApplicationException("no such file " + FilePaths.quote(path) + " on volume " + disk + "; CREATE it first");
            }
            return d;
        }

        private void reserve(String path, long bytes) {
            if (used + bytes > capacity) {
                throw new ApplicationException("volume " + disk + " full: " + bytes + " more bytes for "
                        + FilePaths.quote(path) + " would pass its " + capacity + "-byte capacity (" + used + " used)");
            }
            used += bytes;
        }

        /** version u8 | count i32 | count x (path-length u16 | path | size i64 | data) */
        ByteBuffer encode() {
            long total = 5;
            for (var e : files.entrySet()) {
                total += 2 + FilePaths.utf8(e.getKey()).length + 8 + e.getValue().size;
            }
            ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(total));
            b.put((byte) SNAPSHOT_VERSION).putInt(files.size());
            files.forEach((p, d) -> {
                byte[] path = FilePaths.utf8(p);
                b.putShort((short) path.length).put(path).putLong(d.size).put(d.bytes, 0, (int) d.size);
            });
            return b.flip();
        }
    }

    /** Reads a snapshot {@link Files#encode} wrote; an empty one is a volume never checkpointed. */
    private Files decodeSnapshot(DiskId disk, ByteBuffer b) {
        Files f = new Files(disk);
        if (!b.hasRemaining()) {
            return f;
        }
        try {
            int version = b.get() & 0xff;
            if (version != SNAPSHOT_VERSION) {
                throw corrupt(disk, "unsupported version " + version, 0);
            }
            int count = b.getInt();
            if (count < 0) {
                throw corrupt(disk, "negative file count " + count, 1);
            }
            for (int i = 0; i < count; i++) {
                int at = b.position();
                int n = b.getShort() & 0xffff;
                byte[] raw = new byte[Math.min(n, b.remaining())];
                b.get(raw);
                String path = new String(raw, StandardCharsets.UTF_8);
                String problem = FilePaths.problemWith(path);
                if (raw.length != n || problem != null) {
                    throw corrupt(disk, "file " + i + ": bad path (" + (problem == null ? "truncated" : problem) + ")", at);
                }
                long size = b.getLong();
                if (size < 0 || size > b.remaining() || f.files.containsKey(path)) {
                    throw corrupt(disk, "file " + FilePaths.quote(path) + ": size " + size + " with " + b.remaining()
                            + " bytes left, or a repeated path", at);
                }
                byte[] data = new byte[(int) size];
                b.get(data);
                f.files.put(path, new Data(data, size));
                f.used += PER_FILE_OVERHEAD + n + size;
            }
            if (b.hasRemaining()) {
                throw corrupt(disk, b.remaining() + " bytes after the last file", b.position());
            }
        } catch (java.nio.BufferUnderflowException e) {
            throw corrupt(disk, "truncated", b.position());
        }
        return f;
    }

    private static UnderstudyException corrupt(DiskId disk, String why, int at) {
        return new UnderstudyException(ErrorCode.DISK_IO, "file service snapshot of " + disk + " is malformed at byte "
                + at + ": " + why);
    }
}
