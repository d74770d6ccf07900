package io.understudy.examples.fileservice;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A successful reply of the file service, one type per operation. Errors ("no such file", "volume full")
 * are not replies: the service throws {@link io.understudy.session.ApplicationException}, which the node
 * engine sends as an application-error reply and the client rethrows.
 *
 * @since 0.1
 */
public sealed interface FileReply {

    /** {@return the operation this answers} */
    FileOp op();

    /**
     * The answer to {@link FileRequest.Create}.
     *
     * @param created true if this request created the file, false if it existed already
     * @param size    the file's size now
     */
    record Created(boolean created, long size) implements FileReply {
        /** Validates the size. */
        public Created {
            checkSize(size);
        }

        @Override
        public FileOp op() {
            return FileOp.CREATE;
        }
    }

    /**
     * The answer to {@link FileRequest.Write}: the write is durable on the volume's disk.
     *
     * @param size the file's size after the write
     */
    record Written(long size) implements FileReply {
        /** Validates the size. */
        public Written {
            checkSize(size);
        }

        @Override
        public FileOp op() {
            return FileOp.WRITE;
        }
    }

    /**
     * The answer to {@link FileRequest.Read}.
     *
     * @param fileSize the file's size when it was read
     * @param data     the bytes read, shorter than asked at the end of the file; a read-only view
     */
    record ReadData(long fileSize, ByteBuffer data) implements FileReply {
        /** Validates the fields. */
        public ReadData {
            checkSize(fileSize);
            data = data.slice().asReadOnlyBuffer();
            if (data.remaining() > FileServiceCodec.MAX_DATA) {
                throw new IllegalArgumentException("read data of " + data.remaining() + " bytes exceeds "
                        + FileServiceCodec.MAX_DATA);
            }
        }

        /** {@return a copy of the data as an array} */
        public byte[] bytes() {
            byte[] b = new byte[data.remaining()];
            data.duplicate().get(b);
            return b;
        }

        @Override
        public FileOp op() {
            return FileOp.READ;
        }
    }

    /**
     * The answer to {@link FileRequest.ListFiles}.
     *
     * @param files every file of the volume, sorted by path
     */
    record Listing(List<FileInfo> files) implements FileReply {
        /** Copies the list. */
        public Listing {
            files = List.copyOf(files);
        }

        @Override
        public FileOp op() {
            return FileOp.LIST;
        }
    }

    /**
     * The answer to {@link FileRequest.Stat}.
     *
     * @param file the file, or empty if the volume has no such file
     */
    record StatResult(Optional<FileInfo> file) implements FileReply {
        /** Validates the field. */
        public StatResult {
            Objects.requireNonNull(file, "file");
        }

        @Override
        public FileOp op() {
            return FileOp.STAT;
        }
    }

    /**
     * The reply to an APPEND.
     *
     * @param offset where the appended bytes start
     * @param size   the file's size after the append
     */
    record Appended(long offset, long size) implements FileReply {
        /** Validates. */
        public Appended {
            checkSize(offset);
            checkSize(size);
            if (offset > size) {
                throw new IllegalArgumentException("append offset " + offset + " is beyond the file size " + size);
            }
        }

        @Override
        public FileOp op() {
            return FileOp.APPEND;
        }
    }

    private static void checkSize(long size) {
        if (size < 0) {
            throw new IllegalArgumentException("file size " + size + " is negative");
        }
    }
}
