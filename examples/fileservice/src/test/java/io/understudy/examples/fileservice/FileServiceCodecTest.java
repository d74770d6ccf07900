package io.understudy.examples.fileservice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.understudy.api.ownership.DiskId;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FileServiceCodecTest {

    private static final DiskId VOL = DiskId.of("vol0");

    private static final List<FileRequest> REQUESTS = List.of(
            new FileRequest.Create(VOL, "a"),
            new FileRequest.Create(DiskId.of("filera-d1"), "docs/ünïcødé/€.txt"),
            new FileRequest.Write(VOL, "f", 0, ByteBuffer.allocate(0)),
            new FileRequest.Write(VOL, "dir/f", Long.MAX_VALUE - 3, ByteBuffer.wrap(new byte[] {1, 2, 3})),
            new FileRequest.Read(VOL, "x".repeat(255), 17, FileServiceCodec.MAX_DATA),
            new FileRequest.ListFiles(VOL),
            new FileRequest.Stat(VOL, "s"));

    private static final List<FileReply> REPLIES = List.of(
            new FileReply.Created(true, 0),
            new FileReply.Created(false, 123),
            new FileReply.Written(Long.MAX_VALUE),
            new FileReply.ReadData(10, ByteBuffer.wrap("hello".getBytes(StandardCharsets.UTF_8))),
            new FileReply.ReadData(0, ByteBuffer.allocate(0)),
            new FileReply.Listing(List.of()),
            new FileReply.Listing(List.of(new FileInfo("a", 1), new FileInfo("b/c", 0))),
            new FileReply.StatResult(Optional.empty()),
            new FileReply.StatResult(Optional.of(new FileInfo("q", 99))));

    @Test
    void everyRequestAndReplyRoundTrips() {
        for (FileRequest r : REQUESTS) {
            assertEquals(r, FileServiceCodec.decodeRequest(FileServiceCodec.encode(r)));
        }
        for (FileReply r : REPLIES) {
            assertEquals(r, FileServiceCodec.decodeReply(FileServiceCodec.encode(r), r.op()));
        }
    }

    @Test
    void theEncodingIsCompact() {
        ByteBuffer b = FileServiceCodec.encode(new FileRequest.Write(VOL, "f", 5, ByteBuffer.wrap(new byte[] {9})));
        // version, op, vol len, "vol0", path len (2), "f", offset (8), length (4), data
        assertEquals(1 + 1 + 1 + 4 + 2 + 1 + 8 + 4 + 1, b.remaining());
        assertEquals(FileOp.WRITE.code(), b.get(1));
        assertEquals(2 + 8, FileServiceCodec.encode(new FileReply.Written(3)).remaining());
    }

    @Test
    void decodingReadsFromThePositionAndLeavesTheBufferAlone() {
        ByteBuffer encoded = FileServiceCodec.encode(REQUESTS.get(3));
        ByteBuffer framed = ByteBuffer.allocate(encoded.remaining() + 5).position(5).put(encoded.duplicate()).position(5);
        assertEquals(REQUESTS.get(3), FileServiceCodec.decodeRequest(framed));
        assertEquals(5, framed.position());
    }

    @Test
    void malformedMessagesSayWhatAndWhere() {
        byte[] stat = bytes(FileServiceCodec.encode(new FileRequest.Stat(VOL, "ab")));
        // 0 version | 1 op | 2 vol len | 3..6 "vol0" | 7..8 path len | 9..10 "ab"
        assertMalformed(new byte[0], "truncated version", 0);
        assertMalformed(patch(stat, 0, 2), "unsupported version 2", 0);
        assertMalformed(patch(stat, 1, 0), "unknown op 0", 1);
        assertMalformed(patch(stat, 2, 0), "invalid volume name: it is empty", 2);
        assertMalformed(patch(stat, 2, 40), "truncated volume", 3);
        assertMalformed(patch(stat, 4, ' '), "invalid volume name", 2);
        assertMalformed(patch(patch(stat, 7, 0), 8, 0), "path length 0", 7);
        assertMalformed(patch(stat, 8, 9), "truncated path", 9);
        assertMalformed(patch(stat, 9, 0), "contains a NUL", 9);
        assertMalformed(patch(stat, 9, 0xff), "not valid UTF-8", 9);
        assertMalformed(patch(patch(stat, 9, '.'), 10, '.'), "'..' component", 9);
        assertMalformed(patch(stat, 9, '/'), "starts with '/'", 9);
        assertMalformed(java.util.Arrays.copyOf(stat, stat.length + 1), "1 unexpected bytes after the last field", 11);

        byte[] read = bytes(FileServiceCodec.encode(new FileRequest.Read(VOL, "a", 0, 4)));
        // ... 9 "a" | 10..17 offset | 18..21 length
        assertMalformed(patch(read, 10, 0x80), "offset -9223372036854775808 is negative", 10);
        assertMalformed(patch(read, 18, 0x7f), "length 2130706436 is outside 0..1048576", 18);
        assertMalformed(java.util.Arrays.copyOf(read, 20), "truncated length: needs 4 bytes, 2 left", 18);

        byte[] write = bytes(FileServiceCodec.encode(new FileRequest.Write(VOL, "a", 0, ByteBuffer.wrap(new byte[3]))));
        assertMalformed(java.util.Arrays.copyOf(write, write.length - 1), "truncated data", 22);
    }

    @Test
    void malformedRepliesSayWhatAndWhere() {
        byte[] created = bytes(FileServiceCodec.encode(new FileReply.Created(true, 5)));
        assertReplyMalformed(created, FileOp.WRITE, "reply to CREATE where one to WRITE was expected", 1);
        assertReplyMalformed(patch(created, 2, 2), FileOp.CREATE, "created flag 2 is neither 0 nor 1", 2);
        assertReplyMalformed(patch(created, 3, 0xff), FileOp.CREATE, "size", 3);
        byte[] listing = bytes(FileServiceCodec.encode(new FileReply.Listing(List.of(new FileInfo("a", 1)))));
        assertReplyMalformed(patch(listing, 2, 0x7f), FileOp.LIST, "file count 2130706433 does not fit", 2);
    }

    @Test
    void fuzzedRequestsAndRepliesOnlyEverDecodeCanonicallyOrFailCleanly() {
        long seed = Long.getLong("fuzz.seed", System.nanoTime());
        System.out.println("FileServiceCodecTest fuzz seed " + seed + " (rerun with -Dfuzz.seed=" + seed + ")");
        Random r = new Random(seed);
        List<byte[]> requests = REQUESTS.stream().map(q -> bytes(FileServiceCodec.encode(q))).toList();
        List<byte[]> replies = REPLIES.stream().map(q -> bytes(FileServiceCodec.encode(q))).toList();
        int decoded = 0;
        for (int i = 0; i < 20_000; i++) {
            boolean request = r.nextBoolean();
            List<byte[]> bases = request ? requests : replies;
            byte[] b = mutate(bases.get(r.nextInt(bases.size())), r);
            FileOp expected = FileOp.values()[r.nextInt(FileOp.values().length)];
            try {
                if (request) {
                    FileRequest q = FileServiceCodec.decodeRequest(ByteBuffer.wrap(b));
                    assertEquals(ByteBuffer.wrap(b), FileServiceCodec.encode(q), "seed " + seed + ": not canonical");
                } else {
                    FileReply q = FileServiceCodec.decodeReply(ByteBuffer.wrap(b), expected);
                    assertEquals(ByteBuffer.wrap(b), FileServiceCodec.encode(q), "seed " + seed + ": not canonical");
                }
                decoded++;
            } catch (MalformedMessageException e) {
                assertTrue(e.offset() >= 0 && e.offset() <= b.length, "seed " + seed + ": offset " + e.offset());
            } catch (RuntimeException e) {
                fail("seed " + seed + ": decoding " + java.util.HexFormat.of().formatHex(b) + " threw " + e, e);
            }
        }
        assertTrue(decoded > 100, "the fuzzer also produced decodable messages: " + decoded);
    }

    private static byte[] mutate(byte[] base, Random r) {
        switch (r.nextInt(4)) {
            case 0 -> { // random bytes, often with a valid version and op
                byte[] b = new byte[r.nextInt(48)];
                r.nextBytes(b);
                if (b.length > 1 && r.nextBoolean()) {
                    b[0] = 1;
                    b[1] = (byte) (1 + r.nextInt(5));
                }
                return b;
            }
            case 1 -> { // bit flips
                byte[] b = base.clone();
                for (int k = 1 + r.nextInt(3); k > 0 && b.length > 0; k--) {
                    b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
                }
                return b;
            }
            case 2 -> { // truncated
                return java.util.Arrays.copyOf(base, r.nextInt(base.length + 1));
            }
            default -> { // a byte replaced, or appended
                byte[] b = java.util.Arrays.copyOf(base, base.length + (r.nextInt(4) == 0 ? 1 : 0));
                b[r.nextInt(b.length)] = (byte) r.nextInt(256);
                return b;
            }
        }
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return a;
    }

    private static byte[] patch(byte[] b, int at, int v) {
        byte[] c = b.clone();
        c[at] = (byte) v;
        return c;
    }

    private static void assertMalformed(byte[] b, String fragment, int offset) {
        MalformedMessageException e = assertThrows(MalformedMessageException.class,
                () -> FileServiceCodec.decodeRequest(ByteBuffer.wrap(b)));
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
        assertTrue(e.getMessage().contains("malformed file-service request"), e.getMessage());
        assertEquals(offset, e.offset(), e.getMessage());
    }

    private static void assertReplyMalformed(byte[] b, FileOp op, String fragment, int offset) {
        MalformedMessageException e = assertThrows(MalformedMessageException.class,
                () -> FileServiceCodec.decodeReply(ByteBuffer.wrap(b), op));
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
        assertEquals(offset, e.offset(), e.getMessage());
    }
}
