package io.understudy.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import java.nio.ByteBuffer;

/**
 * Coverage-guided fuzzing of {@link Frame#decode}: any byte string either decodes to a frame {@code f} with
 * {@code decode(f.encode()).equals(f)}, or fails with {@link ErrorCode#FRAME_MALFORMED}. Seeds and regression inputs live in
 * {@code FrameFuzzTestInputs/decode}; see docs/FUZZING.md.
 */
class FrameFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void decode(byte[] input) {
        Frame f;
        try {
            f = Frame.decode(ByteBuffer.wrap(input));
        } catch (UnderstudyException e) {
            assertEquals(ErrorCode.FRAME_MALFORMED, e.code(), e::getMessage);
            return;
        }
        assertEquals(f, Frame.decode(f.encode()), "decode(encode(f)) must equal f");
    }
}
