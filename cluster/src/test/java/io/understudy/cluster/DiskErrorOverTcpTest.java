package io.understudy.cluster;

import static io.understudy.cluster.Pair.A_DISK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.DataAccessPort;
import io.understudy.api.ErrorCode;
import io.understudy.api.ServerName;
import io.understudy.api.UnderstudyException;
import io.understudy.api.spi.ProviderContext;
import io.understudy.client.FailoverClient;
import io.understudy.naming.hosts.HostsFileResolverProvider;
import io.understudy.naming.hosts.HostsOptions;
import io.understudy.transport.tcp.TcpTransportProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A disk error through the engine and a real client: the node answers {@code NOT_SERVING} (never an
 * application error the client would report as "not applied"), remounts the volume, and the client's re-send
 * of the same sequence is answered from the reply cache, so the append whose record reached the disk is
 * acknowledged once and applied once.
 */
class DiskErrorOverTcpTest {

    @TempDir
    Path dir;

    @Test
    void aDiskErrorAfterTheRecordLandedIsAnsweredOnceAfterTheRemount() throws Exception {
        Path hosts = dir.resolve("hosts");
        Files.writeString(hosts, "127.0.0.11 FilerA\n127.0.0.12 FilerB\n127.0.0.12 FilerA-failover\n");
        Files.createDirectories(dir.resolve("disks"));
        AppendApp app = new AppendApp();
        AtomicBoolean armed = new AtomicBoolean();
        JournalFaults faults = (point, d) -> {
            if (point == JournalFaults.Point.AFTER_FORCE && armed.compareAndSet(true, false)) {
                throw new UnderstudyException(ErrorCode.DISK_IO, "disk " + d + ": I/O error reported after the force");
            }
        };
        try (Pair pair = new Pair(dir.resolve("disks"))) {
            pair.a.services = () -> JournaledVolumeService.builder().application(app).faults(faults)
                    .checkpointSlotBytes(128 * 1024).halfBytes(8 * 1024).maxReplyBytes(64).checkpointInterval(Duration.ZERO)
                    .diskRetry(Duration.ofMillis(10), Duration.ofMillis(50), 100).build();
            pair.b.services = () -> JournaledVolumeService.builder().application(new AppendApp())
                    .checkpointSlotBytes(128 * 1024).halfBytes(8 * 1024).maxReplyBytes(64).checkpointInterval(Duration.ZERO).build();
            pair.start();
            pair.heartbeatUntilHeard();
            try (FailoverClient client = FailoverClient.builder().server(ServerName.of("FilerA"))
                    .transport(new TcpTransportProvider(), ProviderContext.builder()
                            .portNumbers(Map.of(DataAccessPort.DAFS, pair.dafs, DataAccessPort.PDAF, pair.pdaf)).build())
                    .resolver(new HostsFileResolverProvider(), ProviderContext.builder().option(HostsOptions.FILE, hosts)
                            .option(HostsOptions.CHECK_INTERVAL, Duration.ZERO).build())
                    .retryBackoff(Duration.ofMillis(5)).maxBackoff(Duration.ofMillis(40)).random(new SplittableRandom(1))
                    .connectTimeout(Duration.ofSeconds(1)).failoverBudget(Duration.ofSeconds(30)).build()) {
                assertEquals("0", AppendApp.text(client.call(AppendApp.utf8("append a0 x1"))));
                armed.set(true);
                assertEquals("1", AppendApp.text(client.call(AppendApp.utf8("append a0 x2"))),
                        "the re-send after the disk error gets the first run's reply");
                assertEquals("2", AppendApp.text(client.call(AppendApp.utf8("append a0 x3"))));
                assertTrue(client.metrics().breaks() >= 1, "the NOT_SERVING answer was a break: " + client.metrics());
            }
            JournaledVolumeService svc = (JournaledVolumeService) pair.a.service;
            assertEquals(1, svc.health(A_DISK).recoveries(), "remounted once: " + svc.health(A_DISK));
            assertTrue(svc.counters(A_DISK)[3] >= 1, "x2's re-send was answered from the reply cache");
            assertEquals(List.of("x1", "x2", "x3"), app.lists.get(A_DISK), "each append once");
        }
    }
}
