package io.understudy.transport.ib;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;

/**
 * Coverage-guided fuzzing of the tcp software fabric's wire decoder ({@link TcpVerbsWire#decodeAll}, the
 * passive side's view: HELLO, then RECV / SEND / READY). Contract: a message count of at least 1, or a
 * {@link TcpVerbsWire.MalformedException} with a message, or an {@link EOFException}; nothing else. See
 * docs/FUZZING.md.
 */
class TcpVerbsWireFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void decode(byte[] input) throws IOException {
        try {
            int n = TcpVerbsWire.decodeAll(new DataInputStream(new ByteArrayInputStream(input)));
            assertTrue(n >= 1, "decoded " + n + " messages");
        } catch (TcpVerbsWire.MalformedException e) {
            assertFalse(e.getMessage() == null || e.getMessage().isBlank(), "a malformed input without a reason");
        } catch (EOFException e) {
            // input ended inside a message
        }
    }
}
