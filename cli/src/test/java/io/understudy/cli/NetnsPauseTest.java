package io.understudy.cli;

import static io.understudy.cli.NetnsFailoverTest.assertNothingLost;
import static io.understudy.cli.NetnsPair.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.testkit.netns.FaultInjector.Injection;
import io.understudy.testkit.netns.Netns;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pauses (issue 9, part 4): a node process stopped with SIGSTOP, as a long garbage-collection pause would, in
 * its own network namespace. Detection is {@code 100ms × 10} = 1 s. A pause well inside the window must never
 * cause a takeover; a pause longer than the window causes one, and the paused node, when it runs again, finds
 * itself fenced and stops serving, with no acknowledged write lost.
 */
class NetnsPauseTest {

    /** Well inside the 1 s detection window, with margin for a noisy 2-core machine. */
    static final Duration SHORT = Duration.ofMillis(300);

    @BeforeAll
    static void needNamespaces() {
        String why = Netns.availability();
        Assumptions.assumeTrue(why == null, () -> "skipped: " + why);
    }

    @Test
    void pausesShorterThanTheDetectionWindowNeverCauseATakeover(@TempDir Path dir) throws Exception {
        try (NetnsPair p = new NetnsPair(dir, false, "client1")) {
            NetnsPair.RemoteClient c = p.startPairWithClientOfA("client1");
            for (String node : List.of(Demo.A, Demo.B, Demo.A, Demo.B, Demo.A)) {
                Injection resumed = p.faults.pauseFor(node, p.cluster.process(node), SHORT);
                // Both serve again and hear each other before the next pause.
                await(() -> c.acksAfter(resumed.at()) >= 5, "the client writes again after the pause of " + node);
                await(() -> p.cluster.partnerHeard(Demo.A) && p.cluster.partnerHeard(Demo.B), "heartbeats after the pause");
            }
            // A late suspicion would show within one more detection window of the last pause; the client's
            // writes and both nodes' status outlast it.
            c.awaitMoreAcks(40);
            for (String node : List.of(Demo.A, Demo.B)) {
                assertEquals("NORMAL", p.cluster.state(node), node);
                String partnerDisk = node.equals(Demo.A) ? "filerb-vol0" : "filera-vol0";
                for (String step : List.of("PARTNER_SILENT", "DISK_CLAIMED " + partnerDisk, "NORMAL -> TAKING_OVER", "FENCED", "CLAIM_LOST")) {
                    assertFalse(p.has(node, step), node + " logged " + step + " after short pauses: " + p.eventsOf(node));
                }
            }
            assertTrue(NetnsFailoverTest.strip(c.steps).stream().noneMatch(s -> s.startsWith("FAILOVER_NAME_COMPUTED")),
                    "the client never failed over: " + c.steps);
            assertNothingLost(c);
        }
    }

    @Test
    void aPauseLongerThanTheWindowCausesATakeoverAndTheWokenNodeIsFencedAndStopsServing(@TempDir Path dir) throws Exception {
        try (NetnsPair p = new NetnsPair(dir, false, "client1")) {
            NetnsPair.RemoteClient c = p.startPairWithClientOfA("client1");
            Process a = p.cluster.process(Demo.A);
            Injection paused = p.faults.pause(Demo.A, a);
            Injection resumed;
            try {
                // The pause lasts until FilerB has taken over: longer than the window, by construction.
                await(() -> p.has(Demo.B, "TAKING_OVER -> IN_TAKEOVER"), "FilerB takes over the paused FilerA");
            } finally {
                resumed = p.faults.resume(Demo.A, a);
            }
            timeline(p, "FilerA was paused " + Duration.between(paused.at(), resumed.at()).toMillis() + " ms");
            assertTrue(Duration.between(paused.at(), resumed.at()).toMillis() >= 1000, "the pause outlasted the 1 s window");

            await(() -> p.has(Demo.A, "FENCED"), "FilerA finds itself fenced when it runs again");
            await(() -> p.cluster.state(Demo.A).equals("WAITING_FOR_GIVEBACK"), "FilerA waits for giveback");
            String fenced = p.eventsOf(Demo.A).stream().filter(e -> e.startsWith("FENCED")).findFirst().orElseThrow();
            List<String> afterFence = p.eventsOf(Demo.A).subList(p.eventsOf(Demo.A).indexOf(fenced), p.eventsOf(Demo.A).size());
            assertTrue(afterFence.stream().noneMatch(e -> e.startsWith("DISK_CLAIMED") || e.startsWith("SECONDARY_PORT_ACTIVATED")),
                    "the fenced FilerA claims nothing back: " + afterFence);
            assertTrue(p.cluster.admin(Demo.A, "status").contains("\"ports\":[]"), "the fenced FilerA listens on nothing");
            assertEquals("refused", c.connect(p.net.dataAddress(Demo.A), NetnsPair.DAFS), "FilerA's DAFS refuses after waking");
            assertEquals("IN_TAKEOVER", p.cluster.state(Demo.B));

            await(() -> c.acksAfter(resumed.at()) >= 20, "the client writes after FilerA woke, through FilerB");
            assertTrue(NetnsFailoverTest.strip(c.steps).stream().anyMatch(s -> s.startsWith("CONNECTED_SECONDARY FilerA-failover")),
                    "the client is on FilerB's pDAF: " + c.steps);
            // Every write acknowledged before, during and after the pause (by whichever node) reads back through FilerB.
            assertNothingLost(c);
        }
    }

    private static void timeline(NetnsPair p, String what) {
        p.timeline.now("test", what);
    }
}
