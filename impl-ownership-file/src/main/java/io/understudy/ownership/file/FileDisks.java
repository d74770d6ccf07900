package io.understudy.ownership.file;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.api.ownership.DiskId;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The files of the {@code file} ownership provider, and how to make them. A shared directory holds, for
 * each disk {@code d}:
 * <ul>
 *   <li>{@code d.disk}: the disk. Its first {@value SectorSDescriptor#LENGTH} bytes are sector S (see
 *       {@link SectorSDescriptor}); the rest is the data area. A disk is known to the provider exactly when
 *       this file exists and its name is a valid {@link DiskId}.</li>
 *   <li>{@code d.pr}: the emulated SCSI-3 persistent reservation (see {@link ReservationDescriptor}),
 *       created on first use. Never delete it while nodes run: it holds the fences.</li>
 * </ul>
 * Static methods only; thread-safe.
 *
 * @since 0.1
 */
public final class FileDisks {

    /** The file-name suffix of a disk. */
    public static final String DISK_SUFFIX = ".disk";
    /** The file-name suffix of a disk's reservation sidecar. */
    public static final String RESERVATION_SUFFIX = ".pr";

    private FileDisks() {
    }

    /**
     * {@return the file of a disk}
     *
     * @param directory the shared directory
     * @param disk      the disk
     */
    public static Path diskFile(Path directory, DiskId disk) {
        return directory.resolve(disk.name() + DISK_SUFFIX);
    }

    /**
     * {@return the reservation sidecar file of a disk}
     *
     * @param directory the shared directory
     * @param disk      the disk
     */
    public static Path reservationFile(Path directory, DiskId disk) {
        return directory.resolve(disk.name() + RESERVATION_SUFFIX);
    }

    /**
     * Creates a disk if its file does not exist yet: sector S all zeros (unowned, epoch 0) followed by a
     * zero-filled data area (sparse where the file system allows). An existing file is left exactly as it
     * is, whatever its size, so that this is safe to call on every start of every node.
     *
     * @param directory the shared directory; created if missing
     * @param disk      the disk
     * @param dataSize  the data area's size in bytes, not negative
     * @return whether the file was created
     * @throws UnderstudyException {@code DISK_IO} if the file cannot be created
     */
    public static boolean create(Path directory, DiskId disk, long dataSize) {
        Objects.requireNonNull(disk, "disk");
        if (dataSize < 0) {
            throw new IllegalArgumentException("negative data size " + dataSize + " for disk " + disk);
        }
        Path file = diskFile(directory, disk);
        try {
            Files.createDirectories(directory);
            try (FileChannel c = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                // Setting the length by writing one byte at the end keeps the file sparse.
                long length = SectorSDescriptor.DATA_OFFSET + dataSize;
                c.write(java.nio.ByteBuffer.allocate(1), length - 1);
                c.force(true);
            }
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (IOException e) {
            throw new UnderstudyException(ErrorCode.DISK_IO, "cannot create disk " + disk + " as " + file + ": " + e, e);
        }
    }

    /**
     * {@return the disks in a directory: every {@code *.disk} regular file whose base name is a valid
     * {@link DiskId}, sorted by name; empty if the directory does not exist}
     *
     * @param directory the shared directory
     * @throws UnderstudyException {@code DISK_IO} if the directory cannot be listed
     */
    public static List<DiskId> list(Path directory) {
        List<DiskId> out = new ArrayList<>();
        if (!Files.isDirectory(directory)) {
            return out;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*" + DISK_SUFFIX)) {
            for (Path p : files) {
                String base = p.getFileName().toString();
                base = base.substring(0, base.length() - DISK_SUFFIX.length());
                if (io.understudy.api.DataAccessPort.problemWith(base) == null && Files.isRegularFile(p)) {
                    out.add(DiskId.of(base));
                }
            }
        } catch (IOException e) {
            throw new UnderstudyException(ErrorCode.DISK_IO, "cannot list the disks in " + directory + ": " + e, e);
        }
        out.sort(Comparator.comparing(DiskId::name));
        return out;
    }

    /**
     * Parses a list of disks to create, the text of the {@code file.create} option: comma-separated
     * {@code name:size} pairs such as {@code d0:16MiB,d1:16MiB}. A size is a number of bytes with an
     * optional unit {@code K}, {@code KiB}, {@code M}, {@code MiB}, {@code G} or {@code GiB} (all powers of
     * 1024). Blank text is an empty map.
     *
     * @param spec the text
     * @return data-area sizes by disk, in the order given
     * @throws IllegalArgumentException saying what is wrong (the option turns it into {@code INVALID_CONFIGURATION})
     */
    public static Map<DiskId, Long> parseSizes(String spec) {
        Map<DiskId, Long> out = new LinkedHashMap<>();
        if (spec == null || spec.isBlank()) {
            return out;
        }
        for (String part : spec.split(",")) {
            String p = part.trim();
            int colon = p.indexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("'" + p + "' is not name:size (such as d0:16MiB)");
            }
            String name = p.substring(0, colon).trim();
            String problem = io.understudy.api.DataAccessPort.problemWith(name);
            if (problem != null) {
                throw new IllegalArgumentException("disk name '" + name + "' is invalid: " + problem);
            }
            if (out.put(DiskId.of(name), parseSize(p.substring(colon + 1))) != null) {
                throw new IllegalArgumentException("disk " + name + " is listed twice");
            }
        }
        return out;
    }

    /**
     * Parses a size: a number of bytes with an optional unit {@code K}, {@code KiB}, {@code M}, {@code MiB},
     * {@code G} or {@code GiB}.
     *
     * @param text the text, such as {@code 16MiB}
     * @return the bytes
     * @throws IllegalArgumentException if it is not a size
     */
    public static long parseSize(String text) {
        String t = text.trim();
        int i = 0;
        while (i < t.length() && Character.isDigit(t.charAt(i))) {
            i++;
        }
        if (i == 0) {
            throw new IllegalArgumentException("'" + text + "' is not a size such as 4096, 64KiB or 16MiB");
        }
        long shift = switch (t.substring(i).trim().toLowerCase(Locale.ROOT)) {
            case "" -> 0;
            case "k", "kib" -> 10;
            case "m", "mib" -> 20;
            case "g", "gib" -> 30;
            default -> throw new IllegalArgumentException("'" + text + "' has an unknown unit; use K/KiB, M/MiB or G/GiB");
        };
        try {
            long n = Long.parseLong(t.substring(0, i));
            if (n > (Long.MAX_VALUE >> shift) - SectorSDescriptor.DATA_OFFSET) {
                throw new IllegalArgumentException("'" + text + "' is too large");
            }
            return n << shift;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is too large", e);
        }
    }
}
