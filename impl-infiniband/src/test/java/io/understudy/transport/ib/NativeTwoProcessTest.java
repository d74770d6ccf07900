package io.understudy.transport.ib;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.DataAccessPort;
import io.understudy.api.InetEndpoint;
import io.understudy.api.spi.ProviderContext;
import io.understudy.spi.transport.Connection;
import io.understudy.spi.transport.Listener;
import io.understudy.spi.transport.Transport;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Two processes over the native verbs: a child JVM ({@link Peer}) listens on an RDMA CM port and echoes every
 * frame; this JVM connects, sends frames of several sizes (one spanning many messages), and checks the echoes;
 * then the child is killed and the connection must report it rather than hang. Tagged {@code rdma-device}.
 */
@Tag("rdma-device")
class NativeTwoProcessTest {

    static ProviderContext context(String address, int port) {
        return ProviderContext.builder().portNumber(DataAccessPort.DAFS, port).setting("ib.bindAddress", address)
                .setting("ib.bufferSize", "4096").setting("ib.receiveDepth", "8").build();
    }

    static IbTransportProvider provider() {
        NativeVerbs.Probe p = NativeVerbs.probe();
        return new IbTransportProvider(IbOptions.Software.FALSE, p::availability, p::verbs);
    }

    @Test
    void aFrameEchoedByAnotherProcessOverNativeVerbs() throws Exception {
        RdmaDevice.probeOrSkip();
        String address = RdmaDevice.addressOrSkip();
        int port = 17000 + (int) (ProcessHandle.current().pid() % 1000);
        String cp = System.getProperty("java.class.path", "") + File.pathSeparator + System.getProperty("jdk.module.path", "")
                + File.pathSeparator + Path.of(NativeTwoProcessTest.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", cp, Peer.class.getName(), address, Integer.toString(port)));
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            assertEquals("listening", line, "the peer did not start listening");
            try (Transport t = provider().open(context(address, port))) {
                Connection c = t.connect(InetEndpoint.of(InetAddress.ofLiteral(address)), DataAccessPort.DAFS, Duration.ofSeconds(10));
                for (int size : new int[] {0, 1, 4084, 4085, 100_000}) {
                    byte[] frame = new byte[size];
                    for (int i = 0; i < size; i++) {
                        frame[i] = (byte) (i * 7 + size);
                    }
                    c.send(ByteBuffer.wrap(frame));
                    ByteBuffer echo = c.receive(Duration.ofSeconds(10));
                    byte[] got = new byte[echo.remaining()];
                    echo.get(got);
                    assertArrayEquals(frame, got, "echo of " + size + " bytes");
                }
                child.destroyForcibly();
                assertTrue(child.waitFor(10, TimeUnit.SECONDS));
                // The peer's queue pair is gone: the connection fails or closes, within the bound, instead of hanging.
                try {
                    c.receive(Duration.ofSeconds(30));
                    throw new AssertionError("a frame arrived from a killed peer");
                } catch (io.understudy.api.UnderstudyException e) {
                    assertTrue(e.code() != io.understudy.api.ErrorCode.TIMEOUT, "no failure reported within 30 s: " + e);
                }
            }
        } finally {
            child.destroyForcibly();
        }
    }

    /** The child process: listens on (address, port) and echoes frames until the connection ends. */
    public static final class Peer {
        public static void main(String[] args) throws Exception {
            try (Transport t = provider().open(context(args[0], Integer.parseInt(args[1])))) {
                Listener l = t.listen(DataAccessPort.DAFS);
                System.out.println("listening");
                System.out.flush();
                Connection c = l.accept();
                while (true) {
                    c.send(c.receive(Duration.ZERO));
                }
            }
        }
    }
}
