package io.understudy.cli;

import static io.understudy.cli.IscsiProcessTest.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.ServerName;
import io.understudy.api.UnderstudyException;
import io.understudy.client.FailoverClient;
import io.understudy.examples.fileservice.FileReply;
import io.understudy.examples.fileservice.FileServiceClient;
import io.understudy.spi.transport.Transport;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The disk-error injector between real processes: two {@code understudy node} processes on LUNs of a private
 * tgtd, a client appending to FilerA's volume, and FilerA's LUN made to fail ({@link DemoIscsiTarget#failLun})
 * and then brought back. FilerA must acknowledge nothing it could not write, must not crash or hand the volume
 * to its partner (the partner cannot reach the shared LUN either), and must remount the volume when the LUN
 * answers; the client rides it out as one slow call. At the end every acknowledged append is in the file
 * exactly once, at the offset its acknowledgement gave, and no record is there twice.
 * Skips without tgt/libiscsi/root; fails then when {@code CI=true}.
 */
class IscsiDiskErrorProcessTest {

    private static final int RECORD = 16;

    @Test
    void aFailedLunLosesNothingAndTheVolumeComesBackWhenItAnswers(@TempDir Path dir) throws Exception {
        IscsiProcessTest.requireIscsi();
        List<String> ev = new CopyOnWriteArrayList<>();
        Timeline t = new Timeline(Instant.now(), System.out);
        try (DemoIscsiTarget target = DemoIscsiTarget.start(dir, 16L << 20);
             ProcessCluster c = new ProcessCluster(dir, t, ev, new ProcessCluster.Setup(ProcessCluster.Naming.HOSTS, target.ownershipYaml(), "tcp"))) {
            IscsiProcessTest.startPair(c);

            try (Transport transport = c.deployment().clientTransport();
                 FailoverClient client = c.deployment().client(ServerName.of(Demo.A), transport).build()) {
                FileServiceClient files = new FileServiceClient(client);
                files.create(Demo.VOL_A, "log");
                Appender w = new Appender(files);
                Thread writer = Thread.ofPlatform().name("appender").daemon().start(w);
                await(() -> w.acked.size() >= 30, "30 appends acknowledged before the fault");

                target.failLun(1, true);
                long atFault = w.acked.size();
                Path logA = dir.resolve(Demo.A + ".log");
                await(() -> read(logA).contains("stopped on a disk error"), "FilerA saw the disk error and stopped the volume's journal");
                long stalledAt = w.acked.size();
                assertTrue(stalledAt - atFault <= 2, "at most the appends in flight at the fault are acknowledged after it: "
                        + atFault + " -> " + stalledAt);

                target.failLun(1, false);
                await(() -> w.acked.size() >= stalledAt + 30, "30 more appends acknowledged after the LUN came back");
                w.stop.set(true);
                writer.join(60_000);

                String logText = read(logA);
                assertTrue(logText.contains("recovered after a disk error"),
                        "FilerA logged the remount:\n" + tail(logText));
                assertEquals("NORMAL", c.state(Demo.A), "FilerA serves its volume again, itself");
                assertEquals("NORMAL", c.state(Demo.B), "no takeover: the partner cannot reach a failed shared LUN either");
                assertEquals(0, w.errors.get(), "the client saw the outage as slow calls, not errors: " + w.lastError);

                FileReply.ReadData all = files.read(Demo.VOL_A, "log", 0, (int) Math.min(w.acked.size() * RECORD * 2L + 4096, 1 << 20));
                ByteBuffer data = all.data();
                Map<String, Integer> seen = new ConcurrentHashMap<>();
                Map<Long, String> byOffset = new ConcurrentHashMap<>();
                for (int off = 0; off + RECORD <= data.remaining(); off += RECORD) {
                    byte[] r = new byte[RECORD];
                    data.duplicate().position(data.position() + off).get(r);
                    String rec = new String(r, StandardCharsets.US_ASCII);
                    seen.merge(rec, 1, Integer::sum);
                    byOffset.put((long) off, rec);
                }
                seen.forEach((rec, n) -> assertEquals(1, n, "applied twice: " + rec.strip()));
                w.acked.forEach((rec, off) -> assertEquals(rec, byOffset.get(off), "acknowledged append " + rec.strip() + " at " + off));
            }
        }
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private static String tail(String s) {
        return s.length() <= 4000 ? s : s.substring(s.length() - 4000);
    }

    /** Appends fixed-size records, remembering the offset each acknowledgement gave. */
    private static final class Appender implements Runnable {
        final FileServiceClient files;
        final Map<String, Long> acked = new ConcurrentHashMap<>();
        final AtomicLong errors = new AtomicLong();
        final AtomicBoolean stop = new AtomicBoolean();
        volatile String lastError;

        Appender(FileServiceClient files) {
            this.files = files;
        }

        @Override
        public void run() {
            for (int n = 0; !stop.get(); n++) {
                String rec = String.format("r%014d\n", n);
                try {
                    FileReply.Appended a = files.append(Demo.VOL_A, "log", rec.getBytes(StandardCharsets.US_ASCII));
                    acked.put(rec, a.offset());
                } catch (UnderstudyException e) {
                    errors.incrementAndGet();
                    lastError = e.getMessage();
                }
            }
        }
    }
}
