package io.understudy.examples.fileservice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;

/**
 * Coverage-guided fuzzing of the example file service's codec: any bytes either decode to a request (or a reply
 * to the operation named by the control byte) that round-trips ({@code decode(encode(m)) == m}), or are rejected
 * with {@link MalformedMessageException} and a message. Validation errors from the records' constructors must
 * surface as {@code MalformedMessageException} too, never as {@code IllegalArgumentException}.
 *
 * <p>{@code request}: the input is the message. {@code reply}: byte 0 picks the expected operation, the rest is the
 * message. See docs/FUZZING.md.
 */
class FileServiceCodecFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void request(byte[] input) {
        FileRequest r;
        try {
            r = FileServiceCodec.decodeRequest(ByteBuffer.wrap(input));
        } catch (MalformedMessageException e) {
            assertFalse(e.getMessage().isBlank());
            return;
        }
        assertEquals(r, FileServiceCodec.decodeRequest(FileServiceCodec.encode(r)), "decode(encode(r)) must equal r");
    }

    @FuzzTest(maxDuration = "10s")
    void reply(byte[] input) {
        if (input.length == 0) {
            return;
        }
        FileOp[] ops = FileOp.values();
        FileOp expected = ops[(input[0] & 0xff) % ops.length];
        FileReply r;
        try {
            r = FileServiceCodec.decodeReply(ByteBuffer.wrap(input, 1, input.length - 1), expected);
        } catch (MalformedMessageException e) {
            assertFalse(e.getMessage().isBlank());
            return;
        }
        assertEquals(r, FileServiceCodec.decodeReply(FileServiceCodec.encode(r), expected), "decode(encode(r)) must equal r");
    }
}
