package io.understudy.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import java.nio.ByteBuffer;

/**
 * Coverage-guided fuzzing of {@link InterconnectMessage#decode}, the entry point for bytes from the partner: any
 * byte string either decodes to a message with all its fields set or fails with
 * {@link ErrorCode#INTERCONNECT_MESSAGE_REJECTED}. Only {@code decode} is called, so the target keeps working when
 * the message gains fields (an authentication tag) that a fuzzer cannot forge; the round trip is covered by
 * InterconnectMessageTest. See docs/FUZZING.md.
 */
class InterconnectMessageFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void decode(byte[] input) {
        InterconnectMessage m;
        try {
            m = InterconnectMessage.decode(ByteBuffer.wrap(input));
        } catch (UnderstudyException e) {
            assertEquals(ErrorCode.INTERCONNECT_MESSAGE_REJECTED, e.code(), e::getMessage);
            return;
        }
        assertNotNull(m.type());
        assertNotNull(m.from());
        assertNotNull(m.state());
        assertNotNull(m.detail());
    }
}
