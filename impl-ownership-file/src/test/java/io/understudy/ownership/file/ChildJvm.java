package io.understudy.ownership.file;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM driven line by line over its stdin and stdout, for tests that need a second OS process. Its
 * stderr goes to a file that failures quote. Lines are read by a thread into a queue, so a silent child
 * fails the test after a timeout instead of hanging it.
 */
final class ChildJvm implements AutoCloseable {

    static final long TIMEOUT_SECONDS = 60;
    private static final String EOF = "\u0000eof";

    private final Process process;
    private final PrintWriter in;
    private final BlockingQueue<String> out = new LinkedBlockingQueue<>();
    private final Path stderr;

    private ChildJvm(List<String> command, Path stderr) throws IOException {
        this.stderr = stderr;
        this.process = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
        this.in = new PrintWriter(process.outputWriter(StandardCharsets.UTF_8), true);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    out.add(line);
                }
            } catch (IOException ignored) {
                // The child is gone; EOF below tells the waiting test.
            }
            out.add(EOF);
        }, "child-jvm-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    /** {@return a started child running {@code mainClass} with {@code args} on this test's whole class path} */
    static ChildJvm start(Path stderr, String mainClass, String... args) throws IOException {
        List<String> cmd = javaCommand();
        cmd.addAll(List.of("-cp", fullClassPath(), mainClass));
        cmd.addAll(List.of(args));
        return new ChildJvm(cmd, stderr);
    }

    /** {@return a started child running {@code command}} */
    static ChildJvm start(Path stderr, List<String> command) throws IOException {
        return new ChildJvm(command, stderr);
    }

    /** {@return the java launcher of this JVM with flags that make a short-lived child start fast} */
    static List<String> javaCommand() {
        return new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx64m"));
    }

    /**
     * {@return everything this test JVM can load, as one class path: surefire puts the module under test
     * and its module dependencies on the module path and the tests and test dependencies on the class path}
     */
    static String fullClassPath() {
        Set<String> parts = new LinkedHashSet<>();
        for (String property : List.of("jdk.module.path", "java.class.path")) {
            String v = System.getProperty(property, "");
            for (String p : v.split(File.pathSeparator)) {
                if (!p.isBlank()) {
                    parts.add(p);
                }
            }
        }
        parts.add(location(ChildJvm.class));
        parts.add(location(FileOwnershipProvider.class));
        parts.add(location(io.understudy.api.ownership.OwnershipProvider.class));
        return String.join(File.pathSeparator, parts);
    }

    /** {@return the jar or directory a class was loaded from} */
    static String location(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    void send(String line) {
        in.println(line);
    }

    /** {@return the child's next line; fails the test if none comes within the timeout} */
    String receive() {
        String line;
        try {
            line = out.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        if (line == null || line.equals(EOF)) {
            fail((line == null ? "the child said nothing for " + TIMEOUT_SECONDS + " s" : "the child exited")
                    + "; its stderr:\n" + stderr());
        }
        return line;
    }

    /** {@return every remaining line once the child has exited} */
    List<String> drain() {
        List<String> lines = new ArrayList<>();
        for (String line = receive0(); line != null && !line.equals(EOF); line = receive0()) {
            lines.add(line);
        }
        return lines;
    }

    private String receive0() {
        try {
            return out.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** {@return the exit status, waiting at most the timeout} */
    int exitCode() {
        try {
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                fail("the child did not exit within " + TIMEOUT_SECONDS + " s; its stderr:\n" + stderr());
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    String stderr() {
        try {
            return Files.exists(stderr) ? Files.readString(stderr) : "(none)";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        in.close();
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
