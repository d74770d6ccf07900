package io.understudy.ownership.file;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.api.ownership.DiskId;
import io.understudy.api.ownership.NodeId;
import io.understudy.api.ownership.OwnershipProvider;
import io.understudy.api.ownership.OwnershipService;
import io.understudy.api.spi.Availability;
import io.understudy.api.spi.Option;
import io.understudy.api.spi.ProviderContext;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The embedded ownership provider, id {@code file}: shared disks are files in a directory that every node
 * of the pair reaches (on one host, or on a shared file system whose {@code fcntl} locks work across
 * hosts). Sector S is the first 512 bytes of each disk file ({@link SectorSDescriptor}); the disk's SCSI-3
 * persistent reservation (type Write Exclusive - Registrants Only) is emulated in a sidecar file
 * ({@link ReservationDescriptor}) whose updates are atomic across threads and processes. The files are
 * described in {@link FileDisks}.
 *
 * <p>Options:
 * <ul>
 *   <li>{@link #DIRECTORY} {@code file.directory} (required): the shared directory;</li>
 *   <li>{@link #CREATE} {@code file.create}: disks to create if missing, such as {@code d0:16MiB,d1:16MiB};</li>
 *   <li>{@link #LABEL} {@code file.label}: this node's label in {@code <A,U>} pairs.</li>
 * </ul>
 * The node's name comes from {@link ProviderContext#nodeName()} and is required. Always available.
 * Thread-safe; {@link #open} does file I/O.
 *
 * <p>Claim, preempt and release each write both records in an order that leaves only repairable states
 * after a crash: the reservation before sector S on claim and preempt, sector S before the reservation on
 * release. A {@code <U,A>} or {@code <A,B>} left by a crash is repaired by the reservation holder's next
 * claim (or release); see {@link OwnershipService} for the results.
 *
 * @since 0.1
 */
public final class FileOwnershipProvider extends OwnershipProvider {

    /** The shared directory of disk files; required. */
    public static final Option<String> DIRECTORY = Option.string("file.directory", "",
            "the directory of shared disk files (<disk>.disk, <disk>.pr) that both nodes of the pair use");

    /** Disks to create if missing, as comma-separated {@code name:size} pairs; none by default. */
    public static final Option<Map<DiskId, Long>> CREATE = new Option<>("file.create", Map.of(), FileDisks::parseSizes,
            "disks to create if their files are missing, as name:size pairs such as d0:16MiB,d1:16MiB");

    /** This node's label in ownership pairs; by default the last character of its name, upper-cased. */
    public static final Option<String> LABEL = Option.string("file.label", "",
            "this node's label in <SECTORS,SCSI> pairs, 1-8 characters, not U; by default the name's last character");

    /** The provider's id. */
    public static final String ID = "file";

    /** For {@link java.util.ServiceLoader}. */
    public FileOwnershipProvider() {
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public Availability availability() {
        return Availability.available();
    }

    /**
     * Opens a service for the context's node over the directory {@code file.directory}, creating the disks
     * that {@code file.create} lists and are missing.
     *
     * @param context the SDK's context: node name (required), clock, options
     * @return the service
     * @throws UnderstudyException {@code INVALID_CONFIGURATION} if the node name or directory is missing or
     *                             bad; {@code DISK_IO} if a disk cannot be created
     */
    @Override
    public OwnershipService open(ProviderContext context) {
        String name = context.nodeName().orElseThrow(() -> new UnderstudyException(ErrorCode.INVALID_CONFIGURATION,
                "the 'file' ownership provider needs the node's name, which records and reservations carry;"
                        + " set it with ProviderContext.Builder.nodeName (the node engine sets it from its configuration)"));
        String label = context.option(LABEL);
        NodeId self = label.isBlank() ? NodeId.of(name) : new NodeId(name, label.trim());
        String dirText = context.option(DIRECTORY);
        if (dirText.isBlank()) {
            throw new UnderstudyException(ErrorCode.INVALID_CONFIGURATION, "the 'file' ownership provider needs option "
                    + DIRECTORY.name() + ": " + DIRECTORY.description());
        }
        Path dir;
        try {
            dir = Path.of(dirText.trim());
        } catch (InvalidPathException e) {
            throw new UnderstudyException(ErrorCode.INVALID_CONFIGURATION, "option " + DIRECTORY.name() + ": '" + dirText
                    + "' is not a path: " + e.getMessage(), e);
        }
        for (Map.Entry<DiskId, Long> e : context.option(CREATE).entrySet()) {
            FileDisks.create(dir, e.getKey(), e.getValue());
        }
        if (!Files.isDirectory(dir)) {
            throw new UnderstudyException(ErrorCode.INVALID_CONFIGURATION, "option " + DIRECTORY.name() + ": " + dir.toAbsolutePath()
                    + " is not a directory; create it (and the disks, e.g. with " + CREATE.name() + "=d0:16MiB) or fix the path");
        }
        return new FileOwnershipService(self, dir, context.clock());
    }
}
