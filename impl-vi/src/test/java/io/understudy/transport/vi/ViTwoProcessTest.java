package io.understudy.transport.vi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.DataAccessPort;
import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.api.ViEndpoint;
import io.understudy.api.spi.ProviderContext;
import io.understudy.spi.transport.Connection;
import io.understudy.spi.transport.Listener;
import io.understudy.spi.transport.Transport;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
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
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The shared-memory fabric between two OS processes: a child JVM runs {@link ViChildMain}. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ViTwoProcessTest {
    static final Duration PATIENCE = Duration.ofSeconds(20);

    private Path dir;
    private Process child;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private Path stderr;

    @BeforeEach
    void fabric() {
        dir = TestFabric.newDirectory("two-process");
    }

    @AfterEach
    void cleanUp() throws IOException {
        if (child != null && child.isAlive()) {
            child.destroyForcibly();
        }
        ViFabric.deleteTree(dir);
        if (stderr != null) {
            Files.deleteIfExists(stderr);
        }
    }

    private ProviderContext context(String nic) {
        return ProviderContext.builder().setting("vi.directory", dir.toString()).setting("vi.bindAddress", nic)
                .setting("vi.maxTransferSize", "4096").build();
    }

    private void startChild(String mode, String nic) throws IOException {
        stderr = Files.createTempFile("vi-child", ".err");
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC", "-Xmx64m", "-cp", classPath(), ViChildMain.class.getName(), mode, dir.toString(), nic);
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
    }

    private String line() throws Exception {
        String l = lines.poll(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        if (l == null || l.equals("EOF")) {
            throw new AssertionError("the child said " + l + "; its stderr:\n" + Files.readString(stderr));
        }
        return l;
    }

    @Test
    void framesCrossBetweenProcesses() throws Exception {
        startChild("echo", "child/nic0");
        assertEquals("READY", line());
        try (Transport t = new ViTransportProvider().open(context("parent/nic0"))) {
            Connection c = t.connect(new ViEndpoint("child/nic0"), DataAccessPort.DAFS, PATIENCE);
            for (int size : new int[] {0, 1, 64, 4096, 4097, 200_000}) {
                byte[] want = new byte[size];
                for (int i = 0; i < size; i++) {
                    want[i] = (byte) (i * 31 + size);
                }
                c.send(ByteBuffer.wrap(want));
                ByteBuffer got = c.receive(PATIENCE);
                byte[] g = new byte[got.remaining()];
                got.get(g);
                assertArrayEquals(want, g, "echo of " + size + " bytes");
            }
            c.close();
            assertEquals("DONE", line(), "the child saw the close");
        }
        assertTrue(child.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS), "child did not exit");
        assertEquals(0, child.exitValue());
        try (Stream<Path> s = Files.walk(dir)) {
            assertEquals(List.of(), s.filter(Files::isRegularFile).toList(), "files left in the fabric");
        }
    }

    @Test
    void aPeerDyingMidFrameIsAnErrorNotAHangOrData() throws Exception {
        try (Transport t = new ViTransportProvider().open(context("parent/nic0"))) {
            Listener l = t.listen(DataAccessPort.DAFS);
            startChild("die-mid-frame", "parent/nic0");
            Connection c = l.accept();
            assertArrayEquals(new byte[] {1, 2, 3}, bytes(c.receive(PATIENCE)));
            assertEquals("HALTING", line());
            assertTrue(child.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS));
            long t0 = System.nanoTime();
            UnderstudyException e = assertThrows(UnderstudyException.class, () -> c.receive(PATIENCE));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(ErrorCode.TRANSPORT_IO, e.code(), e.getMessage());
            assertTrue(e.getMessage().contains("died"), e.getMessage());
            assertTrue(ms < 2_000, "noticed the dead peer after " + ms + " ms");
            assertFalse(c.isOpen());
        }
    }

    @Test
    void aKilledNicRefusesAndItsAddressCanBeOpenedAgain() throws Exception {
        startChild("echo", "filerB/nic0");
        assertEquals("READY", line());
        child.destroyForcibly();
        assertTrue(child.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS));
        try (Transport t = new ViTransportProvider().open(context("filerB/nic0"))) {
            UnderstudyException e = assertThrows(UnderstudyException.class,
                    () -> t.connect(new ViEndpoint("filerB/nic0"), DataAccessPort.DAFS, PATIENCE));
            assertEquals(ErrorCode.CONNECTION_REFUSED, e.code(), e.getMessage());
            Listener l = t.listen(DataAccessPort.DAFS);
            assertTrue(l.isOpen(), "the address of a dead NIC could not be opened again");
        }
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.get(a);
        return a;
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
        parts.add(location(ViChildMain.class));
        parts.add(location(ViTransportProvider.class));
        parts.add(location(io.understudy.spi.transport.Transport.class));
        parts.add(location(io.understudy.api.Endpoint.class));
        return String.join(File.pathSeparator, parts);
    }

    static String location(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
