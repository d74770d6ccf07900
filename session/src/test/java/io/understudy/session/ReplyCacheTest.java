package io.understudy.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The slot table: hits, the per-session window and its floor, the session bound, and its binary form. */
class ReplyCacheTest {

    @Test
    void aRecordedReplyIsFoundAndOthersMiss() {
        ReplyCache c = new ReplyCache(4, 10);
        c.record(1, 5, Status.OK, new byte[] {9}, 77);
        ReplyCache.Lookup.Hit h = assertInstanceOf(ReplyCache.Lookup.Hit.class, c.lookup(1, 5));
        assertArrayEquals(new byte[] {9}, h.reply());
        assertEquals(77, h.lsn());
        assertInstanceOf(ReplyCache.Lookup.Miss.class, c.lookup(1, 6));
        assertInstanceOf(ReplyCache.Lookup.Miss.class, c.lookup(2, 5));
    }

    @Test
    void aSessionKeepsItsLastSlotsAndRefusesReSendsBelowItsFloor() {
        ReplyCache c = new ReplyCache(3, 10);
        for (int s = 1; s <= 5; s++) {
            c.record(1, s, Status.OK, new byte[0], s);
        }
        assertEquals(3, c.replies());
        assertEquals(2, assertInstanceOf(ReplyCache.Lookup.TooOld.class, c.lookup(1, 1)).floor());
        assertInstanceOf(ReplyCache.Lookup.TooOld.class, c.lookup(1, 2));
        assertInstanceOf(ReplyCache.Lookup.Hit.class, c.lookup(1, 3));
        assertInstanceOf(ReplyCache.Lookup.Miss.class, c.lookup(1, 6));
    }

    @Test
    void theLeastRecentlyUsedSessionIsDroppedBeyondTheBound() {
        ReplyCache c = new ReplyCache(3, 2);
        c.record(1, 1, Status.OK, new byte[0], 1);
        c.record(2, 1, Status.OK, new byte[0], 2);
        c.lookup(1, 1);
        c.record(3, 1, Status.OK, new byte[0], 3);
        assertEquals(2, c.sessions());
        assertInstanceOf(ReplyCache.Lookup.Hit.class, c.lookup(1, 1));
        assertInstanceOf(ReplyCache.Lookup.Miss.class, c.lookup(2, 1));
    }

    @Test
    void theBinaryFormRoundTripsWithFloors() {
        ReplyCache c = new ReplyCache(2, 10);
        for (int s = 1; s <= 4; s++) {
            c.record(10, s, s % 2 == 0 ? Status.OK : Status.APPLICATION_ERROR, new byte[] {(byte) s}, s);
        }
        c.record(20, 1, Status.OK, new byte[] {}, 5);
        ReplyCache d = ReplyCache.decode(c.encode(), 2, 10);
        assertEquals(c.encode(), d.encode());
        assertInstanceOf(ReplyCache.Lookup.TooOld.class, d.lookup(10, 2));
        ReplyCache.Lookup.Hit h = assertInstanceOf(ReplyCache.Lookup.Hit.class, d.lookup(10, 3));
        assertEquals(Status.APPLICATION_ERROR, h.status());
    }

    @Test
    void fuzzedBytesAreRejectedWithAnOffsetNeverAnotherException() {
        long seed = Long.getLong("fuzz.seed", System.nanoTime());
        System.out.println("ReplyCacheTest seed " + seed + " (rerun with -Dfuzz.seed=" + seed + ")");
        Random r = new Random(seed);
        ReplyCache c = new ReplyCache(4, 10);
        for (int s = 1; s <= 6; s++) {
            c.record(s % 3, s, Status.OK, new byte[s], s);
        }
        byte[] valid = c.encode().array();
        int rejected = 0;
        for (int i = 0; i < 10_000; i++) {
            byte[] b = r.nextBoolean() ? valid.clone() : new byte[r.nextInt(80)];
            if (b.length == valid.length) {
                b[r.nextInt(b.length)] ^= (byte) (1 + r.nextInt(255));
            } else {
                r.nextBytes(b);
            }
            try {
                ReplyCache.decode(ByteBuffer.wrap(b), 4, 10);
            } catch (UnderstudyException e) {
                assertEquals(ErrorCode.FRAME_MALFORMED, e.code());
                assertTrue(e.getMessage().contains("at offset"), e.getMessage());
                rejected++;
            }
        }
        assertTrue(rejected > 0, "seed " + seed + ": some fuzzed inputs must be rejected");
        assertThrows(IllegalArgumentException.class, () -> new ReplyCache(0, 1));
    }
}
