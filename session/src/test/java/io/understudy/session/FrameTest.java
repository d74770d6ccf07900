package io.understudy.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FrameTest {

    @Test
    void requestAndReplyRoundTrip() {
        Frame req = Frame.request(0xabcdefL, 7, ByteBuffer.wrap("write a".getBytes(StandardCharsets.UTF_8)));
        Frame back = Frame.decode(req.encode());
        assertTrue(back.isRequest());
        assertEquals(0xabcdefL, back.sessionId());
        assertEquals(7, back.sequence());
        assertNull(back.status());
        assertEquals("write a", StandardCharsets.UTF_8.decode(back.payload()).toString());

        Frame reply = Frame.decode(back.reply(Status.NOT_SERVING, ByteBuffer.allocate(0)).encode());
        assertEquals(Status.NOT_SERVING, reply.status());
        assertEquals(7, reply.sequence());
        assertEquals(0, reply.payload().remaining());
    }

    @Test
    void notServingCarriesItsHintAtOffsetFive() {
        Frame req = Frame.request(5, 9, ByteBuffer.allocate(0));
        for (Frame.Hint h : Frame.Hint.values()) {
            ByteBuffer wire = req.notServing(h, ByteBuffer.wrap("giving back".getBytes(StandardCharsets.UTF_8))).encode();
            assertEquals(h.code(), wire.get(FrameDescriptor.HINT_OFFSET));
            Frame back = Frame.decode(wire);
            assertEquals(Status.NOT_SERVING, back.status());
            assertEquals(h, back.hint());
            assertEquals(9, back.sequence());
        }
        // A hint this version does not know is advice it cannot follow: NONE, not a malformed frame.
        ByteBuffer unknown = req.notServing(Frame.Hint.PRIMARY, ByteBuffer.allocate(0)).encode().put(FrameDescriptor.HINT_OFFSET, (byte) 77);
        assertEquals(Frame.Hint.NONE, Frame.decode(unknown).hint());
        // Outside NOT_SERVING the byte is ignored, as the reserved bytes are, and written as 0.
        ByteBuffer ok = req.reply(Status.OK, ByteBuffer.allocate(0)).encode().put(FrameDescriptor.HINT_OFFSET, (byte) 1);
        Frame okBack = Frame.decode(ok);
        assertEquals(Frame.Hint.NONE, okBack.hint());
        assertEquals(0, okBack.encode().get(FrameDescriptor.HINT_OFFSET));
        ByteBuffer request = req.encode().put(FrameDescriptor.HINT_OFFSET, (byte) 2);
        assertEquals(Frame.Hint.NONE, Frame.decode(request).hint());
        // And a hint cannot be put on anything but NOT_SERVING.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Frame(5, 9, Status.OK, ByteBuffer.allocate(0), Frame.Hint.PRIMARY));
        assertTrue(e.getMessage().contains("NOT_SERVING"), e.getMessage());
    }

    @Test
    void malformedFramesSayWhatAndWhere() {
        assertMalformed(ByteBuffer.allocate(3), "shorter than the 24-byte header");
        ByteBuffer good = Frame.request(1, 1, ByteBuffer.allocate(0)).encode();
        assertMalformed(patch(good, 0, (byte) 0), "bad magic");
        assertMalformed(patch(good, 2, (byte) 9), "unsupported version 9 at offset 2");
        assertMalformed(patch(good, 3, (byte) 5), "unknown frame type 5 at offset 3");
        assertMalformed(patch(good, 4, (byte) 1), "request carries status 1");
        assertMalformed(patch(patch(good, 3, (byte) 2), 4, (byte) 99), "unknown reply status 99");
        assertMalformed(Frame.request(1, 1, ByteBuffer.allocate(0)).encode().putLong(16, 0), "sequence 0 at offset 16");
    }

    @Test
    void fuzzedBytesOnlyEverDecodeOrFailCleanly() {
        long seed = Long.getLong("fuzz.seed", System.nanoTime());
        System.out.println("FrameTest fuzz seed " + seed + " (rerun with -Dfuzz.seed=" + seed + ")");
        Random r = new Random(seed);
        ByteBuffer base = Frame.request(42, 3, ByteBuffer.wrap(new byte[40])).encode();
        for (int i = 0; i < 20_000; i++) {
            byte[] b = new byte[r.nextInt(80)];
            if (r.nextBoolean() && b.length >= base.remaining()) {
                base.duplicate().get(b, 0, base.remaining());
                b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
            } else {
                r.nextBytes(b);
            }
            try {
                Frame f = Frame.decode(ByteBuffer.wrap(b));
                assertEquals(b.length - FrameDescriptor.HEADER_LENGTH, f.payload().remaining());
            } catch (UnderstudyException e) {
                assertEquals(ErrorCode.FRAME_MALFORMED, e.code(), "seed " + seed);
            }
        }
    }

    private static ByteBuffer patch(ByteBuffer b, int at, byte v) {
        ByteBuffer copy = ByteBuffer.allocate(b.remaining()).put(b.duplicate()).flip();
        copy.put(at, v);
        return copy;
    }

    private static void assertMalformed(ByteBuffer b, String fragment) {
        UnderstudyException e = assertThrows(UnderstudyException.class, () -> Frame.decode(b));
        assertEquals(ErrorCode.FRAME_MALFORMED, e.code());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }
}
