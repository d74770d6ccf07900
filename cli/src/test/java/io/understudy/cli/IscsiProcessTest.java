package io.understudy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two {@code understudy node} processes whose disks are LUNs of a private tgtd (the {@code iscsi} provider):
 * {@code understudy status} shows the {@code <SECTORS,SCSI>} pair read from the LUN in normal running,
 * after a {@code kill -9} takeover and after giveback, and sector S in the LUN's backing file agrees.
 * Skips without tgt/libiscsi/root; fails then when {@code CI=true}.
 */
class IscsiProcessTest {

    @Test
    void statusShowsTheRealPairThroughTakeoverAndGiveback(@TempDir Path dir) throws Exception {
        requireIscsi();
        List<String> ev = new CopyOnWriteArrayList<>();
        Timeline t = new Timeline(Instant.now(), System.out);
        try (DemoIscsiTarget target = DemoIscsiTarget.start(dir, 16L << 20);
             ProcessCluster c = new ProcessCluster(dir, t, ev, new ProcessCluster.Setup(ProcessCluster.Naming.HOSTS, target.ownershipYaml(), "tcp"))) {
            startPair(c);
            assertPair(c, "filera-vol0", "<A,A>");
            assertPair(c, "filerb-vol0", "<B,B>");
            assertEquals("FilerA", sectorSOwner(target.backingFile(1)));

            c.kill9(Demo.A);
            await(() -> c.state(Demo.B).equals("IN_TAKEOVER"), "FilerB in takeover");
            assertPair(c, "filera-vol0", "<B,B>");
            assertEquals("FilerB", sectorSOwner(target.backingFile(1)), "takeover wrote sector S on the LUN");

            c.start(Demo.A);
            await(() -> c.state(Demo.A).equals("WAITING_FOR_GIVEBACK"), "FilerA waits for giveback");
            c.admin(Demo.B, "giveback");
            await(() -> c.state(Demo.A).equals("NORMAL") && c.state(Demo.B).equals("NORMAL"), "both NORMAL after giveback");
            assertPair(c, "filera-vol0", "<A,A>");
            assertEquals("FilerA", sectorSOwner(target.backingFile(1)));
            assertTrue(ev.stream().anyMatch(e -> e.startsWith("FilerB DISK_RELEASED filera-vol0 <U,U>")),
                    "giveback released the disk to <U,U> on the LUN: " + ev);
        }
    }

    /** Starts FilerA and FilerB and waits until both are NORMAL and hear each other. */
    static void startPair(ProcessCluster c) throws Exception {
        c.start(Demo.A);
        c.start(Demo.B);
        await(() -> c.state(Demo.A).equals("NORMAL") && c.state(Demo.B).equals("NORMAL"), "both NORMAL");
        await(() -> c.partnerHeard(Demo.A) && c.partnerHeard(Demo.B), "both nodes hear each other");
    }

    /** Skips the test without tgt, libiscsi7 or root, saying which; under {@code CI=true} fails instead. */
    static void requireIscsi() {
        String missing = DemoIscsiTarget.missing();
        if (missing == null && !java.nio.file.Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/libiscsi.so.7"))
                && !java.nio.file.Files.exists(Path.of("/lib/x86_64-linux-gnu/libiscsi.so.7"))) {
            missing = "libiscsi7 is not installed";
        }
        if (missing != null) {
            if ("true".equals(System.getenv("CI"))) {
                fail("CI=true but " + missing);
            }
            Assumptions.abort(missing);
        }
    }

    /** Asserts what {@code understudy status} prints for {@code disk}, read from the LUN by the nodes. */
    private static void assertPair(ProcessCluster c, String disk, String pair) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        StatusCommand.print(c.deployment(), c.admin(), new PrintStream(buf, true, StandardCharsets.UTF_8));
        String status = buf.toString(StandardCharsets.UTF_8);
        System.out.print(status);
        Matcher m = Pattern.compile("disk " + Pattern.quote(disk) + "\\s+home \\S+\\s+(<[^>]+>)").matcher(status);
        boolean found = false;
        while (m.find()) {
            found = true;
            assertEquals(pair, m.group(1), "status of " + disk + ":\n" + status);
        }
        assertTrue(found, "status shows no line for " + disk + ":\n" + status);
    }

    /** {@return the owner name in sector S (LBA 0) of a LUN's backing file: name length at 33, name at 34} */
    private static String sectorSOwner(Path lun) throws Exception {
        try (FileChannel ch = FileChannel.open(lun, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(512);
            ch.read(b, 0);
            int len = Byte.toUnsignedInt(b.get(33));
            return new String(b.array(), 34, len, StandardCharsets.UTF_8);
        }
    }

    static void await(BooleanSupplier c, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what);
            }
            LockSupport.parkNanos(20_000_000);
        }
    }
}
