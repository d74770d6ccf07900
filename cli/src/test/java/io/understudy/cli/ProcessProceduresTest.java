package io.understudy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed's procedures between real OS processes: two {@code understudy node} processes on loopback,
 * real TCP, a real hosts file, file-backed disks. The order of the steps of Figs. 4-7 is read from the
 * events the processes and the clients published.
 */
class ProcessProceduresTest {

    @Test
    void theDemoRunsFigures4To7InOrderWithNothingLost() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        Demo.Result r;
        try (Demo demo = new Demo(out, false)) {
            r = demo.run();
        } finally {
            System.out.print(buf.toString(StandardCharsets.UTF_8));
        }
        assertTrue(r.acked() > 100, r.summary());
        assertEquals(r.acked(), r.verified(), r.summary());
        assertEquals(0, r.lost(), r.summary());
        assertEquals(0, r.clientErrors(), r.summary());
        List<String> ev = r.events();

        // Fig. 4 on FilerB after kill -9 of FilerA.
        assertInOrder(of(ev, "FilerB "), "PARTNER_SILENT", "NORMAL -> TAKING_OVER", "DISK_CLAIMED filera-vol0 <B,B>",
                "SECONDARY_PORT_ACTIVATED pDAF", "TAKING_OVER -> IN_TAKEOVER", "SERVING_BOTH_PORTS");
        // Fig. 6 on FilerA's client: break, primary retries, computed name, resolved, secondary port.
        assertInOrder(of(ev, "client(FilerA) "), "CONNECTED_PRIMARY", "CONNECTION_BROKEN", "PRIMARY_RETRY",
                "FAILOVER_NAME_COMPUTED FilerA-failover", "NAME_RESOLVED FilerA-failover -> [127.0.0.12]",
                "CONNECTED_SECONDARY FilerA-failover 127.0.0.12 on pDAF",
                // Fig. 5 closes pDAF; the client goes back to the primary.
                "CONNECTION_BROKEN", "RETURNED_TO_PRIMARY FilerA 127.0.0.11 on DAFS");
        // The revived FilerA waits, and serves only after giveback.
        assertInOrder(of(ev, "FilerA "), "STARTING -> WAITING_FOR_GIVEBACK", "DISKS_RECLAIMED", "DISK_CLAIMED filera-vol0 <A,A>",
                "WAITING_FOR_GIVEBACK -> NORMAL");
        // Fig. 5 on FilerB, in the figure's order.
        assertInOrder(of(ev, "FilerB "), "IN_TAKEOVER -> GIVING_BACK", "SECONDARY_REQUESTS_STOPPED", "OUTSTANDING_REQUESTS_FINISHED",
                "CONSISTENCY_POINT filera-vol0", "SECONDARY_CONNECTIONS_CLOSED", "SECONDARY_PORT_DEACTIVATED",
                "DISK_RELEASED filera-vol0 <U,U>", "GIVING_BACK -> NORMAL");
        // Fig. 7: FilerA takes over FilerB on an operator's command.
        assertInOrder(of(ev, "FilerA "), "PLEASE_SHUTDOWN_SENT", "COUNTDOWN_STARTED", "COUNTDOWN_ENDED", "NORMAL -> TAKING_OVER",
                "DISK_CLAIMED filerb-vol0 <A,A>", "SECONDARY_PORT_ACTIVATED", "TAKING_OVER -> IN_TAKEOVER", "IN_TAKEOVER -> GIVING_BACK",
                "DISK_RELEASED filerb-vol0 <U,U>");
        assertInOrder(of(ev, "FilerB "), "PLEASE_SHUTDOWN_RECEIVED", "NORMAL -> SHUTTING_DOWN", "DISK_RELEASED filerb-vol0 <U,U>",
                "SHUTTING_DOWN -> WAITING_FOR_GIVEBACK", "DISKS_RECLAIMED", "WAITING_FOR_GIVEBACK -> NORMAL");
        assertInOrder(of(ev, "client(FilerB) "), "CONNECTION_BROKEN", "FAILOVER_NAME_COMPUTED FilerB-failover",
                "CONNECTED_SECONDARY FilerB-failover 127.0.0.11 on pDAF", "RETURNED_TO_PRIMARY FilerB 127.0.0.12 on DAFS");
    }

    /**
     * The same demo with the data-access ports on the VI transport (the client connects to discriminator pDAF)
     * and on the ib transport's software verbs over the tcp fabric (RDMA CM port pDAF on the partner).
     */
    @ParameterizedTest
    @ValueSource(strings = {"vi", "ib"})
    void theDemoRunsOverTheViAndIbTransports(String transport) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        Demo.Result r;
        try (Demo demo = new Demo(out, false, new Demo.Options(ProcessCluster.Naming.HOSTS, "file", transport))) {
            r = demo.run();
        } finally {
            System.out.print(buf.toString(StandardCharsets.UTF_8));
        }
        String banner = transport.equals("vi") ? "VI over shared memory" : "InfiniBand software verbs over the tcp fabric";
        assertTrue(buf.toString(StandardCharsets.UTF_8).contains(banner), "the demo did not run over " + transport);
        assertTrue(r.acked() > 100, r.summary());
        assertEquals(r.acked(), r.verified(), r.summary());
        assertEquals(0, r.lost(), r.summary());
        assertEquals(0, r.clientErrors(), r.summary());
        List<String> ev = r.events();
        assertInOrder(of(ev, "FilerB "), "PARTNER_SILENT", "SECONDARY_PORT_ACTIVATED pDAF", "SERVING_BOTH_PORTS");
        assertInOrder(of(ev, "client(FilerA) "), "CONNECTED_PRIMARY", "CONNECTION_BROKEN", "FAILOVER_NAME_COMPUTED FilerA-failover",
                "CONNECTED_SECONDARY FilerA-failover 127.0.0.12 on pDAF", "RETURNED_TO_PRIMARY FilerA 127.0.0.11 on DAFS");
    }

    @Test
    void aCutInterconnectBetweenLiveProcessesLeavesExactlyOneServerPerVolume(@TempDir Path dir) throws Exception {
        List<String> ev = new CopyOnWriteArrayList<>();
        Timeline t = new Timeline(Instant.now(), System.out);
        try (ProcessCluster c = new ProcessCluster(dir, t, ev)) {
            c.start(Demo.A);
            c.start(Demo.B);
            await(() -> c.state(Demo.A).equals("NORMAL") && c.state(Demo.B).equals("NORMAL"), "both NORMAL");
            await(() -> ev.stream().anyMatch(e -> e.startsWith("FilerA")) && c.partnerHeard(Demo.A) && c.partnerHeard(Demo.B), "heartbeats");
            c.admin(Demo.A, "interconnect cut");
            c.admin(Demo.B, "interconnect cut");
            await(() -> c.state(Demo.A).equals("IN_TAKEOVER") && c.state(Demo.B).equals("WAITING_FOR_GIVEBACK")
                    || c.state(Demo.B).equals("IN_TAKEOVER") && c.state(Demo.A).equals("WAITING_FOR_GIVEBACK"),
                    "one node in takeover, the other fenced and waiting");
            String winner = c.state(Demo.A).equals("IN_TAKEOVER") ? Demo.A : Demo.B;
            String loser = winner.equals(Demo.A) ? Demo.B : Demo.A;
            // Stable: a few more detection windows change nothing.
            long until = System.nanoTime() + Duration.ofMillis(1500).toNanos();
            while (System.nanoTime() < until) {
                assertEquals("IN_TAKEOVER", c.state(winner));
                assertEquals("WAITING_FOR_GIVEBACK", c.state(loser));
                LockSupport.parkNanos(100_000_000);
            }
            String status = c.admin(loser, "status");
            assertTrue(status.contains("\"ports\":[]"), "the fenced node listens on nothing: " + status);
            String label = winner.substring(winner.length() - 1);
            assertTrue(c.admin(winner, "status").contains("\"pair\":\"<" + label + "," + label + ">\""), "winner owns both disks");
            assertTrue(ev.stream().anyMatch(e -> e.startsWith(loser + " FENCED") || e.startsWith(loser + " CLAIM_LOST")),
                    "the loser saw itself fenced: " + ev);
        }
    }

    private static List<String> of(List<String> events, String prefix) {
        List<String> out = new ArrayList<>();
        for (String e : events) {
            if (e.startsWith(prefix)) {
                out.add(e.substring(prefix.length()));
            }
        }
        return out;
    }

    private static void assertInOrder(List<String> actual, String... expected) {
        int i = 0;
        for (String s : actual) {
            if (i < expected.length && s.startsWith(expected[i])) {
                i++;
            }
        }
        if (i < expected.length) {
            fail("step '" + expected[i] + "' missing or out of order; expected in order " + List.of(expected) + " within " + actual);
        }
    }

    private static void await(BooleanSupplier c, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what);
            }
            LockSupport.parkNanos(20_000_000);
        }
    }
}
