package io.understudy.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import java.nio.ByteBuffer;

/**
 * Coverage-guided fuzzing of {@link ReplyCache#decode} (the reply cache carried in a journal checkpoint): any
 * byte string either decodes, and then re-encodes canonically ({@code encode(decode(e)) == e} for
 * {@code e = decode(x).encode()}), or fails with {@link ErrorCode#FRAME_MALFORMED}. See docs/FUZZING.md.
 */
class ReplyCacheFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void decode(byte[] input) {
        ReplyCache c;
        try {
            c = ReplyCache.decode(ByteBuffer.wrap(input), 8, 64);
        } catch (UnderstudyException e) {
            assertEquals(ErrorCode.FRAME_MALFORMED, e.code(), e::getMessage);
            return;
        }
        ByteBuffer once = c.encode();
        ByteBuffer twice = ReplyCache.decode(once.duplicate(), 8, 64).encode();
        assertEquals(once, twice, "decode(encode(c)) must encode to the same bytes");
    }
}
