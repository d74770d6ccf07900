package io.understudy.cli;

import static io.understudy.cli.NetnsPair.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.understudy.testkit.netns.FaultInjector.Injection;
import io.understudy.testkit.netns.Netns;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failover between real hosts on one machine: FilerA, FilerB, a client and a DNS server each in its own
 * network namespace, the data network and the interconnect on separate bridges, and real faults (kill -9, a
 * link set down, the DNS server killed). Every acknowledged write is read back at the end.
 */
class NetnsFailoverTest {

    @BeforeAll
    static void needNamespaces() {
        String why = Netns.availability();
        Assumptions.assumeTrue(why == null, () -> "skipped: " + why);
    }

    /** Fig. 4 and 6 across namespaces: the client resolves FilerA-failover through dnsmasq in the DNS namespace. */
    @Test
    void killNineOfFilerAFailsTheClientOverToFilerBsPdafAcrossNamespaces(@TempDir Path dir) throws Exception {
        try (NetnsPair p = new NetnsPair(dir, true, "client1")) {
            NetnsPair.RemoteClient c = p.startPairWithClientOfA("client1");
            Injection kill = p.faults.kill9(Demo.A, p.cluster.process(Demo.A));
            await(() -> p.cluster.state(Demo.B).equals("IN_TAKEOVER"), "FilerB in takeover");
            await(() -> c.acksAfter(kill.at()) >= 20, "the client writes again, through FilerB");

            assertInOrder(p.eventsOf(Demo.B), "PARTNER_SILENT", "NORMAL -> TAKING_OVER", "DISK_CLAIMED filera-vol0 <B,B>",
                    "SECONDARY_PORT_ACTIVATED pDAF", "TAKING_OVER -> IN_TAKEOVER", "SERVING_BOTH_PORTS");
            String b = p.net.dataAddress(Demo.B);
            assertInOrder(strip(c.steps), "CONNECTED_PRIMARY", "CONNECTION_BROKEN", "FAILOVER_NAME_COMPUTED FilerA-failover",
                    "NAME_RESOLVED FilerA-failover -> [" + b + "]", "CONNECTED_SECONDARY FilerA-failover " + b + " on pDAF");
            String resolved = strip(c.steps).stream().filter(s -> s.startsWith("NAME_RESOLVED")).findFirst().orElseThrow();
            assertTrue(resolved.contains(": dns " + p.dns.server()), "resolved by the DNS server in its namespace: " + resolved);
            assertEquals("ok", c.connect(b, NetnsPair.PDAF), "FilerB's pDAF is open on the data network");
            assertNothingLost(c);
        }
    }

    /**
     * The interconnect link of FilerA goes down (the device, not an admin command) with both nodes alive: each
     * suspects the other, the disk claims arbitrate (the rank-1 node, FilerB, waits the split-brain delay), and
     * exactly one node ends up serving each volume; the loser serves nothing on the data network.
     */
    @Test
    void aCutInterconnectLinkLeavesExactlyOneServerPerVolume(@TempDir Path dir) throws Exception {
        try (NetnsPair p = new NetnsPair(dir, false, "client1")) {
            NetnsPair.RemoteClient c = p.startPairWithClientOfA("client1");
            Injection cut = p.faults.cutInterconnect(Demo.A);
            await(() -> p.has(Demo.A, "NORMAL -> TAKING_OVER") || p.has(Demo.B, "NORMAL -> TAKING_OVER"), "a takeover");
            await(() -> (p.has(Demo.A, "TAKING_OVER -> IN_TAKEOVER") && p.has(Demo.B, "FENCED"))
                    || (p.has(Demo.B, "TAKING_OVER -> IN_TAKEOVER") && p.has(Demo.A, "FENCED")), "one node in takeover, the other fenced");
            String winner = p.has(Demo.A, "TAKING_OVER -> IN_TAKEOVER") ? Demo.A : Demo.B;
            String loser = winner.equals(Demo.A) ? Demo.B : Demo.A;
            assertFalse(p.has(loser, "TAKING_OVER -> IN_TAKEOVER"), "both nodes in takeover: " + p.events);
            await(() -> p.eventsOf(loser).stream().anyMatch(e -> e.contains("-> WAITING_FOR_GIVEBACK")), loser + " waits for giveback");
            await(() -> c.acksAfter(cut.at()) >= 20, "the client writes FilerA's volume after the cut");
            // Under heavy load both nodes can claim each other's disk within the split-brain delay and both end
            // fenced, waiting for a giveback nobody will send (seen with ProcessProceduresTest on a loaded VM).
            assertFalse(p.has(winner, "FENCED"), "engine: both nodes were fenced (mutual preemption), nobody serves: " + p.events);

            String w = p.net.dataAddress(winner);
            String l = p.net.dataAddress(loser);
            assertEquals("refused", c.connect(l, NetnsPair.DAFS), "the fenced " + loser + " serves nothing on DAFS");
            assertEquals("refused", c.connect(l, NetnsPair.PDAF), "the fenced " + loser + " serves nothing on pDAF");
            assertEquals("ok", c.connect(w, NetnsPair.DAFS), winner + " serves its own volume");
            assertEquals("ok", c.connect(w, NetnsPair.PDAF), winner + " serves its partner's volume");
            // Still so after more writes (more detection windows): the loser does not come back on its own.
            c.awaitMoreAcks(20);
            assertEquals("refused", c.connect(l, NetnsPair.DAFS));
            assertEquals(1, p.eventsOf(winner).stream().filter(e -> e.startsWith("TAKING_OVER -> IN_TAKEOVER")).count());
            assertNothingLost(c);
        }
    }

    /**
     * FilerA is cut off the data network (its bridge port is down) while the interconnect is up. The design
     * detects failure only by the partner's heartbeats, which still arrive: FilerB does not take over, and pDAF
     * stays closed, so the client, whose FilerA-failover name leads to a closed port, waits (within its failover
     * budget) until the partition heals and then continues on FilerA. Takeover by data reachability would need a
     * quorum of client views, which the seed does not have. Then the client's own link flaps (a client
     * disconnect): it reconnects to FilerA, still without a takeover.
     */
    @Test
    void aDataPartitionOfFilerAWithTheInterconnectUpCausesNoTakeover(@TempDir Path dir) throws Exception {
        try (NetnsPair p = new NetnsPair(dir, false, "client1")) {
            NetnsPair.RemoteClient c = p.startPairWithClientOfA("client1");
            int stepsBefore = c.steps.size();
            p.faults.partitionData(Demo.A);
            await(() -> strip(c.steps.subList(stepsBefore, c.steps.size())).stream().anyMatch(s -> s.startsWith("FAILOVER_NAME_COMPUTED")),
                    "the client gives up on FilerA and computes FilerA-failover");
            // Three detection windows with the partition in place: nothing changes on the servers.
            long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            while (System.nanoTime() < until) {
                assertEquals("NORMAL", p.cluster.state(Demo.B));
                assertEquals("NORMAL", p.cluster.state(Demo.A));
                LockSupport.parkNanos(200_000_000);
            }
            assertTrue(p.cluster.partnerHeard(Demo.B), "FilerB still hears FilerA over the interconnect");
            assertFalse(p.has(Demo.B, "PARTNER_SILENT"), p.events.toString());
            assertFalse(p.has(Demo.B, "DISK_CLAIMED filera-vol0"), p.events.toString());
            assertFalse(p.has(Demo.A, "FENCED"), p.events.toString());
            assertEquals("refused", c.connect(p.net.dataAddress(Demo.B), NetnsPair.PDAF), "no pDAF without a takeover");
            var heal = p.faults.healData(Demo.A);
            await(() -> c.acksAfter(heal.at()) >= 20, "the client writes through FilerA again after the partition heals");
            // A client disconnect: the client's own link flaps for half a second; it reconnects to FilerA.
            var flapped = p.faults.flap("client1", Duration.ofMillis(500));
            await(() -> c.acksAfter(flapped.at()) >= 20, "the client writes again after its link flapped");
            assertFalse(p.has(Demo.B, "PARTNER_SILENT"), p.events.toString());
            assertNothingLost(c);
        }
    }

    /**
     * The DNS server is killed, then FilerA: the client's DNS lookup of FilerA-failover times out and the
     * resolver chain {@code [dns, hosts]} answers from the hosts file, so failover still completes.
     */
    @Test
    void withTheDnsServerDownFailoverResolvesThroughTheHostsFileFallback(@TempDir Path dir) throws Exception {
        try (NetnsPair p = new NetnsPair(dir, true, "client1")) {
            NetnsPair.RemoteClient c = p.startPairWithClientOfA("client1");
            assertEquals("ok", c.connect(p.net.dataAddress(Netns.DNS), 53), "dnsmasq answers on TCP 53 too");
            p.faults.dnsDown(p.dns.process());
            assertEquals("refused", c.connect(p.net.dataAddress(Netns.DNS), 53), "the DNS server is down");
            Injection kill = p.faults.kill9(Demo.A, p.cluster.process(Demo.A));
            await(() -> c.acksAfter(kill.at()) >= 20, "the client writes again, through FilerB");
            String resolved = strip(c.steps).stream().filter(s -> s.startsWith("NAME_RESOLVED")).findFirst().orElseThrow();
            assertTrue(resolved.toLowerCase(java.util.Locale.ROOT).contains("hosts") && !resolved.contains(": dns "), "resolved from the hosts file with DNS down: " + resolved);
            assertTrue(resolved.contains(p.net.dataAddress(Demo.B)), resolved);
            assertNothingLost(c);
        }
    }

    /**
     * A disk error across namespaces: the disks are LUNs of a tgtd on the storage host (the DNS namespace),
     * reached over the data network. FilerA's LUN fails under the client's writes and comes back: FilerA stops
     * the volume's journal, acknowledges nothing it could not write, nobody takes over, and FilerA remounts the
     * volume when the LUN answers; every acknowledged write reads back and the client saw no error.
     */
    @Test
    void aFailingLunOfFilerALosesNothingAndNobodyTakesOver(@TempDir Path dir) throws Exception {
        IscsiProcessTest.requireIscsi();
        try (NetnsPair p = new NetnsPair(dir, false, true, "client1")) {
            NetnsPair.RemoteClient c = p.startPairWithClientOfA("client1");
            Path logA = dir.resolve(Demo.A + ".log");
            p.storage.failLun(1, true);
            p.timeline.now("inject", "LUN 1 (filera-vol0) failing");
            await(() -> read(logA).contains("stopped on a disk error"), "FilerA stopped the volume's journal on the disk error");
            p.storage.failLun(1, false);
            java.time.Instant back = java.time.Instant.now();
            p.timeline.now("inject", "LUN 1 (filera-vol0) back");
            await(() -> c.acksAfter(back) >= 20, "the client writes again, through FilerA");
            assertTrue(read(logA).contains("recovered after a disk error"), "FilerA remounted the volume");
            assertEquals("NORMAL", p.cluster.state(Demo.A), "FilerA serves its volume itself");
            assertEquals("NORMAL", p.cluster.state(Demo.B), "no takeover: the partner cannot reach a failed shared LUN either");
            assertTrue(p.eventsOf(Demo.B).stream().noneMatch(e -> e.startsWith("SECONDARY_PORT_ACTIVATED")), p.eventsOf(Demo.B).toString());
            assertNothingLost(c);
        }
    }

    private static String read(Path p) {
        try {
            return java.nio.file.Files.exists(p) ? java.nio.file.Files.readString(p) : "";
        } catch (java.io.IOException e) {
            return "";
        }
    }

    static void assertNothingLost(NetnsPair.RemoteClient c) {
        String v = c.stopAndVerify();
        assertEquals("verified " + c.acked.size() + " lost 0", v, "every acknowledged write reads back");
        assertTrue(c.errors.isEmpty(), "the client saw errors: " + c.errors);
    }

    /** Client steps without the {@code client(FilerA) } prefix. */
    static List<String> strip(List<String> steps) {
        return steps.stream().map(s -> s.startsWith("client(") ? s.substring(s.indexOf(' ') + 1) : s).toList();
    }

    static void assertInOrder(List<String> actual, String... expected) {
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
}
