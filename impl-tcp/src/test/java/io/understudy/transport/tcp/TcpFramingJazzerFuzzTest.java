package io.understudy.transport.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.SilentCloseable;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.understudy.api.DataAccessPort;
import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.api.spi.ProviderContext;
import io.understudy.spi.transport.Connection;
import io.understudy.spi.transport.Listener;
import io.understudy.spi.transport.Transport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Coverage-guided fuzzing of the tcp transport's length-prefixed frame decoder, through a real loopback socket
 * (the decoder reads the socket; there is no separate byte-level entry point). Each input is one byte stream a
 * peer sends before half-closing; the frames received and the terminal error code (CLOSED, FRAME_MALFORMED or
 * FRAME_TOO_LARGE with a maximum frame size of {@value TcpFrameFuzzTest#MAX}) must equal the reference parser's
 * in {@link TcpFrameFuzzTest}, and the connection must be closed afterwards. See docs/FUZZING.md.
 */
class TcpFramingJazzerFuzzTest {

    private static Transport transport;
    private static Listener listener;
    private static int port;

    @BeforeAll
    static void open() {
        port = TcpTransportTest.freePorts(1)[0];
        ProviderContext context = ProviderContext.builder()
                .portNumber(DataAccessPort.DAFS, port)
                .option(TcpOptions.BIND_ADDRESS, TcpTransportTest.LOOPBACK)
                .option(TcpOptions.MAX_FRAME_SIZE, TcpFrameFuzzTest.MAX)
                .build();
        transport = new TcpTransportProvider().open(context);
        listener = transport.listen(DataAccessPort.DAFS);
    }

    @AfterAll
    static void close() {
        if (transport != null) {
            transport.close();
        }
    }

    @FuzzTest(maxDuration = "10s")
    void receive(byte[] input) throws IOException {
        TcpFrameFuzzTest.Expected expected = TcpFrameFuzzTest.reference(input);
        String at = "input " + HexFormat.of().formatHex(input);
        // Jazzer's SSRF detector flags every socket connect; this target's only peer is its own loopback
        // listener. (Set here, not in @BeforeAll: the detector only exists once the fuzzing agent is installed.)
        try (SilentCloseable allowed = BugDetectors.allowNetworkConnections((host, p) -> p == port
                && (host.equals("localhost") || host.equals(TcpTransportTest.LOOPBACK.getHostAddress())));
             Socket raw = new Socket()) {
            raw.setSoLinger(true, 0); // no TIME_WAIT pile-up at thousands of connections a second
            raw.connect(new InetSocketAddress(TcpTransportTest.LOOPBACK, port), (int) TcpFrameFuzzTest.BOUND.toMillis());
            Connection c = listener.accept();
            TcpFrameFuzzTest.write(raw, input);
            List<byte[]> frames = new ArrayList<>();
            ErrorCode ended = null;
            while (ended == null) {
                try {
                    ByteBuffer f = c.receive(TcpFrameFuzzTest.BOUND);
                    byte[] b = new byte[f.remaining()];
                    f.get(b);
                    frames.add(b);
                } catch (UnderstudyException e) {
                    ended = e.code();
                }
                if (frames.size() > input.length) {
                    fail(at + ": more frames than the input can hold");
                }
            }
            assertEquals(expected.frames().size(), frames.size(), at + ": frame count");
            for (int k = 0; k < frames.size(); k++) {
                assertArrayEquals(expected.frames().get(k), frames.get(k), at + ": frame " + k);
            }
            assertEquals(expected.end(), ended, at + ": terminal code");
            assertFalse(c.isOpen(), at + ": connection still open after " + ended);
        }
    }
}
