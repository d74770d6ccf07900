package io.understudy.cluster;

import static io.understudy.cluster.Pair.A_DISK;
import static io.understudy.cluster.Pair.B_DISK;
import static io.understudy.cluster.Pair.assertInOrder;
import static io.understudy.cluster.Pair.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.DataAccessPort;
import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.api.event.NodeState;
import io.understudy.api.event.NodeStep;
import io.understudy.api.ownership.DiskIo;
import io.understudy.session.Frame;
import io.understudy.session.Status;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed's procedures (Figs. 4, 5, 7) on two engines in one JVM, over a real data transport (TCP, or the
 * VI emulation) and real file-backed disks, with the interconnect on TCP and time driven by a manual clock.
 * The order of steps is asserted from the events. Subclasses choose the data transport.
 */
abstract class NodeEngineProcedureTest {

    /** {@return the data transport's provider id} */
    abstract String dataTransport();


    static final DataAccessPort DAFS = DataAccessPort.DAFS;
    static final DataAccessPort PDAF = DataAccessPort.PDAF;

    @TempDir
    Path dir;
    Pair pair;

    @BeforeEach
    void start() throws Exception {
        pair = new Pair(dir, dataTransport()).start();
    }

    @AfterEach
    void stop() {
        pair.close();
    }

    @Test
    void bootServesOwnDisksOnThePrimaryPortOnly() {
        assertEquals(NodeState.NORMAL, pair.a.engine.state());
        assertEquals(NodeState.NORMAL, pair.b.engine.state());
        assertInOrder(pair.a.steps(), "STARTING", "DISK_CLAIMED", "NORMAL");
        assertEquals("<A,A>", pair.a.ownership.state(A_DISK).pair());
        assertEquals("<B,B>", pair.b.ownership.state(B_DISK).pair());
        assertEquals("ok", pair.a.ok(DAFS, "put a0 1 hello"));
        assertEquals("hello", pair.a.ok(DAFS, "get a0 1"));
        assertTrue(pair.a.refuses(PDAF), "pDAF must refuse connections until takeover");
        Frame wrongVolume = pair.a.request(DAFS, "get b0 1");
        assertEquals(Status.APPLICATION_ERROR, wrongVolume.status());
    }

    @Test
    void fig4TakeoverAfterMissedHeartbeats() throws Exception {
        pair.heartbeatUntilHeard();
        pair.a.ok(DAFS, "put a0 3 before-the-crash");
        DiskIo staleWriter = pair.a.ownership.open(A_DISK);
        pair.a.crashLeavingTheHostSilent(); // silence only: the host does not refuse, as a hung host would not

        pair.clock.advance(Duration.ofMillis(300));
        pair.b.engine.tick();
        assertEquals(NodeState.NORMAL, pair.b.engine.state(), "a silence shorter than the window must not cause a takeover");

        pair.silenceLongerThanWindow();
        pair.b.engine.tick(); // B is the second node: this tick starts the split-brain delay
        pair.clock.advance(Duration.ofMillis(300));
        pair.b.engine.tick();
        assertEquals(NodeState.IN_TAKEOVER, pair.b.engine.state());
        assertInOrder(pair.b.steps(), "PARTNER_SILENT", "TAKING_OVER", "DISK_CLAIMED", "SECONDARY_PORT_ACTIVATED",
                "IN_TAKEOVER", "SERVING_BOTH_PORTS");
        assertEquals("<B,B>", pair.b.ownership.state(A_DISK).pair());

        // The partner's clients are served on pDAF, with the data the failed node acknowledged.
        assertEquals("before-the-crash", pair.b.ok(PDAF, "get a0 3"));
        assertEquals("ok", pair.b.ok(PDAF, "put a0 4 after"));
        assertEquals("ok", pair.b.ok(DAFS, "put b0 1 own"));
        // The failed node is fenced: its writes fail at the disk.
        UnderstudyException fenced = assertThrows(UnderstudyException.class, () -> staleWriter.write(0, ByteBuffer.allocate(8)));
        assertEquals(ErrorCode.FENCED, fenced.code());
        staleWriter.close();
    }

    @Test
    void aPartnerWhoseHostRefusesIsDetectedBeforeTheWindowAndWithoutTheSplitBrainDelay() {
        pair.heartbeatUntilHeard();
        pair.a.ok(DAFS, "put a0 3 before-the-crash");
        pair.a.crash(); // the process is gone: its host refuses connections to the interconnect port
        long start = pair.clock.nanoTime();
        // Each tick sends a heartbeat (the first may still go into the dead connection); wait for a refusal.
        waitFor(() -> {
            pair.b.engine.tick();
            return pair.b.engine.partnerRefusals() >= 1;
        }, "B's heartbeat to the crashed A is refused");
        assertEquals(NodeState.NORMAL, pair.b.engine.state(), "one refusal is not enough");
        pair.clock.advance(Duration.ofMillis(100));
        waitFor(() -> {
            pair.b.engine.tick();
            return pair.b.engine.partnerRefusals() >= 2 || pair.b.engine.state() != NodeState.NORMAL;
        }, "a second refusal, one interval later");
        pair.b.engine.tick();
        assertEquals(NodeState.IN_TAKEOVER, pair.b.engine.state(), "B (rank 1) takes over on the refusals");
        long took = Duration.ofNanos(pair.clock.nanoTime() - start).toMillis();
        assertTrue(took < 500, "detected after " + took + " ms of clock, before the 500 ms window");
        String silent = pair.b.events.stream().filter(e -> e instanceof NodeStep st && st.step() == NodeStep.Step.PARTNER_SILENT)
                .map(e -> ((NodeStep) e).detail()).findFirst().orElseThrow();
        assertTrue(silent.contains("refused") && silent.contains("process is gone"), silent);
        assertEquals("before-the-crash", pair.b.ok(PDAF, "get a0 3"));
    }

    @Test
    void iAmFailingSkipsTheDetectionWait() {
        pair.heartbeatUntilHeard();
        pair.a.engine.fail("disk controller error");
        waitFor(() -> pair.b.engine.state() == NodeState.IN_TAKEOVER, "B takes over without the clock moving");
        assertInOrder(pair.b.steps(), "PARTNER_FAILING", "TAKING_OVER", "DISK_CLAIMED", "SECONDARY_PORT_ACTIVATED", "IN_TAKEOVER");
        assertEquals(NodeState.DOWN, pair.a.engine.state());
    }

    @Test
    void iAmFailingHoldsLateRequestsUntilThePartnerServesAndHintsTheFailoverName() throws Exception {
        // The running request is waited for (real time) at most takeoverCountdown: far more than this test needs,
        // even on a loaded machine. The hold's own bound runs on the test clock, which does not move.
        pair.a.crash();
        pair.a.tweak = s -> s.withTiming(s.heartbeatInterval(), s.missedHeartbeats(), Duration.ofSeconds(30),
                s.givebackTimeout(), s.splitBrainDelay());
        pair.a.start();
        pair.heartbeatUntilHeard();
        try (var late = pair.a.open(DAFS)) {
            pair.a.app.blocker = new CountDownLatch(1);
            CompletableFuture<Frame> slow = CompletableFuture.supplyAsync(() -> pair.a.request(DAFS, "block a0"));
            assertTrue(pair.a.app.blockedEntered.await(5, TimeUnit.SECONDS));
            // Not on the common pool: on two cores its one thread is busy with the blocked request.
            CompletableFuture<Void> failing = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                pair.a.engine.fail("disk controller error");
                failing.complete(null);
            });
            waitFor(() -> pair.b.engine.state() == NodeState.IN_TAKEOVER, "B takes over on I am failing");
            long refused = pair.a.engine.status().notServing();
            CompletableFuture<Frame> held = Pair.Node.send(late, 1, "put a0 6 sent-while-failing");
            waitFor(() -> pair.a.engine.status().notServing() > refused, "the late request reached the closed gate");
            assertFalse(held.isDone(), "held while A finishes what runs");

            pair.a.app.blocker.countDown();
            slow.get(5, TimeUnit.SECONDS);
            failing.get(10, TimeUnit.SECONDS);
            assertEquals(NodeState.DOWN, pair.a.engine.state());
            Frame reply = held.get(10, TimeUnit.SECONDS);
            assertEquals(Status.NOT_SERVING, reply.status());
            assertEquals(Frame.Hint.FAILOVER, reply.hint());
            assertFalse(pair.a.app.handled.contains("put a0 6 sent-while-failing"), "A never ran the held request");
            assertTrue(pair.a.refuses(DAFS), "a failed node accepts no new connection");
        }
        assertEquals("ok", pair.b.ok(PDAF, "put a0 6 sent-while-failing"));
        assertEquals("sent-while-failing", pair.b.ok(PDAF, "get a0 6"));
    }

    @Test
    void iAmFailingThatThePartnerDoesNotHearClosesTheConnectionsAtOnce() throws Exception {
        pair.heartbeatUntilHeard();
        try (var open = pair.a.open(DAFS)) {
            pair.a.engine.cutInterconnect(true);
            pair.a.engine.fail("test");
            assertEquals(NodeState.DOWN, pair.a.engine.state());
            // No hand-over without a partner to hand over to: the connection is closed, nothing is held.
            UnderstudyException closed = assertThrows(UnderstudyException.class, () -> open.receive(Duration.ofSeconds(10)));
            assertTrue(closed.code() == ErrorCode.CLOSED || closed.code() == ErrorCode.TRANSPORT_IO, closed.toString());
        }
    }

    @Test
    void fig5GivebackInOrderAndTheRevivedNodeWaitsUntilThen() throws Exception {
        pair.heartbeatUntilHeard();
        pair.a.engine.fail("test");
        waitFor(() -> pair.b.engine.state() == NodeState.IN_TAKEOVER, "takeover");
        pair.b.ok(PDAF, "put a0 7 written-during-takeover");
        pair.a.crash();

        // The revived node finds its disk held by the partner and must not serve.
        pair.a.start();
        assertEquals(NodeState.WAITING_FOR_GIVEBACK, pair.a.engine.state());
        assertTrue(pair.a.refuses(DAFS), "a node waiting for giveback must not serve");
        pair.a.engine.tick();
        assertEquals(NodeState.WAITING_FOR_GIVEBACK, pair.a.engine.state());

        assertEquals(NodeState.NORMAL, pair.b.engine.giveback().get(10, TimeUnit.SECONDS));
        assertInOrder(pair.b.steps(), "GIVING_BACK", "SECONDARY_REQUESTS_STOPPED", "OUTSTANDING_REQUESTS_FINISHED",
                "CONSISTENCY_POINT", "SECONDARY_CONNECTIONS_CLOSED", "SECONDARY_PORT_DEACTIVATED", "DISK_RELEASED", "NORMAL");
        assertTrue(pair.b.refuses(PDAF), "pDAF is deactivated after giveback");
        assertTrue(pair.b.app.calls.indexOf("cp a0") < pair.b.app.calls.lastIndexOf("unmount a0"), pair.b.app.calls.toString());

        waitFor(() -> {
            pair.a.engine.tick();
            return pair.a.engine.state() == NodeState.NORMAL;
        }, "A reclaims its disk after giveback");
        assertInOrder(pair.a.steps(), "WAITING_FOR_GIVEBACK", "DISKS_RECLAIMED", "DISK_CLAIMED", "NORMAL");
        assertEquals("<A,A>", pair.a.ownership.state(A_DISK).pair());
        assertEquals("written-during-takeover", pair.a.ok(DAFS, "get a0 7"));
    }

    @Test
    void whenTheNodeInTakeoverDiesTheWaitingNodeTakesOverEverything() {
        pair.heartbeatUntilHeard();
        pair.a.engine.fail("test");
        waitFor(() -> pair.b.engine.state() == NodeState.IN_TAKEOVER, "B takes over A");
        pair.b.ok(PDAF, "put a0 5 written-by-b-for-a");
        pair.b.ok(DAFS, "put b0 6 b-own");
        pair.a.crash();
        pair.a.start();
        assertEquals(NodeState.WAITING_FOR_GIVEBACK, pair.a.engine.state());
        pair.heartbeatUntilHeard();

        pair.b.crash(); // B dies holding both disks
        pair.silenceLongerThanWindow();
        pair.a.engine.tick();
        assertEquals(NodeState.IN_TAKEOVER, pair.a.engine.state());
        assertInOrder(pair.a.steps(), "WAITING_FOR_GIVEBACK", "PARTNER_SILENT", "TAKING_OVER", "DISK_CLAIMED", "DISK_CLAIMED",
                "SECONDARY_PORT_ACTIVATED", "IN_TAKEOVER");
        assertEquals("<A,A>", pair.a.ownership.state(A_DISK).pair());
        assertEquals("<A,A>", pair.a.ownership.state(B_DISK).pair());
        assertEquals("written-by-b-for-a", pair.a.ok(DAFS, "get a0 5"));
        assertEquals("b-own", pair.a.ok(PDAF, "get b0 6"));
    }

    @Test
    void aNodeFencedEarlierInTheSameProcessStillTakesOverWhenThePartnerDies() throws Exception {
        // B takes A's disk while A lives (a cut link): A is fenced on a0, in this very process.
        secondNodeTakesOverOverACutLink();
        pair.a.engine.tick();
        assertEquals(NodeState.WAITING_FOR_GIVEBACK, pair.a.engine.state());
        pair.b.ok(PDAF, "put a0 7 written-by-b");
        // The link comes back; then B dies holding both disks. A's fence on a0 predates its decision: stale.
        pair.a.engine.cutInterconnect(false);
        pair.b.engine.cutInterconnect(false);
        pair.heartbeatUntilHeard();
        pair.b.crashLeavingTheHostSilent();
        // A heartbeat B sent just before it died can still be in flight and land after the clock moved on;
        // silence counts from the last one heard, so the window is passed again until A acts (at most 3 times).
        for (int i = 0; i < 3 && pair.a.engine.state() == NodeState.WAITING_FOR_GIVEBACK; i++) {
            pair.silenceLongerThanWindow();
            pair.a.engine.tick();
        }
        assertEquals(NodeState.IN_TAKEOVER, pair.a.engine.state(), pair.a.steps().toString());
        assertEquals("<A,A>", pair.a.ownership.state(A_DISK).pair());
        assertEquals("<A,A>", pair.a.ownership.state(B_DISK).pair());
        assertEquals("written-by-b", pair.a.ok(DAFS, "get a0 7"));
    }

    @Test
    void crossedClaimsTheFirstNodeTakesItsOwnDiskBackAndServesBoth() {
        firstNodeTakesOverOverACutLink();
        // B decided too, and its claim crossed A's: it preempted a0 after A had checked its own disks.
        assertTrue(pair.b.ownership.preempt(A_DISK, Pair.A) instanceof io.understudy.api.ownership.ClaimResult.Acquired);
        pair.a.engine.tick();
        assertEquals(NodeState.IN_TAKEOVER, pair.a.engine.state(), pair.a.steps().toString());
        assertTrue(pair.a.steps().contains("FENCED"), "A noticed the crossed claim: " + pair.a.steps());
        assertEquals("<A,A>", pair.a.ownership.state(A_DISK).pair(), "A took its own disk back");
        assertEquals("<A,A>", pair.a.ownership.state(B_DISK).pair());
        assertEquals("ok", pair.a.ok(DAFS, "put a0 1 after-the-cross"));
        assertEquals("ok", pair.a.ok(PDAF, "put b0 1 for-b"));
        pair.b.engine.tick();
        assertEquals(NodeState.WAITING_FOR_GIVEBACK, pair.b.engine.state(), "B, fenced on both, serves nothing");
        assertTrue(pair.b.refuses(DAFS));
    }

    @Test
    void crossedClaimsTheSecondNodeReleasesWhatItTookAndWaits() {
        secondNodeTakesOverOverACutLink();
        // A decided too, and its claim crossed B's: it preempted b0 after B had checked its own disks.
        assertTrue(pair.a.ownership.preempt(B_DISK, Pair.B) instanceof io.understudy.api.ownership.ClaimResult.Acquired);
        pair.b.engine.tick();
        assertEquals(NodeState.WAITING_FOR_GIVEBACK, pair.b.engine.state(), pair.b.steps().toString());
        assertTrue(pair.b.ownership.state(A_DISK).unowned(), "B released A's disk: " + pair.b.ownership.state(A_DISK));
        assertTrue(pair.b.refuses(DAFS) && pair.b.refuses(PDAF));
    }

    @Test
    void aFencedLoserDoesNotPreemptBackWhileTheLinkStaysCut() {
        pair.heartbeatUntilHeard();
        pair.a.engine.cutInterconnect(true);
        pair.b.engine.cutInterconnect(true);
        pair.silenceLongerThanWindow();
        pair.b.engine.tick();
        pair.a.engine.tick();
        pair.clock.advance(Duration.ofMillis(300));
        pair.b.engine.tick();
        assertEquals(NodeState.WAITING_FOR_GIVEBACK, pair.b.engine.state());
        for (int i = 0; i < 5; i++) {
            pair.silenceLongerThanWindow();
            pair.b.engine.tick();
            pair.a.engine.tick();
        }
        assertEquals(NodeState.WAITING_FOR_GIVEBACK, pair.b.engine.state(), "no ping-pong: the loser stays out");
        // Not even an attempt: with real SCSI-3 a fenced node may register again, so the engine must not try.
        java.util.List<String> b = pair.b.steps();
        assertFalse(b.subList(b.indexOf("FENCED"), b.size()).contains("TAKING_OVER"), b.toString());
        assertEquals(NodeState.IN_TAKEOVER, pair.a.engine.state());
        assertEquals("<A,A>", pair.a.ownership.state(B_DISK).pair());
    }

    @Test
    void givebackWaitsForOutstandingRequestsAndIsAbandonedOnTimeout() throws Exception {
        pair.heartbeatUntilHeard();
        pair.a.engine.fail("test");
        waitFor(() -> pair.b.engine.state() == NodeState.IN_TAKEOVER, "takeover");
        pair.b.app.blocker = new CountDownLatch(1);
        CompletableFuture<Frame> slow = CompletableFuture.supplyAsync(() -> pair.b.request(PDAF, "block a0"));
        assertTrue(pair.b.app.blockedEntered.await(5, TimeUnit.SECONDS));

        CompletableFuture<NodeState> giveback = pair.b.engine.giveback();
        waitFor(() -> pair.b.steps().contains("SECONDARY_REQUESTS_STOPPED"), "new requests stopped");
        // A new request on pDAF is refused with NOT_SERVING while the old one runs.
        assertEquals(Status.NOT_SERVING, pair.b.request(PDAF, "get a0 1").status());
        assertFalse(giveback.isDone(), "giveback must wait for the outstanding request");
        pair.b.app.blocker.countDown();
        assertEquals(Status.OK, slow.get(5, TimeUnit.SECONDS).status());
        assertEquals(NodeState.NORMAL, giveback.get(10, TimeUnit.SECONDS));
        assertInOrder(pair.b.steps(), "SECONDARY_REQUESTS_STOPPED", "OUTSTANDING_REQUESTS_FINISHED", "DISK_RELEASED");
    }

    @Test
    void givebackTimeoutLeavesTheNodeInTakeoverAndServing() throws Exception {
        pair.b.crash();
        pair.b.tweak = s -> s.withTiming(s.heartbeatInterval(), s.missedHeartbeats(), s.takeoverCountdown(),
                Duration.ofMillis(200), s.splitBrainDelay());
        pair.b.start();
        pair.heartbeatUntilHeard();
        pair.a.engine.fail("test");
        waitFor(() -> pair.b.engine.state() == NodeState.IN_TAKEOVER, "takeover");
        pair.b.app.blocker = new CountDownLatch(1);
        CompletableFuture<Frame> slow = CompletableFuture.supplyAsync(() -> pair.b.request(PDAF, "block a0"));
        assertTrue(pair.b.app.blockedEntered.await(5, TimeUnit.SECONDS));

        ExecutionException e = assertThrows(ExecutionException.class, () -> pair.b.engine.giveback().get(10, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("giveback timed out after 200 ms with 1 outstanding requests"),
                e.getCause().getMessage());
        assertEquals(NodeState.IN_TAKEOVER, pair.b.engine.state());
        assertEquals("<B,B>", pair.b.ownership.state(A_DISK).pair(), "nothing was released");
        pair.b.app.blocker.countDown();
        assertEquals(Status.OK, slow.get(5, TimeUnit.SECONDS).status());
        assertEquals("ok", pair.b.ok(PDAF, "put a0 1 still-serving"), "the secondary port serves again");
    }

    @Test
    void fig7OperatorTakeoverAndGivebackWithoutErrors() throws Exception {
        pair.heartbeatUntilHeard();
        pair.b.ok(DAFS, "put b0 2 before-operator-takeover");
        CompletableFuture<NodeState> takeover = pair.a.engine.operatorTakeover();
        waitFor(() -> pair.b.engine.state() == NodeState.WAITING_FOR_GIVEBACK, "B shuts down on Please Shutdown");
        assertInOrder(pair.b.steps(), "PLEASE_SHUTDOWN_RECEIVED", "SHUTTING_DOWN", "CONSISTENCY_POINT", "DISK_RELEASED",
                "WAITING_FOR_GIVEBACK");
        assertEquals(NodeState.IN_TAKEOVER, takeover.get(10, TimeUnit.SECONDS));
        assertInOrder(pair.a.steps(), "PLEASE_SHUTDOWN_SENT", "COUNTDOWN_STARTED", "COUNTDOWN_ENDED", "TAKING_OVER",
                "DISK_CLAIMED", "SECONDARY_PORT_ACTIVATED", "IN_TAKEOVER", "SERVING_BOTH_PORTS");
        assertEquals("before-operator-takeover", pair.a.ok(PDAF, "get b0 2"));
        assertTrue(pair.b.refuses(DAFS));

        assertEquals(NodeState.NORMAL, pair.a.engine.giveback().get(10, TimeUnit.SECONDS));
        waitFor(() -> pair.b.engine.state() == NodeState.NORMAL, "B reclaims after giveback");
        assertEquals("before-operator-takeover", pair.b.ok(DAFS, "get b0 2"));
        assertEquals("<B,B>", pair.b.ownership.state(B_DISK).pair());
    }

    /** Takes FilerA over, restarts it, and waits until FilerB has heard that it waits for giveback. */
    private void takeoverThenRevivedFilerAWaits() {
        pair.heartbeatUntilHeard();
        pair.a.engine.fail("test");
        waitFor(() -> pair.b.engine.state() == NodeState.IN_TAKEOVER, "takeover");
        pair.a.crash();
        pair.a.start();
        assertEquals(NodeState.WAITING_FOR_GIVEBACK, pair.a.engine.state());
        waitFor(() -> {
            pair.a.engine.tick();
            pair.b.engine.tick();
            return pair.b.engine.status().partnerState().equals("WAITING_FOR_GIVEBACK");
        }, "B hears that A waits for giveback");
    }

    /**
     * Giveback to a partner that waits for it: a request that reaches pDAF after its gate closed is held, never
     * run, until FilerA announces it serves again; then it is answered NOT_SERVING with the PRIMARY hint (a
     * client goes straight back to FilerA), and the client's re-send runs once, on FilerA.
     */
    @Test
    void givebackHoldsLateRequestsUntilThePartnerServesAndHintsThePrimary() throws Exception {
        takeoverThenRevivedFilerAWaits();
        pair.b.ok(PDAF, "put a0 3 before-giveback");
        try (var late = pair.b.open(PDAF)) {
            pair.b.app.blocker = new CountDownLatch(1);
            CompletableFuture<Frame> slow = CompletableFuture.supplyAsync(() -> pair.b.request(PDAF, "block a0"));
            assertTrue(pair.b.app.blockedEntered.await(5, TimeUnit.SECONDS));
            CompletableFuture<NodeState> giveback = pair.b.engine.giveback();
            waitFor(() -> pair.b.steps().contains("SECONDARY_REQUESTS_STOPPED"), "new requests stopped");
            long refused = pair.b.engine.status().notServing();
            CompletableFuture<Frame> held = Pair.Node.send(late, 1, "put a0 4 sent-during-giveback");
            waitFor(() -> pair.b.engine.status().notServing() > refused, "the late request reached the closed gate");
            assertFalse(held.isDone(), "the late request must be held while B gives back, not refused at once");

            pair.b.app.blocker.countDown();
            assertEquals(Status.OK, slow.get(5, TimeUnit.SECONDS).status());
            assertEquals(NodeState.NORMAL, giveback.get(10, TimeUnit.SECONDS));
            waitFor(() -> {
                pair.a.engine.tick();
                return held.isDone();
            }, "the held request is answered once A serves");
            Frame reply = held.get();
            assertEquals(NodeState.NORMAL, pair.a.engine.state(), "answered only after A serves its disk again");
            assertEquals(Status.NOT_SERVING, reply.status());
            assertEquals(Frame.Hint.PRIMARY, reply.hint());
            assertFalse(pair.b.app.handled.contains("put a0 4 sent-during-giveback"), "B never ran the held request");
        }
        // The client's re-send, on FilerA's DAFS: it runs there, once.
        assertEquals("ok", pair.a.ok(DAFS, "put a0 4 sent-during-giveback"));
        assertEquals("sent-during-giveback", pair.a.ok(DAFS, "get a0 4"));
        assertEquals("before-giveback", pair.a.ok(DAFS, "get a0 3"));
        assertEquals(1, pair.a.app.handled.stream().filter("put a0 4 sent-during-giveback"::equals).count());
    }

    /**
     * A hold the partner never ends (its announcement lost: here its interconnect is cut) ends by itself after
     * takeoverCountdown: the held request is answered NOT_SERVING without a hint, and the kept connections close,
     * so a client runs its usual failover procedure.
     */
    @Test
    void aHoldThePartnerNeverEndsExpiresWithoutAHintAndClosesItsConnections() throws Exception {
        takeoverThenRevivedFilerAWaits();
        pair.a.engine.cutInterconnect(true);
        try (var late = pair.b.open(PDAF)) {
            assertEquals(NodeState.NORMAL, pair.b.engine.giveback().get(10, TimeUnit.SECONDS));
            assertTrue(pair.b.refuses(PDAF), "pDAF takes no new connection after giveback");
            long refused = pair.b.engine.status().notServing();
            CompletableFuture<Frame> held = Pair.Node.send(late, 1, "put a0 5 sent-after-giveback");
            waitFor(() -> pair.b.engine.status().notServing() > refused, "the late request reached the closed gate");
            pair.b.engine.tick();
            assertFalse(held.isDone(), "held until the bound passes");

            pair.clock.advance(Duration.ofSeconds(2)); // takeoverCountdown, the bound
            pair.b.engine.tick();
            Frame reply = held.get(10, TimeUnit.SECONDS);
            assertEquals(Status.NOT_SERVING, reply.status());
            assertEquals(Frame.Hint.NONE, reply.hint());
            UnderstudyException closed = assertThrows(UnderstudyException.class, () -> late.receive(Duration.ofSeconds(10)));
            assertTrue(closed.code() == ErrorCode.CLOSED || closed.code() == ErrorCode.TRANSPORT_IO, closed.toString());
        }
        assertFalse(pair.b.app.handled.contains("put a0 5 sent-after-giveback"), "B never ran the held request");
    }

    /**
     * Operator takeover (Fig. 7): a request that reaches FilerB's DAFS after Please Shutdown closed it is held
     * until FilerA serves FilerB's disk on pDAF, then answered NOT_SERVING with the FAILOVER hint.
     */
    @Test
    void pleaseShutdownHoldsLateRequestsUntilThePartnerServesAndHintsTheFailoverName() throws Exception {
        pair.heartbeatUntilHeard();
        try (var late = pair.b.open(DAFS)) {
            pair.b.app.blocker = new CountDownLatch(1);
            CompletableFuture<Frame> slow = CompletableFuture.supplyAsync(() -> pair.b.request(DAFS, "block b0"));
            assertTrue(pair.b.app.blockedEntered.await(5, TimeUnit.SECONDS));
            CompletableFuture<NodeState> takeover = pair.a.engine.operatorTakeover();
            waitFor(() -> pair.b.steps().contains("SHUTTING_DOWN"), "B shuts down on Please Shutdown");
            long refused = pair.b.engine.status().notServing();
            CompletableFuture<Frame> held = Pair.Node.send(late, 1, "put b0 6 sent-during-shutdown");
            waitFor(() -> pair.b.engine.status().notServing() > refused, "the late request reached the closed gate");
            assertFalse(held.isDone(), "held while B shuts down");

            pair.b.app.blocker.countDown();
            assertEquals(Status.OK, slow.get(5, TimeUnit.SECONDS).status());
            assertEquals(NodeState.IN_TAKEOVER, takeover.get(10, TimeUnit.SECONDS));
            Frame reply = held.get(10, TimeUnit.SECONDS);
            assertEquals(Status.NOT_SERVING, reply.status());
            assertEquals(Frame.Hint.FAILOVER, reply.hint());
            assertFalse(pair.b.app.handled.contains("put b0 6 sent-during-shutdown"), "B never ran the held request");
        }
        assertEquals("ok", pair.a.ok(PDAF, "put b0 6 sent-during-shutdown"));
        assertEquals("sent-during-shutdown", pair.a.ok(PDAF, "get b0 6"));
    }

    @Test
    void operatorTakeoverCountdownExpiresWhenThePartnerDoesNotAnswer() throws Exception {
        pair.heartbeatUntilHeard();
        pair.b.engine.cutInterconnect(true);
        pair.a.engine.cutInterconnect(true);
        CompletableFuture<NodeState> takeover = pair.a.engine.operatorTakeover();
        pair.a.engine.tick();
        assertFalse(takeover.isDone(), "the countdown has not expired");
        pair.clock.advance(Duration.ofSeconds(2));
        pair.a.engine.tick();
        assertEquals(NodeState.IN_TAKEOVER, takeover.get(5, TimeUnit.SECONDS));
        assertTrue(pair.a.steps().contains("COUNTDOWN_ENDED"));
        // B never heard the request, kept serving, and is now fenced: it notices on its next check.
        pair.b.engine.tick();
        assertEquals(NodeState.WAITING_FOR_GIVEBACK, pair.b.engine.state());
        assertInOrder(pair.b.steps(), "FENCED", "WAITING_FOR_GIVEBACK");
    }

    @Test
    void operatorCommandsInTheWrongStateAreRefused() {
        UnderstudyException e = assertThrows(UnderstudyException.class, () -> pair.a.engine.giveback());
        assertEquals(ErrorCode.ILLEGAL_STATE, e.code());
        assertTrue(e.getMessage().contains("giveback needs FilerA in IN_TAKEOVER, but it is NORMAL"), e.getMessage());
        pair.heartbeatUntilHeard();
        pair.a.engine.fail("test");
        waitFor(() -> pair.b.engine.state() == NodeState.IN_TAKEOVER, "takeover");
        UnderstudyException again = assertThrows(UnderstudyException.class, () -> pair.b.engine.operatorTakeover());
        assertTrue(again.getMessage().contains("operator takeover needs FilerB in NORMAL, but it is IN_TAKEOVER"), again.getMessage());
    }

    @Test
    void cutInterconnectEndsWithExactlyOneNodeServingEachVolume() {
        pair.heartbeatUntilHeard();
        DiskIo aOwn = pair.a.ownership.open(A_DISK);
        DiskIo bOwn = pair.b.ownership.open(B_DISK);
        pair.a.engine.cutInterconnect(true);
        pair.b.engine.cutInterconnect(true);
        pair.silenceLongerThanWindow();
        // Both believe the other dead. B, the second node, waits out the split-brain delay; A claims at once.
        pair.b.engine.tick();
        pair.a.engine.tick();
        pair.clock.advance(Duration.ofMillis(300));
        pair.b.engine.tick();

        assertEquals(NodeState.IN_TAKEOVER, pair.a.engine.state());
        assertEquals(NodeState.WAITING_FOR_GIVEBACK, pair.b.engine.state());
        assertInOrder(pair.b.steps(), "FENCED", "WAITING_FOR_GIVEBACK");
        assertFalse(pair.b.steps().contains("TAKING_OVER"), "the fenced node must not try to claim");
        assertEquals("<A,A>", pair.a.ownership.state(A_DISK).pair());
        assertEquals("<A,A>", pair.a.ownership.state(B_DISK).pair());
        // Only A serves; B serves nothing and its writes to its old disk fail at the disk.
        assertEquals("ok", pair.a.ok(PDAF, "put b0 1 from-a"));
        assertTrue(pair.b.refuses(DAFS));
        assertEquals(ErrorCode.FENCED, assertThrows(UnderstudyException.class, () -> bOwn.write(0, ByteBuffer.allocate(4))).code());
        aOwn.write(0, ByteBuffer.allocate(4));
        aOwn.close();
        bOwn.close();
    }

    @Test
    void cutInterconnectRaceWhereTheSecondNodeClaimsFirstStillLeavesOneServer() {
        pair.heartbeatUntilHeard();
        pair.a.engine.cutInterconnect(true);
        pair.b.engine.cutInterconnect(true);
        pair.silenceLongerThanWindow();
        pair.b.engine.tick();
        pair.clock.advance(Duration.ofMillis(300));
        pair.b.engine.tick(); // B's delay is over and A has not acted: B takes over
        pair.a.engine.tick(); // A finds itself preempted before it claims anything
        assertEquals(NodeState.IN_TAKEOVER, pair.b.engine.state());
        assertEquals(NodeState.WAITING_FOR_GIVEBACK, pair.a.engine.state());
        assertEquals("<B,B>", pair.b.ownership.state(A_DISK).pair());
        assertEquals("<B,B>", pair.b.ownership.state(B_DISK).pair());
        assertTrue(pair.a.refuses(DAFS));
    }

    @Test
    void aFencedNodeStopsServingOnItsNextWriteEvenBeforeItsNextTick() {
        pair.heartbeatUntilHeard();
        pair.a.engine.cutInterconnect(true);
        pair.b.engine.cutInterconnect(true);
        // B takes A's disk as if A had died; A has not ticked and still listens on DAFS.
        pair.silenceLongerThanWindow();
        pair.b.engine.tick();
        pair.clock.advance(Duration.ofMillis(300));
        pair.b.engine.tick();
        assertEquals(NodeState.IN_TAKEOVER, pair.b.engine.state());
        Frame f = pair.a.request(DAFS, "put a0 1 stale-write");
        assertEquals(Status.NOT_SERVING, f.status(), "a fenced write is refused, never acknowledged");
        waitFor(() -> pair.a.engine.state() == NodeState.WAITING_FOR_GIVEBACK, "A notices it is fenced");
        assertEquals("", pair.b.ok(PDAF, "get a0 1"), "the refused write never reached the disk");
    }

    static <T> T unwrap(CompletableFuture<T> f) throws Exception {
        try {
            return f.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw (Exception) e.getCause();
        }
    }

    /** Both nodes live, the link cut: B (the second node) decides after its split-brain delay and takes A's disk. */
    private void secondNodeTakesOverOverACutLink() {
        pair.heartbeatUntilHeard();
        pair.a.engine.cutInterconnect(true);
        pair.b.engine.cutInterconnect(true);
        pair.silenceLongerThanWindow();
        pair.b.engine.tick();
        pair.clock.advance(Duration.ofMillis(300));
        pair.b.engine.tick();
        assertEquals(NodeState.IN_TAKEOVER, pair.b.engine.state());
    }

    /** Both nodes live, the link cut: A (the first node) decides at once and takes B's disk. */
    private void firstNodeTakesOverOverACutLink() {
        pair.heartbeatUntilHeard();
        pair.a.engine.cutInterconnect(true);
        pair.b.engine.cutInterconnect(true);
        pair.silenceLongerThanWindow();
        pair.a.engine.tick();
        assertEquals(NodeState.IN_TAKEOVER, pair.a.engine.state());
    }
}
