package io.understudy.examples.fileservice;

import io.understudy.api.DataAccessPort;
import io.understudy.api.ownership.DiskId;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The file service's wire format: the application payload of a data-path frame. All integers are
 * big-endian; strings are length-prefixed; nothing may follow the last field.
 *
 * <pre>
 * request:  version u8 (=1) | op u8 | volume-length u8 (1..32) | volume (ASCII, a valid DiskId)
 *           CREATE, STAT: path-length u16 (1..255) | path (UTF-8, valid by FilePaths)
 *           WRITE:        path | offset i64 (&gt;= 0) | length i32 (0..MAX_DATA) | data
 *           READ:         path | offset i64 (&gt;= 0) | length i32 (0..MAX_DATA)
 *           LIST:         (nothing more)
 *           APPEND:       path | length i32 (0..MAX_DATA) | data
 * reply:    version u8 (=1) | op u8 (the request's)
 *           CREATE: created u8 (0|1) | size i64
 *           WRITE:  size i64
 *           READ:   file-size i64 | length i32 (0..MAX_DATA) | data
 *           LIST:   count i32 | count x (path | size i64)
 *           STAT:   exists u8 (0|1) | if 1: path | size i64
 *           APPEND: offset i64 | size i64 (offset &lt;= size)
 * </pre>
 *
 * <p>The encoding is canonical: every message has exactly one encoding, and decoding then re-encoding gives
 * the same bytes. The decoders accept exactly this format and reject everything else with a
 * {@link MalformedMessageException} naming the field and its byte offset; they never throw anything else and
 * never allocate more than the message's own size. Stateless and thread-safe.
 *
 * @since 0.1
 */
public final class FileServiceCodec {

    /** The wire format version, byte 0 of every message. */
    public static final int VERSION = 1;
    /** The most bytes one WRITE carries or one READ returns: 1 MiB. */
    public static final int MAX_DATA = 1 << 20;

    private static final int PATH_ENTRY_MIN = 2 + 1 + 8;

    private FileServiceCodec() {
    }

    /**
     * {@return a fresh buffer holding the encoded request, ready to send}
     *
     * @param request the request
     */
    public static ByteBuffer encode(FileRequest request) {
        byte[] volume = ascii(request.volume());
        byte[] path = switch (request) {
            case FileRequest.Create c -> FilePaths.utf8(c.path());
            case FileRequest.Write w -> FilePaths.utf8(w.path());
            case FileRequest.Read r -> FilePaths.utf8(r.path());
            case FileRequest.Stat s -> FilePaths.utf8(s.path());
            case FileRequest.Append a -> FilePaths.utf8(a.path());
            case FileRequest.ListFiles l -> null;
        };
        int size = 3 + volume.length + (path == null ? 0 : 2 + path.length);
        size += switch (request) {
            case FileRequest.Write w -> 12 + w.data().remaining();
            case FileRequest.Read r -> 12;
            case FileRequest.Append a -> 4 + a.data().remaining();
            default -> 0;
        };
        ByteBuffer b = ByteBuffer.allocate(size);
        b.put((byte) VERSION).put((byte) request.op().code()).put((byte) volume.length).put(volume);
        if (path != null) {
            b.putShort((short) path.length).put(path);
        }
        switch (request) {
            case FileRequest.Write w -> b.putLong(w.offset()).putInt(w.data().remaining()).put(w.data().duplicate());
            case FileRequest.Read r -> b.putLong(r.offset()).putInt(r.length());
            case FileRequest.Append a -> b.putInt(a.data().remaining()).put(a.data().duplicate());
            default -> { }
        }
        return b.flip();
    }

    /**
     * {@return a fresh buffer holding the encoded reply, ready to send}
     *
     * @param reply the reply
     */
    public static ByteBuffer encode(FileReply reply) {
        int size = 2 + switch (reply) {
            case FileReply.Created c -> 9;
            case FileReply.Written w -> 8;
            case FileReply.ReadData r -> 12 + r.data().remaining();
            case FileReply.Listing l -> 4 + l.files().stream().mapToInt(f -> 10 + FilePaths.utf8(f.path()).length).sum();
            case FileReply.StatResult s -> 1 + s.file().map(f -> 10 + FilePaths.utf8(f.path()).length).orElse(0);
            case FileReply.Appended a -> 16;
        };
        ByteBuffer b = ByteBuffer.allocate(size);
        b.put((byte) VERSION).put((byte) reply.op().code());
        switch (reply) {
            case FileReply.Created c -> b.put((byte) (c.created() ? 1 : 0)).putLong(c.size());
            case FileReply.Written w -> b.putLong(w.size());
            case FileReply.ReadData r -> b.putLong(r.fileSize()).putInt(r.data().remaining()).put(r.data().duplicate());
            case FileReply.Listing l -> {
                b.putInt(l.files().size());
                l.files().forEach(f -> putFile(b, f));
            }
            case FileReply.StatResult s -> {
                b.put((byte) (s.file().isPresent() ? 1 : 0));
                s.file().ifPresent(f -> putFile(b, f));
            }
            case FileReply.Appended a -> b.putLong(a.offset()).putLong(a.size());
        }
        return b.flip();
    }

    /**
     * Decodes a request. A WRITE's data shares the buffer's bytes.
     *
     * @param message the bytes from position to limit; the buffer is not modified
     * @return the request
     * @throws MalformedMessageException saying which field was wrong and at which offset
     */
    public static FileRequest decodeRequest(ByteBuffer message) {
        Reader in = new Reader(message, "request");
        FileOp op = in.header();
        DiskId volume = in.volume();
        FileRequest request = switch (op) {
            case CREATE -> new FileRequest.Create(volume, in.path());
            case STAT -> new FileRequest.Stat(volume, in.path());
            case LIST -> new FileRequest.ListFiles(volume);
            case WRITE -> {
                String path = in.path();
                long offset = in.offset();
                int length = in.length(offset);
                yield new FileRequest.Write(volume, path, offset, in.bytes(length, "data"));
            }
            case READ -> {
                String path = in.path();
                long offset = in.offset();
                yield new FileRequest.Read(volume, path, offset, in.length(offset));
            }
            case APPEND -> {
                String path = in.path();
                yield new FileRequest.Append(volume, path, in.bytes(in.length(0), "data"));
            }
        };
        in.end();
        return request;
    }

    /**
     * Decodes a reply and checks that it answers the expected operation.
     *
     * @param message  the bytes from position to limit; the buffer is not modified
     * @param expected the operation of the request it answers
     * @return the reply; a READ's data shares the buffer's bytes
     * @throws MalformedMessageException saying which field was wrong and at which offset
     */
    public static FileReply decodeReply(ByteBuffer message, FileOp expected) {
        Reader in = new Reader(message, "reply");
        FileOp op = in.header();
        if (op != expected) {
            throw in.bad("reply to " + op + " where one to " + expected + " was expected", 1);
        }
        FileReply reply = switch (op) {
            case CREATE -> {
                boolean created = in.bool("created flag");
                yield new FileReply.Created(created, in.size("size"));
            }
            case WRITE -> new FileReply.Written(in.size("size"));
            case READ -> {
                long fileSize = in.size("file size");
                yield new FileReply.ReadData(fileSize, in.bytes(in.length(0), "data"));
            }
            case LIST -> {
                int at = in.pos();
                int count = in.i32("file count");
                if (count < 0 || (long) count * PATH_ENTRY_MIN > in.remaining()) {
                    throw in.bad("file count " + count + " does not fit in the " + in.remaining() + " bytes left", at);
                }
                List<FileInfo> files = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    files.add(in.file());
                }
                yield new FileReply.Listing(files);
            }
            case STAT -> in.bool("exists flag")
                    ? new FileReply.StatResult(Optional.of(in.file()))
                    : new FileReply.StatResult(Optional.empty());
            case APPEND -> {
                int at = in.pos();
                long offset = in.size("offset");
                long size = in.size("size");
                if (offset > size) {
                    throw in.bad("offset " + offset + " is beyond the file size " + size, at);
                }
                yield new FileReply.Appended(offset, size);
            }
        };
        in.end();
        return reply;
    }

    /** {@return why an (offset, length) pair is not a valid byte range of a file, or null} */
    static String rangeProblem(long offset, long length) {
        if (offset < 0) {
            return "offset " + offset + " is negative";
        }
        if (length < 0 || length > MAX_DATA) {
            return "length " + length + " is outside 0.." + MAX_DATA;
        }
        if (offset > Long.MAX_VALUE - length) {
            return "offset " + offset + " + length " + length + " overflows a file's size";
        }
        return null;
    }

    private static byte[] ascii(DiskId volume) {
        return volume.name().getBytes(StandardCharsets.US_ASCII);
    }

    private static void putFile(ByteBuffer b, FileInfo f) {
        byte[] path = FilePaths.utf8(f.path());
        b.putShort((short) path.length).put(path).putLong(f.size());
    }

    /** A bounds-checked cursor: every read says what it reads so a failure can name the field. */
    private static final class Reader {
        private final ByteBuffer b;
        private final String kind;

        Reader(ByteBuffer message, String kind) {
            this.b = message.slice();
            this.kind = kind;
        }

        int pos() {
            return b.position();
        }

        int remaining() {
            return b.remaining();
        }

        MalformedMessageException bad(String what, int at) {
            return new MalformedMessageException(kind, what, at);
        }

        private void need(int n, String field) {
            if (b.remaining() < n) {
                throw bad("truncated " + field + ": needs " + n + " bytes, " + b.remaining() + " left", b.position());
            }
        }

        int u8(String field) {
            need(1, field);
            return b.get() & 0xff;
        }

        int i32(String field) {
            need(4, field);
            return b.getInt();
        }

        long i64(String field) {
            need(8, field);
            return b.getLong();
        }

        FileOp header() {
            int version = u8("version");
            if (version != VERSION) {
                throw bad("unsupported version " + version + ", expected " + VERSION, 0);
            }
            int code = u8("op");
            FileOp op = FileOp.ofCode(code);
            if (op == null) {
                throw bad("unknown op " + code + ", expected 1..6 (CREATE, WRITE, READ, LIST, STAT, APPEND)", 1);
            }
            return op;
        }

        DiskId volume() {
            int at = pos();
            int n = u8("volume length");
            need(n, "volume");
            byte[] raw = new byte[n];
            b.get(raw);
            String name = new String(raw, StandardCharsets.ISO_8859_1);
            String problem = DataAccessPort.problemWith(name);
            if (problem != null) {
                throw bad("invalid volume name: " + problem, at);
            }
            return new DiskId(name);
        }

        String path() {
            int at = pos();
            need(2, "path length");
            int n = b.getShort() & 0xffff;
            if (n == 0 || n > FilePaths.MAX_BYTES) {
                throw bad("path length " + n + " is outside 1.." + FilePaths.MAX_BYTES, at);
            }
            need(n, "path");
            ByteBuffer raw = b.slice(b.position(), n);
            b.position(b.position() + n);
            String path;
            try {
                CharsetDecoder d = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT);
                CharBuffer chars = d.decode(raw);
                path = chars.toString();
            } catch (CharacterCodingException e) {
                throw bad("path is not valid UTF-8", at + 2);
            }
            String problem = FilePaths.problemWith(path);
            if (problem != null) {
                throw bad("invalid path " + FilePaths.quote(path) + ": " + problem, at + 2);
            }
            return path;
        }

        long offset() {
            int at = pos();
            long offset = i64("offset");
            if (offset < 0) {
                throw bad("offset " + offset + " is negative", at);
            }
            return offset;
        }

        int length(long offset) {
            int at = pos();
            int length = i32("length");
            String problem = rangeProblem(offset, length);
            if (problem != null) {
                throw bad(problem, at);
            }
            return length;
        }

        long size(String field) {
            int at = pos();
            long size = i64(field);
            if (size < 0) {
                throw bad(field + " " + size + " is negative", at);
            }
            return size;
        }

        boolean bool(String field) {
            int at = pos();
            int v = u8(field);
            if (v > 1) {
                throw bad(field + " " + v + " is neither 0 nor 1", at);
            }
            return v == 1;
        }

        ByteBuffer bytes(int n, String field) {
            need(n, field);
            ByteBuffer data = b.slice(b.position(), n);
            b.position(b.position() + n);
            return data;
        }

        FileInfo file() {
            String path = path();
            return new FileInfo(path, size("file size"));
        }

        void end() {
            if (b.hasRemaining()) {
                throw bad(b.remaining() + " unexpected bytes after the last field", b.position());
            }
        }
    }
}
