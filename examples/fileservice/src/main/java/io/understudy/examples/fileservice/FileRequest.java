package io.understudy.examples.fileservice;

import io.understudy.api.ownership.DiskId;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * A request to the file service. Every request names its volume, so the node can check that the port it
 * arrived on serves that volume. Each record validates its fields in its constructor (throwing
 * {@link IllegalArgumentException} for a bad path, offset or length), so an invalid request cannot be
 * built; {@link FileServiceCodec} encodes and decodes them.
 *
 * @since 0.1
 */
public sealed interface FileRequest {

    /** {@return the volume the request touches} */
    DiskId volume();

    /** {@return the operation} */
    FileOp op();

    /**
     * Create an empty file; creating a file that exists succeeds and changes nothing, so a CREATE re-sent
     * after failover is harmless.
     *
     * @param volume the volume
     * @param path   the file
     */
    record Create(DiskId volume, String path) implements FileRequest {
        /** Validates the fields. */
        public Create {
            Objects.requireNonNull(volume, "volume");
            FilePaths.check(path);
        }

        @Override
        public FileOp op() {
            return FileOp.CREATE;
        }
    }

    /**
     * Write bytes at an offset of an existing file, extending it if they reach past its end (a gap reads
     * as zeros). Idempotent: writing the same bytes at the same offset again gives the same file.
     *
     * @param volume the volume
     * @param path   the file
     * @param offset where in the file, at least 0
     * @param data   the bytes, at most {@link FileServiceCodec#MAX_DATA}; kept as a read-only view from
     *               its position to its limit
     */
    record Write(DiskId volume, String path, long offset, ByteBuffer data) implements FileRequest {
        /** Validates the fields. */
        public Write {
            Objects.requireNonNull(volume, "volume");
            FilePaths.check(path);
            data = data.slice().asReadOnlyBuffer();
            checkRange(offset, data.remaining());
        }

        @Override
        public FileOp op() {
            return FileOp.WRITE;
        }
    }

    /**
     * Read up to {@code length} bytes at an offset of an existing file; fewer come back at its end.
     *
     * @param volume the volume
     * @param path   the file
     * @param offset where in the file, at least 0
     * @param length how many bytes at most, 0 to {@link FileServiceCodec#MAX_DATA}
     */
    record Read(DiskId volume, String path, long offset, int length) implements FileRequest {
        /** Validates the fields. */
        public Read {
            Objects.requireNonNull(volume, "volume");
            FilePaths.check(path);
            checkRange(offset, length);
        }

        @Override
        public FileOp op() {
            return FileOp.READ;
        }
    }

    /**
     * List every file of a volume with its size.
     *
     * @param volume the volume
     */
    record ListFiles(DiskId volume) implements FileRequest {
        /** Validates the field. */
        public ListFiles {
            Objects.requireNonNull(volume, "volume");
        }

        @Override
        public FileOp op() {
            return FileOp.LIST;
        }
    }

    /**
     * Look up one file.
     *
     * @param volume the volume
     * @param path   the file
     */
    record Stat(DiskId volume, String path) implements FileRequest {
        /** Validates the fields. */
        public Stat {
            Objects.requireNonNull(volume, "volume");
            FilePaths.check(path);
        }

        @Override
        public FileOp op() {
            return FileOp.STAT;
        }
    }

    /**
     * Append bytes at the end of a file, creating it if it does not exist.
     *
     * @param volume the volume
     * @param path   the file
     * @param data   the bytes, at most {@link FileServiceCodec#MAX_DATA}
     */
    record Append(DiskId volume, String path, ByteBuffer data) implements FileRequest {
        /** Validates and takes a read-only view of the data. */
        public Append {
            Objects.requireNonNull(volume, "volume");
            FilePaths.check(path);
            data = data.slice().asReadOnlyBuffer();
            checkRange(0, data.remaining());
        }

        @Override
        public FileOp op() {
            return FileOp.APPEND;
        }
    }

    private static void checkRange(long offset, long length) {
        String problem = FileServiceCodec.rangeProblem(offset, length);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }
}
