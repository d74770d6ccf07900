package io.understudy.testkit.netns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The namespace harness against the real kernel: reachability, isolation, injected link faults, teardown. */
class NetnsTest {

    @BeforeAll
    static void needNamespaces() {
        String why = Netns.availability();
        Assumptions.assumeTrue(why == null, () -> "skipped: " + why);
    }

    /**
     * {@return whether a TCP connect from the host to the address gets an answer} Port 9 has no listener, so a
     * reachable host answers with a reset at once ("refused"); an unreachable one gives no answer within 1 s.
     */
    private static boolean reaches(Netns n, String host, String address) throws Exception {
        Process p = n.exec(host, "timeout", "1", "bash", "-c", "exec 3<>/dev/tcp/" + address + "/9");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out.contains("refused");
    }

    /**
     * After a link comes back, the first connection attempt can still time out (the kernel retries a neighbour
     * entry that failed during the cut), so a restored path is awaited with a bound rather than probed once.
     */
    private static boolean reachesWithin(Netns n, String host, String address, Duration bound) throws Exception {
        long until = System.nanoTime() + bound.toNanos();
        do {
            if (reaches(n, host, address)) {
                return true;
            }
        } while (System.nanoTime() < until);
        return false;
    }

    @Test
    void hostsMeetOnTheDataNetworkAndOnlyNodesOnTheInterconnect() throws Exception {
        try (Netns n = Netns.start(Netns.Topology.pair("client1"))) {
            assertEquals(List.of("FilerA", "FilerB", "client1", "dns"), n.hosts());
            assertTrue(n.namespace("FilerA").startsWith(n.prefix() + "-"));
            assertTrue(reaches(n, "client1", n.dataAddress("FilerA")), "client reaches FilerA on the data network");
            assertTrue(reaches(n, "FilerA", n.interconnectAddress("FilerB")), "FilerA reaches FilerB on the interconnect");
            assertFalse(reaches(n, "client1", n.interconnectAddress("FilerA")), "a client is not on the interconnect");
            assertTrue(n.run("client1", "ip", "-o", "link", "show", "lo").contains("UP"), "loopback is up");
            assertThrows(IllegalArgumentException.class, () -> n.interconnectAddress("client1"));
            assertThrows(IllegalArgumentException.class, () -> n.dataAddress("nobody"));
        }
    }

    @Test
    void injectedLinkFaultsAreRealAndLogged() throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (Netns n = Netns.start(Netns.Topology.pair("client1"))) {
            FaultInjector f = new FaultInjector(n, new PrintStream(log, true, StandardCharsets.UTF_8));
            f.cutInterconnect("FilerA");
            assertFalse(reaches(n, "FilerB", n.interconnectAddress("FilerA")), "interconnect cut");
            assertTrue(reaches(n, "FilerB", n.dataAddress("FilerA")), "the data network is untouched by an interconnect cut");
            f.restoreInterconnect("FilerA");
            assertTrue(reachesWithin(n, "FilerB", n.interconnectAddress("FilerA"), Duration.ofSeconds(15)), "interconnect restored");

            f.partitionData("FilerA");
            assertFalse(reaches(n, "client1", n.dataAddress("FilerA")), "FilerA partitioned from the client");
            assertTrue(reaches(n, "FilerB", n.interconnectAddress("FilerA")), "the interconnect is untouched by a data partition");
            f.healData("FilerA");
            assertTrue(reachesWithin(n, "client1", n.dataAddress("FilerA"), Duration.ofSeconds(15)), "partition healed");

            f.flap("client1", Duration.ofMillis(200));
            assertTrue(reachesWithin(n, "client1", n.dataAddress("FilerA"), Duration.ofSeconds(15)), "the client's link is back after the flap");

            Process sleeper = n.exec("client1", "sleep", "600");
            f.pause("sleeper", sleeper);
            long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (!state(sleeper).equals("T") && System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            assertEquals("T", state(sleeper), "SIGSTOP stopped the process");
            f.resume("sleeper", sleeper);
            f.kill9("sleeper", sleeper);
            assertFalse(sleeper.isAlive());

            List<String> kinds = f.injections().stream().map(FaultInjector.Injection::fault).toList();
            assertEquals(List.of("interconnect-cut", "interconnect-restored", "data-partition", "data-healed",
                    "data-partition", "data-healed", "link-flapped", "pause", "resume", "kill-9"), kinds);
            assertTrue(log.toString(StandardCharsets.UTF_8).contains("fault "), log.toString(StandardCharsets.UTF_8));
        }
    }

    private static String state(Process p) throws java.io.IOException {
        String stat = Files.readString(java.nio.file.Path.of("/proc/" + p.pid() + "/stat"));
        return stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    }

    @Test
    void delayAndLossSayWhyWhenNetemIsMissing() {
        String why = Netns.netemAvailability();
        try (Netns n = Netns.start(new Netns.Topology(List.of(), List.of("c1"), false))) {
            FaultInjector f = new FaultInjector(n, null);
            if (why != null) {
                UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> f.delay("c1", Duration.ofMillis(50)));
                assertEquals(why, e.getMessage());
                assertThrows(UnsupportedOperationException.class, () -> f.loss("c1", 10));
            } else {
                f.delay("c1", Duration.ofMillis(50));
                assertTrue(n.run("c1", "tc", "qdisc", "show", "dev", "data0").contains("netem"));
                f.clearNetem("c1");
            }
        }
    }

    @Test
    void closeRemovesEverythingAndStaleLeftoversOfDeadOwnersAreCleaned() throws Exception {
        Netns n = Netns.start(Netns.Topology.pair("client1"));
        String prefix = n.prefix();
        n.close();
        n.close();
        assertTrue(Netns.namespaces().stream().noneMatch(s -> s.startsWith(prefix)), "namespaces removed");
        assertTrue(Netns.links().stream().noneMatch(s -> s.startsWith(prefix)), "links removed");

        // A leftover of a run whose JVM died: a namespace and a bridge with an id no live process owns.
        String stale = "us" + "dead" + Integer.toHexString(0x10 + (int) (Math.random() * 0xef));
        new ProcessBuilder("ip", "netns", "add", stale + "-FilerA").start().waitFor();
        new ProcessBuilder("ip", "link", "add", stale + "b", "type", "bridge").start().waitFor();
        Files.createDirectories(Netns.OWNERS);
        Files.writeString(Netns.OWNERS.resolve(stale.substring(2)), "999999999");
        try (Netns fresh = Netns.start(new Netns.Topology(List.of(), List.of("c1"), false))) {
            assertTrue(Netns.namespaces().stream().noneMatch(s -> s.startsWith(stale)), "stale namespace removed");
            assertTrue(Netns.links().stream().noneMatch(s -> s.startsWith(stale)), "stale bridge removed");
            assertTrue(Netns.namespaces().contains(fresh.namespace("c1")));
        }
    }

    @Test
    void badTopologiesAreRefusedWithTheReason() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Netns.Topology(List.of("FilerA", "filera"), List.of(), false));
        assertTrue(e.getMessage().contains("twice"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Netns.Topology(List.of("a b"), List.of(), false));
        assertTrue(e.getMessage().contains("'a b'"), e.getMessage());
    }
}
