package io.understudy.examples.fileservice;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.api.ownership.DiskId;
import io.understudy.api.ownership.DiskIo;
import io.understudy.cluster.RequestContext;
import io.understudy.cluster.VolumeService;
import io.understudy.session.ApplicationException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A small file service: the application the node engine serves, and the server the failover demo's client
 * talks to. Each volume holds files (flat paths, see {@link FilePaths}) that can be created, written at any
 * offset, read, listed and looked up; the wire format is {@link FileServiceCodec}'s.
 *
 * <p><b>On disk</b> (layout in {@link VolumeLayoutDescriptor}): a superblock, then an append-only log of
 * CREATE and WRITE records, each with a CRC32C. {@link #mount} formats a blank (all-zero) volume; otherwise
 * it scans the log and rebuilds an in-memory index of each file's extents, which point at the records'
 * bytes on disk: reads read the disk, the heap holds only the index. The scan stops at the first torn or
 * corrupt record, logs a {@code WARNING} naming the volume and the record's byte position, never applies
 * it, and new records overwrite it (the log is cut logically; {@link #mountReport} tells what was found).
 *
 * <p><b>Durability</b>: a CREATE or WRITE is appended to the log and the disk is forced before
 * {@link #handle} returns, so everything acknowledged survives a crash and a takeover. Concurrent writers on
 * one volume share a force (group commit). Readers see only durable data.
 *
 * <p><b>Re-sent requests</b>: when a connection breaks, the failover client re-sends in-flight requests to
 * the partner. Both mutating operations are idempotent, so running one twice gives the same files: CREATE
 * of an existing file succeeds and changes nothing ({@link FileReply.Created#created()} is then false), and
 * a WRITE of the same bytes at the same offset leaves the same contents and size. (It does append a second
 * record. Exactly-once, where a re-sent request gets its recorded reply, comes with the journal.) A re-sent
 * write can still reorder with a later write to the same range by another client; applications that share
 * ranges must coordinate.
 *
 * <p><b>Fencing</b>: a disk write or force that fails with {@link ErrorCode#FENCED} propagates from
 * {@link #handle} as is (the engine answers NOT_SERVING and stops serving the volume) and leaves the index
 * unchanged. After a failed write or force the volume refuses further requests (with the disk's error code)
 * until it is mounted again.
 *
 * <p>Thread-safe: {@link #handle} runs concurrently from many connections; mount, unmount and consistency
 * points come from the engine's control thread.
 *
 * @since 0.1
 */
public final class FileService implements VolumeService {

    /** The created-by string written into the superblocks of volumes this service formats. */
    public static final String DEFAULT_CREATED_BY = "understudy-example-fileservice 0.1";

    private final ConcurrentHashMap<DiskId, Volume> volumes = new ConcurrentHashMap<>();
    private final String createdBy;
    private final System.Logger logger;

    /** Creates a service that logs to the {@code io.understudy.examples.fileservice.FileService} logger. */
    public FileService() {
        this(DEFAULT_CREATED_BY, System.getLogger(FileService.class.getName()));
    }

    /**
     * Creates a service.
     *
     * @param createdBy written into the superblock of each volume this service formats, such as the node's
     *                  name; at most {@value VolumeLayoutDescriptor#CREATED_BY_MAX} bytes of UTF-8
     * @param logger    where mount reports and torn-log warnings go
     * @throws IllegalArgumentException if {@code createdBy} is too long
     */
    public FileService(String createdBy, System.Logger logger) {
        int n = createdBy.getBytes(StandardCharsets.UTF_8).length;
        if (n > VolumeLayoutDescriptor.CREATED_BY_MAX) {
            throw new IllegalArgumentException("created-by is " + n + " bytes of UTF-8, the limit is "
                    + VolumeLayoutDescriptor.CREATED_BY_MAX);
        }
        this.createdBy = createdBy;
        this.logger = Objects.requireNonNull(logger, "logger");
    }

    /**
     * {@inheritDoc}
     *
     * <p>Formats the volume if it is blank, else rebuilds its index from the log (see the class comment).
     *
     * @throws UnderstudyException {@link ErrorCode#ILLEGAL_STATE} if it is mounted already;
     *                             {@link ErrorCode#DISK_IO} if it is too small, unreadable or holds something
     *                             other than a file-service volume; {@link ErrorCode#FENCED} from the disk
     */
    @Override
    public void mount(DiskId disk, DiskIo io) {
        Objects.requireNonNull(disk, "disk");
        Objects.requireNonNull(io, "io");
        if (volumes.containsKey(disk)) {
            throw new UnderstudyException(ErrorCode.ILLEGAL_STATE, "volume " + disk + " is mounted already; unmount it first");
        }
        volumes.put(disk, Volume.mount(disk, io, createdBy, logger));
    }

    /**
     * {@inheritDoc}
     *
     * @throws ApplicationException      for a malformed request ({@link MalformedMessageException}), a volume
     *                                   not served on the request's port or not mounted, a missing file, or
     *                                   a full volume
     * @throws UnderstudyException       {@link ErrorCode#FENCED} as the disk threw it
     */
    @Override
    public ByteBuffer handle(RequestContext request, ByteBuffer payload) {
        FileRequest req = FileServiceCodec.decodeRequest(payload);
        DiskId disk = req.volume();
        try {
            request.require(disk);
        } catch (UnderstudyException e) {
            if (e.code() != ErrorCode.UNKNOWN_DISK) {
                throw e;
            }
            throw new ApplicationException("volume " + disk + " is not served on port " + request.port()
                    + " here; this port serves " + new TreeSet<>(request.volumes().stream().map(DiskId::name).toList()));
        }
        Volume v = volumes.get(disk);
        if (v == null) {
            throw new ApplicationException("volume " + disk + " is not mounted on this node");
        }
        FileReply reply = switch (req) {
            case FileRequest.Create c -> v.create(c.path());
            case FileRequest.Write w -> v.write(w.path(), w.offset(), w.data());
            case FileRequest.Read r -> v.read(r.path(), r.offset(), r.length());
            case FileRequest.ListFiles l -> v.list();
            case FileRequest.Stat s -> v.stat(s.path());
            case FileRequest.Append a -> throw new ApplicationException("APPEND is not idempotent and needs exactly-once:"
                    + " serve the volume with JournaledFileService (on the SDK's journal) instead of FileService");
        };
        return FileServiceCodec.encode(reply);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Every acknowledged write is durable already; this waits for any write still in flight and forces
     * the disk once more.
     *
     * @throws UnderstudyException {@link ErrorCode#ILLEGAL_STATE} if it is not mounted;
     *                             {@link ErrorCode#FENCED} from the disk
     */
    @Override
    public void consistencyPoint(DiskId disk) {
        mounted(disk).consistencyPoint();
    }

    /**
     * {@inheritDoc}
     *
     * <p>Drops the volume's index; requests for it are then refused with an {@link ApplicationException}.
     * Unmounting a volume that is not mounted does nothing. The {@link DiskIo} is not closed: the engine
     * owns it.
     */
    @Override
    public void unmount(DiskId disk) {
        Volume v = volumes.remove(disk);
        if (v != null) {
            v.unmount();
        }
    }

    /**
     * {@return what mounting a volume found, or empty if it is not mounted}
     *
     * @param disk the volume
     */
    public Optional<MountReport> mountReport(DiskId disk) {
        return Optional.ofNullable(volumes.get(disk)).map(Volume::report);
    }

    /** {@return a volume's index as (path, size) pairs, or empty if it is not mounted; for tests and diagnostics} */
    Optional<List<FileInfo>> snapshot(DiskId disk) {
        return Optional.ofNullable(volumes.get(disk)).map(Volume::snapshot);
    }

    private Volume mounted(DiskId disk) {
        Volume v = volumes.get(disk);
        if (v == null) {
            throw new UnderstudyException(ErrorCode.ILLEGAL_STATE, "volume " + disk + " is not mounted");
        }
        return v;
    }
}
