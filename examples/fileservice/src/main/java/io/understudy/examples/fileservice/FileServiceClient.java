package io.understudy.examples.fileservice;

import io.understudy.api.ownership.DiskId;
import io.understudy.session.RequestChannel;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The file service's client library, written against a {@link RequestChannel}: pass the failover client
 * and every call survives a takeover (in-flight requests are re-sent to the partner, which is safe because
 * CREATE and WRITE are idempotent; see {@link FileService}), or pass a lambda that calls a
 * {@link FileService} directly in tests.
 *
 * <p>Thread-safe if the channel is; each call blocks until its reply arrives. Arguments are checked before
 * anything is sent: a bad path, offset or length throws {@link IllegalArgumentException}. Errors the
 * service reports ("no such file", "volume full", a volume not served on this port) arrive as
 * {@link io.understudy.session.ApplicationException}; other failures are whatever the channel throws.
 *
 * @since 0.1
 */
public final class FileServiceClient {

    private final RequestChannel channel;

    /**
     * Creates a client.
     *
     * @param channel carries requests to the server
     */
    public FileServiceClient(RequestChannel channel) {
        this.channel = Objects.requireNonNull(channel, "channel");
    }

    /**
     * Creates an empty file, or does nothing if it exists.
     *
     * @param volume the volume
     * @param path   the file
     * @return whether this call created it, and its size
     */
    public FileReply.Created create(DiskId volume, String path) {
        return (FileReply.Created) call(new FileRequest.Create(volume, path));
    }

    /**
     * Writes bytes at an offset of an existing file; durable when this returns.
     *
     * @param volume the volume
     * @param path   the file
     * @param offset where in the file
     * @param data   the bytes from position to limit, at most {@link FileServiceCodec#MAX_DATA}; not modified
     * @return the file's size after the write
     */
    public FileReply.Written write(DiskId volume, String path, long offset, ByteBuffer data) {
        return (FileReply.Written) call(new FileRequest.Write(volume, path, offset, data));
    }

    /**
     * Writes bytes at an offset of an existing file; durable when this returns.
     *
     * @param volume the volume
     * @param path   the file
     * @param offset where in the file
     * @param data   the bytes, at most {@link FileServiceCodec#MAX_DATA}
     * @return the file's size after the write
     */
    public FileReply.Written write(DiskId volume, String path, long offset, byte[] data) {
        return write(volume, path, offset, ByteBuffer.wrap(data));
    }

    /**
     * Appends bytes at the end of a file, creating the file if it does not exist. Exactly once across
     * failover when the server runs {@link JournaledFileService}; {@link FileService} refuses it.
     *
     * @param volume the volume
     * @param path   the file
     * @param data   the bytes, at most {@link FileServiceCodec#MAX_DATA}
     * @return where the bytes start, and the file's size after the append
     */
    public FileReply.Appended append(DiskId volume, String path, byte[] data) {
        return (FileReply.Appended) call(new FileRequest.Append(volume, path, ByteBuffer.wrap(data)));
    }

    /**
     * Reads up to {@code length} bytes at an offset; fewer at the end of the file, none past it.
     *
     * @param volume the volume
     * @param path   the file
     * @param offset where in the file
     * @param length how many bytes at most, up to {@link FileServiceCodec#MAX_DATA}
     * @return the bytes and the file's size
     */
    public FileReply.ReadData read(DiskId volume, String path, long offset, int length) {
        return (FileReply.ReadData) call(new FileRequest.Read(volume, path, offset, length));
    }

    /**
     * Lists a volume's files.
     *
     * @param volume the volume
     * @return every file with its size, sorted by path
     */
    public List<FileInfo> list(DiskId volume) {
        return ((FileReply.Listing) call(new FileRequest.ListFiles(volume))).files();
    }

    /**
     * Looks up one file.
     *
     * @param volume the volume
     * @param path   the file
     * @return the file and its size, or empty if there is no such file
     */
    public Optional<FileInfo> stat(DiskId volume, String path) {
        return ((FileReply.StatResult) call(new FileRequest.Stat(volume, path))).file();
    }

    private FileReply call(FileRequest request) {
        ByteBuffer reply = channel.call(FileServiceCodec.encode(request));
        return FileServiceCodec.decodeReply(reply, request.op());
    }
}
