package io.understudy.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.api.event.NodeState;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

class InterconnectMessageTest {

    private static final InterconnectSecurity KEY = InterconnectSecurity.hmacSha256(new byte[32], java.time.Duration.ofSeconds(30));

    @Test
    void everyTypeRoundTrips() {
        for (InterconnectMessage.Type t : InterconnectMessage.Type.values()) {
            InterconnectMessage m = new InterconnectMessage(t, "FilerÄ", 0x1234_5678_9abc_def0L, 42, 998_265_600_000L,
                    NodeState.IN_TAKEOVER, "countdown 2000 ms");
            assertEquals(m, InterconnectMessage.decode(m.encode()));
            assertEquals(m, InterconnectMessage.decode(m.encode(KEY)));
        }
    }

    @Test
    void theHeaderIsWhereTheLayoutSays() {
        InterconnectMessage m = new InterconnectMessage(InterconnectMessage.Type.PLEASE_SHUTDOWN, "B", 7, 9, 11, NodeState.NORMAL, "x");
        ByteBuffer b = m.encode(KEY);
        assertEquals(0x4943, b.getShort(0));
        assertEquals(2, b.get(2));
        assertEquals(7, b.getLong(4));
        assertEquals(9, b.getLong(12));
        assertEquals(11, b.getLong(20));
        assertEquals(30 + 1 + 2 + 1 + 1 + 4 + 32, b.remaining());
        InterconnectMessage.Parsed p = InterconnectMessage.parse(b);
        assertTrue(p.tagged());
        assertTrue(KEY.verify(InterconnectMessage.LABEL, p.bytes(), 0, p.signedLength(), p.tag()));
        assertEquals(b.remaining() - 32, p.signedLength());
        ByteBuffer plain = m.encode();
        assertEquals(0, plain.get(plain.limit() - 1));
        assertTrue(!InterconnectMessage.parse(plain).tagged());
    }

    @Test
    void everyByteIsCoveredByTheTag() {
        ByteBuffer good = new InterconnectMessage(InterconnectMessage.Type.PLEASE_SHUTDOWN, "FilerB", 5, 6, 7, NodeState.NORMAL, "2000").encode(KEY);
        for (int i = 0; i < good.remaining(); i++) {
            ByteBuffer bad = patch(good, i, good.get(i) ^ 1);
            try {
                InterconnectMessage.Parsed p = InterconnectMessage.parse(bad);
                if (p.tagged()) {
                    assertTrue(!KEY.verify(InterconnectMessage.LABEL, p.bytes(), 0, p.signedLength(), p.tag())
                            || !java.util.Arrays.equals(p.keyId(), KEY.keyIdBytes()), "flip at " + i + " still verifies");
                }
            } catch (UnderstudyException e) {
                assertEquals(ErrorCode.INTERCONNECT_MESSAGE_REJECTED, e.code());
            }
        }
    }

    @Test
    void malformedMessagesSayWhatAndWhere() {
        ByteBuffer good = new InterconnectMessage(InterconnectMessage.Type.HEARTBEAT, "FilerA", 1, NodeState.NORMAL, "").encode();
        assertRejected(ByteBuffer.allocate(5), "truncated in the header");
        assertRejected(patch(good, 0, 0), "bad magic");
        assertRejected(patch(good, 2, 7), "unsupported version 7 at offset 2");
        assertRejected(patch(good, 2, 1), "unsupported version 1 at offset 2");
        assertRejected(patch(good, 3, 99), "unknown message type 99 at offset 3");
        assertRejected(patch(good, 28, 77), "unknown node state 77 at offset 28");
        assertRejected(patch(good, 29, 0), "empty node name at offset 29");
        assertRejected(patch(good, 29, 200), "truncated in the node name");
        ByteBuffer longer = ByteBuffer.allocate(good.remaining() + 1).put(good.duplicate()).put((byte) 1).flip();
        assertRejected(longer, "1 trailing bytes at offset " + good.remaining());
        ByteBuffer badUtf8 = patch(good, 30, 0xff);
        assertRejected(badUtf8, "invalid UTF-8 in the node name");
        int authAt = good.remaining() - 1;
        assertRejected(patch(good, authAt, 9), "unknown authentication 9 at offset " + authAt);
        assertRejected(patch(good, authAt, 1), "truncated in the tag at offset " + (authAt + 1));
        assertRejected(ByteBuffer.wrap(java.util.Arrays.copyOf(good.array(), authAt)), "truncated in the authentication byte");
        ByteBuffer tagged = new InterconnectMessage(InterconnectMessage.Type.HEARTBEAT, "FilerA", 1, NodeState.NORMAL, "").encode(KEY);
        assertRejected(ByteBuffer.wrap(java.util.Arrays.copyOf(tagged.array(), tagged.remaining() - 1)), "truncated in the tag");
    }

    @Test
    void fuzzedBytesDecodeOrAreRejectedCleanly() {
        long seed = Long.getLong("understudy.fuzz.seed", System.nanoTime());
        System.out.println("InterconnectMessageTest fuzz seed " + seed + " (rerun with -Dunderstudy.fuzz.seed=" + seed + ")");
        Random r = new Random(seed);
        byte[] base = new InterconnectMessage(InterconnectMessage.Type.PLEASE_SHUTDOWN, "FilerB", 9, NodeState.NORMAL, "2000").encode(KEY).array();
        for (int i = 0; i < 20_000; i++) {
            byte[] b;
            if (r.nextBoolean()) {
                b = base.clone();
                for (int flips = 1 + r.nextInt(3); flips > 0; flips--) {
                    b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
                }
                if (r.nextInt(4) == 0) {
                    b = java.util.Arrays.copyOf(b, r.nextInt(b.length + 4));
                }
            } else {
                b = new byte[r.nextInt(64)];
                r.nextBytes(b);
            }
            try {
                InterconnectMessage m = InterconnectMessage.decode(ByteBuffer.wrap(b));
                assertEquals(m, InterconnectMessage.decode(m.encode()), "seed " + seed);
            } catch (UnderstudyException e) {
                assertEquals(ErrorCode.INTERCONNECT_MESSAGE_REJECTED, e.code(), "seed " + seed);
            }
        }
    }

    private static ByteBuffer patch(ByteBuffer b, int at, int v) {
        ByteBuffer copy = ByteBuffer.allocate(b.remaining()).put(b.duplicate()).flip();
        copy.put(at, (byte) v);
        return copy;
    }

    private static void assertRejected(ByteBuffer b, String fragment) {
        UnderstudyException e = assertThrows(UnderstudyException.class, () -> InterconnectMessage.decode(b));
        assertEquals(ErrorCode.INTERCONNECT_MESSAGE_REJECTED, e.code());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }
}
