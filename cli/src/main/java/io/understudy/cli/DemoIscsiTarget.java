package io.understudy.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The iSCSI target of {@code understudy demo --disks iscsi}: a private {@code tgtd} on 127.0.0.1 (its own
 * portal and management port), one target with two file-backed LUNs, the filers' disks. {@link #close}
 * deletes the target and stops tgtd. Needs the {@code tgt} package and root (tgtd's management socket).
 */
final class DemoIscsiTarget implements AutoCloseable {

    static final String IQN = "iqn.2026-01.io.understudy.demo:disks";

    private final String address;
    private final int port;
    private final Process tgtd;
    private final Path dir;

    private DemoIscsiTarget(String address, int port, Process tgtd, Path dir) {
        this.address = address;
        this.port = port;
        this.tgtd = tgtd;
        this.dir = dir;
    }

    /** {@return the file behind LUN {@code lun}: what really reached the disk} */
    Path backingFile(int lun) {
        return dir.resolve("lun" + lun + ".img");
    }

    /** {@return why the demo cannot run on iSCSI here, or null if it can} */
    static String missing() {
        for (String tool : List.of("tgtd", "tgtadm")) {
            if (which(tool) == null) {
                return tool + " is not installed: apt-get install tgt libiscsi7";
            }
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            return "tgtd needs root for its management socket in /var/run/tgtd: run the demo as root";
        }
        return null;
    }

    private static Path which(String tool) {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
        dirs.addAll(List.of("/usr/sbin", "/sbin"));
        for (String dir : dirs) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, tool);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /**
     * Starts tgtd and creates the target with LUN 1 and LUN 2 of {@code bytes} each, backed by files in {@code dir}.
     *
     * @param dir   where the backing files and tgtd's log go
     * @param bytes each LUN's size
     * @return the running target
     * @throws IOException if tgtd cannot be started or configured
     */
    static DemoIscsiTarget start(Path dir, long bytes) throws IOException {
        return start(dir, bytes, "127.0.0.1", ProcessBuilder::new);
    }

    /**
     * Starts tgtd with its portal on {@code address}, launched through {@code launcher} (the namespace tests run
     * it in a host's network namespace; its management socket is a file, so tgtadm reaches it from anywhere).
     *
     * @param dir      where the backing files and tgtd's log go
     * @param bytes    the size of each LUN
     * @param address  the portal's IPv4 address (127.0.0.1, or the storage host's address in its namespace)
     * @param launcher makes the process builder for a command
     * @return the running target
     * @throws IOException if tgtd cannot be started or configured
     */
    static DemoIscsiTarget start(Path dir, long bytes, String address,
            java.util.function.Function<List<String>, ProcessBuilder> launcher) throws IOException {
        boolean loopback = address.equals("127.0.0.1");
        IOException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            int port = 20000 + ThreadLocalRandom.current().nextInt(10000);
            if (loopback) {
                try (ServerSocket probe = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                    probe.close();
                } catch (IOException e) {
                    last = e;
                    continue;
                }
            }
            Process p = launcher.apply(List.of(which("tgtd").toString(), "-f", "-C", Integer.toString(port), "--iscsi",
                            "portal=" + address + ":" + port))
                    .redirectErrorStream(true).redirectOutput(dir.resolve("tgtd.log").toFile()).start();
            DemoIscsiTarget t = new DemoIscsiTarget(address, port, p, dir);
            if (t.awaitUp()) {
                try {
                    t.configure(dir, bytes);
                    return t;
                } catch (IOException e) {
                    t.close();
                    throw e;
                }
            }
            t.close();
            last = new IOException("tgtd did not come up on " + address + ":" + port + "; see " + dir.resolve("tgtd.log"));
        }
        throw last;
    }

    private boolean awaitUp() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline && tgtd.isAlive()) {
            if (admin("--op", "show", "--mode", "target").startsWith("0:")) {
                if (!address.equals("127.0.0.1")) {
                    return true; // in another namespace: its management socket answering is what can be seen from here
                }
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                    return true;
                } catch (IOException e) {
                    // not listening yet
                }
            }
            try {
                Thread.sleep(20); // a bounded poll for the daemon's sockets
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    private void configure(Path dir, long bytes) throws IOException {
        check(admin("--op", "new", "--mode", "target", "--tid", "1", "-T", IQN));
        for (int lun = 1; lun <= 2; lun++) {
            Path f = dir.resolve("lun" + lun + ".img");
            try (FileChannel c = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                c.truncate(0);
                c.write(java.nio.ByteBuffer.allocate(1), bytes - 1);
            }
            check(admin("--op", "new", "--mode", "logicalunit", "--tid", "1", "--lun", Integer.toString(lun), "--backing-store", f.toString()));
        }
        check(admin("--op", "bind", "--mode", "target", "--tid", "1", "--initiator-address", "ALL"));
    }

    private static void check(String result) throws IOException {
        if (!result.startsWith("0:")) {
            throw new IOException("tgtadm failed: " + result);
        }
    }

    /** {@return "rc:output" of tgtadm} */
    private String admin(String... args) {
        List<String> cmd = new ArrayList<>(List.of(which("tgtadm").toString(), "-C", Integer.toString(port), "--lld", "iscsi"));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "124:timed out";
            }
            return p.exitValue() + ":" + out;
        } catch (IOException e) {
            return "127:" + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "130:interrupted";
        }
    }

    /**
     * The disk-error injector: takes a LUN offline ({@code true}) or brings it back ({@code false}). tgt 1.0.85
     * checks {@code online=0} only when a session logs in (NOT READY); a node already logged in keeps writing.
     * So the LUN is also made read-only, which fails every WRITE, on running sessions too, with DATA PROTECT
     * (docs/RELIABILITY.md, "Disk errors"). Both are cleared to bring it back; reads keep working meanwhile.
     *
     * @param lun     the LUN (1: FilerA's disk, 2: FilerB's)
     * @param failing whether the LUN fails
     * @throws IOException if tgtadm refuses
     */
    void failLun(int lun, boolean failing) throws IOException {
        String t = Integer.toString(lun);
        check(admin("--op", "update", "--mode", "logicalunit", "--tid", "1", "--lun", t, "--params", "readonly=" + (failing ? 1 : 0)));
        check(admin("--op", "update", "--mode", "logicalunit", "--tid", "1", "--lun", t, "--params", "online=" + (failing ? 0 : 1)));
    }

    /** {@return the configuration's ownership section: FilerA's disk on LUN 1, FilerB's on LUN 2} */
    String ownershipYaml() {
        return """
                ownership:
                  provider: iscsi
                  options:
                    iscsi.disks: "filera-vol0=iscsi://%s:%d/%s/1,filerb-vol0=iscsi://%s:%d/%s/2"
                """.formatted(address, port, IQN, address, port, IQN);
    }

    String describe() {
        return "tgtd on " + address + ":" + port + ", target " + IQN + ", LUN 1 filera-vol0, LUN 2 filerb-vol0";
    }

    @Override
    public void close() {
        if (tgtd.isAlive()) {
            admin("--op", "delete", "--mode", "target", "--tid", "1", "--force");
            admin("--op", "delete", "--mode", "system");
            try {
                if (!tgtd.waitFor(5, TimeUnit.SECONDS)) {
                    tgtd.destroyForcibly();
                }
            } catch (InterruptedException e) {
                tgtd.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
