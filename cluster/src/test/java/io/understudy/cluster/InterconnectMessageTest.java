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

    @Test
    void everyTypeRoundTrips() {
        for (InterconnectMessage.Type t : InterconnectMessage.Type.values()) {
            InterconnectMessage m = new InterconnectMessage(t, "FilerÄ", 42, NodeState.IN_TAKEOVER, "countdown 2000 ms");
            assertEquals(m, InterconnectMessage.decode(m.encode()));
        }
    }

    @Test
    void malformedMessagesSayWhatAndWhere() {
        ByteBuffer good = new InterconnectMessage(InterconnectMessage.Type.HEARTBEAT, "FilerA", 1, NodeState.NORMAL, "").encode();
        assertRejected(ByteBuffer.allocate(5), "truncated in the header");
        assertRejected(patch(good, 0, 0), "bad magic");
        assertRejected(patch(good, 2, 7), "unsupported version 7 at offset 2");
        assertRejected(patch(good, 3, 99), "unknown message type 99 at offset 3");
        assertRejected(patch(good, 12, 77), "unknown node state 77 at offset 12");
        assertRejected(patch(good, 13, 0), "empty node name at offset 13");
        assertRejected(patch(good, 13, 200), "truncated in the node name");
        ByteBuffer longer = ByteBuffer.allocate(good.remaining() + 1).put(good.duplicate()).put((byte) 1).flip();
        assertRejected(longer, "1 trailing bytes");
        ByteBuffer badUtf8 = patch(good, 14, 0xff);
        assertRejected(badUtf8, "invalid UTF-8 in the node name");
    }

    @Test
    void fuzzedBytesDecodeOrAreRejectedCleanly() {
        long seed = Long.getLong("understudy.fuzz.seed", System.nanoTime());
        System.out.println("InterconnectMessageTest fuzz seed " + seed + " (rerun with -Dunderstudy.fuzz.seed=" + seed + ")");
        Random r = new Random(seed);
        byte[] base = new InterconnectMessage(InterconnectMessage.Type.PLEASE_SHUTDOWN, "FilerB", 9, NodeState.NORMAL, "2000").encode().array();
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
