package io.understudy.ownership.iscsi;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;

/**
 * A private {@code tgtd} for the tests of this JVM: started once, on 127.0.0.1 with its own portal port and
 * management control port (so it never meets another engineer's or the system's tgtd), stopped when the JVM
 * exits. Each test creates its own target with file-backed LUNs ({@link #newTarget}) and deletes it
 * afterwards ({@link Target#close}). Where tgt or libiscsi is not installed the tests skip with the reason,
 * or fail when {@code CI=true}.
 */
final class Tgtd {

    private static final AtomicInteger TIDS = new AtomicInteger();
    private static Tgtd instance;

    final int port;
    private final Process process;
    private final Path log;

    private Tgtd(int port, Process process, Path log) {
        this.port = port;
        this.process = process;
        this.log = log;
    }

    /** {@return the JVM's tgtd, started on first use}; skips (or fails on CI) where tgt or libiscsi is missing */
    static synchronized Tgtd get() {
        String missing = missing();
        if (missing != null) {
            if ("true".equals(System.getenv("CI"))) {
                fail("CI=true but " + missing + "; .ci/install-test-deps installs tgt and libiscsi7");
            }
            Assumptions.abort(missing + "; install them to run the iSCSI tests (apt-get install tgt libiscsi7)");
        }
        if (instance == null || !instance.process.isAlive()) {
            instance = start();
        }
        return instance;
    }

    static String missing() {
        if (!LibIscsi.availability().isAvailable()) {
            return "libiscsi is unavailable (" + LibIscsi.availability() + ")";
        }
        for (String tool : List.of("tgtd", "tgtadm")) {
            if (which(tool) == null) {
                return tool + " is not installed (package tgt)";
            }
        }
        // tgtd's management socket lives in /var/run/tgtd, which only root may create or write.
        Path run = Path.of("/var/run/tgtd");
        boolean root = "root".equals(System.getProperty("user.name"));
        if (!root && !(Files.isDirectory(run) && Files.isWritable(run))) {
            return "tgtd needs root (or a writable /var/run/tgtd) for its management socket";
        }
        return null;
    }

    static Path which(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin").split(":")) {
            Path p = Path.of(dir, tool);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        for (String dir : List.of("/usr/sbin", "/sbin")) {
            Path p = Path.of(dir, tool);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    private static Tgtd start() {
        for (int attempt = 0; attempt < 5; attempt++) {
            int port = 20000 + ThreadLocalRandom.current().nextInt(10000);
            try (ServerSocket probe = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                probe.close();
                Path log = Files.createTempFile("understudy-tgtd-" + port + "-", ".log");
                Process p = new ProcessBuilder(which("tgtd").toString(), "-f", "-C", Integer.toString(port),
                        "--iscsi", "portal=127.0.0.1:" + port)
                        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
                Tgtd t = new Tgtd(port, p, log);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
                while (System.nanoTime() < deadline && p.isAlive()) {
                    if (t.admin(false, "--op", "show", "--mode", "target").rc == 0 && portalOpen(port)) {
                        Runtime.getRuntime().addShutdownHook(new Thread(t::stop, "tgtd-stop-" + port));
                        System.out.println("Tgtd: started tgtd pid " + p.pid() + " on 127.0.0.1:" + port + " (control port " + port + ", log " + log + ")");
                        return t;
                    }
                    Thread.sleep(20); // a bounded poll for the daemon's management socket
                }
                p.destroyForcibly();
            } catch (IOException e) {
                // port taken: try another
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        fail("could not start tgtd on 127.0.0.1 after 5 attempts");
        return null;
    }

    private static boolean portalOpen(int port) {
        try (java.net.Socket s = new java.net.Socket(InetAddress.getLoopbackAddress(), port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    void stop() {
        admin(false, "--op", "delete", "--mode", "system");
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
        }
    }

    record Result(int rc, String output) {
    }

    Result admin(boolean check, String... args) {
        List<String> cmd = new ArrayList<>(List.of(which("tgtadm").toString(), "-C", Integer.toString(port), "--lld", "iscsi"));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("tgtadm timed out: " + cmd);
            }
            Result r = new Result(p.exitValue(), out);
            if (check && r.rc != 0) {
                fail("tgtadm failed (" + r.rc + "): " + cmd + ": " + out + "\ntgtd log: " + tail());
            }
            return r;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + cmd, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    String tail() {
        try {
            String s = Files.readString(log);
            return s.substring(Math.max(0, s.length() - 2000));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** A target of this tgtd with LUNs 1..n backed by files; {@link #close} deletes target and files. */
    final class Target implements AutoCloseable {
        final int tid;
        final String iqn;
        final List<Path> files;

        Target(int tid, String iqn, List<Path> files) {
            this.tid = tid;
            this.iqn = iqn;
            this.files = files;
        }

        /** {@return the URL of LUN {@code lun}} */
        String url(int lun) {
            return "iscsi://127.0.0.1:" + port + "/" + iqn + "/" + lun;
        }

        /**
         * Takes a LUN offline or back online ({@code tgtadm --op update --mode logicalunit --params online=0|1}):
         * the disk-error injector. While offline, tgtd answers the LUN's commands NOT READY.
         *
         * @param lun    the LUN
         * @param online whether it answers
         */
        void online(int lun, boolean online) {
            admin(true, "--op", "update", "--mode", "logicalunit", "--tid", Integer.toString(tid), "--lun", Integer.toString(lun),
                    "--params", "online=" + (online ? 1 : 0));
        }

        /**
         * Makes a LUN read-only or writable again ({@code --params readonly=1|0}): tgtd then fails every WRITE,
         * also on sessions already logged in, with DATA PROTECT.
         *
         * @param lun      the LUN
         * @param readonly whether writes fail
         */
        void readonly(int lun, boolean readonly) {
            admin(true, "--op", "update", "--mode", "logicalunit", "--tid", Integer.toString(tid), "--lun", Integer.toString(lun),
                    "--params", "readonly=" + (readonly ? 1 : 0));
        }

        /** {@return the iscsi.disks value naming LUN i+1 d{i}} */
        String disks() {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < files.size(); i++) {
                b.append(i == 0 ? "" : ",").append("d").append(i).append('=').append(url(i + 1));
            }
            return b.toString();
        }

        @Override
        public void close() {
            admin(false, "--op", "delete", "--mode", "target", "--tid", Integer.toString(tid), "--force");
            for (Path f : files) {
                try {
                    Files.deleteIfExists(f);
                } catch (IOException e) {
                    // the temporary directory's cleanup will try again
                }
            }
        }
    }

    /**
     * Creates a target with {@code luns} file-backed LUNs of {@code bytes} each, bound to every initiator.
     *
     * @param dir   where the backing files go
     * @param luns  how many LUNs
     * @param bytes each LUN's size
     * @return the target
     */
    Target newTarget(Path dir, int luns, long bytes) {
        int tid = TIDS.incrementAndGet();
        String iqn = "iqn.2026-01.io.understudy.test:p" + port + "-t" + tid;
        admin(true, "--op", "new", "--mode", "target", "--tid", Integer.toString(tid), "-T", iqn);
        List<Path> files = new ArrayList<>();
        Target t = new Target(tid, iqn, files);
        try {
            for (int lun = 1; lun <= luns; lun++) {
                Path f = dir.resolve("t" + tid + "-lun" + lun + ".img");
                try (var ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.CREATE_NEW,
                        java.nio.file.StandardOpenOption.WRITE)) {
                    ch.truncate(0);
                    ch.write(java.nio.ByteBuffer.allocate(1), bytes - 1);
                }
                files.add(f);
                admin(true, "--op", "new", "--mode", "logicalunit", "--tid", Integer.toString(tid), "--lun", Integer.toString(lun),
                        "--backing-store", f.toString());
            }
            admin(true, "--op", "bind", "--mode", "target", "--tid", Integer.toString(tid), "--initiator-address", "ALL");
            return t;
        } catch (IOException | RuntimeException | Error e) {
            t.close();
            throw new IllegalStateException("cannot create target " + iqn + ": " + e, e);
        }
    }
}
