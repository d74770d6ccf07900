package io.understudy.transport.ib;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.DataAccessPort;
import io.understudy.api.InetEndpoint;
import io.understudy.api.UnderstudyException;
import io.understudy.api.spi.ProviderContext;
import io.understudy.spi.transport.Connection;
import io.understudy.spi.transport.Transport;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The ib transport on the tcp software fabric between two OS processes: a child JVM runs {@link IbChildMain}. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class IbTwoProcessTest {
    static final Duration PATIENCE = Duration.ofSeconds(20);

    private Process child;
    private Path stderr;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final int port = IbTcpFabricTransportTest.freePort();

    @AfterEach
    void cleanUp() throws IOException {
        if (child != null && child.isAlive()) {
            child.destroyForcibly();
        }
        if (stderr != null) {
            Files.deleteIfExists(stderr);
        }
    }

    private void startChild() throws Exception {
        stderr = Files.createTempFile("ib-child", ".err");
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC", "-Xmx64m", "-cp", classPath(), IbChildMain.class.getName(), Integer.toString(port));
        child = new ProcessBuilder(cmd).redirectError(stderr.toFile()).start();
        Process p = child;
        Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l = r.readLine(); l != null; l = r.readLine()) {
                    lines.add(l);
                }
            } catch (IOException ignored) {
                // the child is gone
            }
            lines.add("EOF");
        });
        assertEquals("READY", line());
    }

    private String line() throws Exception {
        String l = lines.poll(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        if (l == null || l.equals("EOF")) {
            throw new AssertionError("the child said " + l + "; its stderr:\n" + Files.readString(stderr));
        }
        return l;
    }

    private Transport open() {
        return IbSoftwareTransportTest.software().open(ProviderContext.builder().portNumber(DataAccessPort.DAFS, port)
                .setting("ib.fabric", "tcp").setting("ib.bufferSize", "256").setting("ib.receiveDepth", "4").build());
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.get(a);
        return a;
    }

    @Test
    void framesCrossBetweenProcesses() throws Exception {
        startChild();
        try (Transport t = open()) {
            Connection c = t.connect(InetEndpoint.of(InetAddress.getLoopbackAddress()), DataAccessPort.DAFS, PATIENCE);
            for (int size : new int[] {0, 1, 244, 245, 4096, 200_000}) {
                byte[] want = new byte[size];
                for (int i = 0; i < size; i++) {
                    want[i] = (byte) (i * 31 + size);
                }
                c.send(ByteBuffer.wrap(want));
                assertArrayEquals(want, bytes(c.receive(PATIENCE)), "echo of " + size + " bytes");
            }
            c.close();
            assertEquals("DONE", line(), "the child saw the close");
        }
        assertTrue(child.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS), "child did not exit");
        assertEquals(0, child.exitValue());
    }

    @Test
    void aPeerProcessDyingIsAnErrorNotAHang() throws Exception {
        startChild();
        try (Transport t = open()) {
            Connection c = t.connect(InetEndpoint.of(InetAddress.getLoopbackAddress()), DataAccessPort.DAFS, PATIENCE);
            c.send(ByteBuffer.wrap(new byte[] {1, 2, 3}));
            assertArrayEquals(new byte[] {1, 2, 3}, bytes(c.receive(PATIENCE)));
            child.destroyForcibly();
            assertTrue(child.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS));
            long t0 = System.nanoTime();
            UnderstudyException e = assertThrows(UnderstudyException.class, () -> c.receive(PATIENCE));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 5_000, "noticed the dead peer after " + ms + " ms: " + e.getMessage());
            assertFalse(c.isOpen(), "the connection is closed after its peer died");
        }
    }

    /** Surefire splits the module under test (module path) from the tests (class path); the child gets both. */
    static String classPath() {
        Set<String> parts = new LinkedHashSet<>();
        for (String property : List.of("jdk.module.path", "java.class.path")) {
            for (String p : System.getProperty(property, "").split(File.pathSeparator)) {
                if (!p.isBlank()) {
                    parts.add(p);
                }
            }
        }
        for (Class<?> c : List.of(IbChildMain.class, IbTransportProvider.class, Transport.class, io.understudy.api.Endpoint.class)) {
            try {
                parts.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
            } catch (URISyntaxException e) {
                throw new IllegalStateException(e);
            }
        }
        return String.join(File.pathSeparator, parts);
    }
}
