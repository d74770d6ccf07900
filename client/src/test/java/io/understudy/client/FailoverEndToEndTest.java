package io.understudy.client;

import static io.understudy.api.event.ClientStep.Step.CONNECTED_PRIMARY;
import static io.understudy.api.event.ClientStep.Step.CONNECTED_SECONDARY;
import static io.understudy.api.event.ClientStep.Step.CONNECTION_BROKEN;
import static io.understudy.api.event.ClientStep.Step.FAILOVER_NAME_COMPUTED;
import static io.understudy.api.event.ClientStep.Step.GAVE_UP;
import static io.understudy.api.event.ClientStep.Step.NAME_RESOLVED;
import static io.understudy.api.event.ClientStep.Step.PRIMARY_RETRY;
import static io.understudy.api.event.ClientStep.Step.REQUESTS_RESENT;
import static io.understudy.api.event.ClientStep.Step.RETURNED_TO_PRIMARY;
import static io.understudy.client.TinyServer.text;
import static io.understudy.client.TinyServer.utf8;
import static io.understudy.api.DataAccessPort.DAFS;
import static io.understudy.api.DataAccessPort.PDAF;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.DataAccessPort;
import io.understudy.api.ErrorCode;
import io.understudy.api.ServerName;
import io.understudy.api.UnderstudyException;
import io.understudy.api.event.ClientStep;
import io.understudy.api.spi.ProviderContext;
import io.understudy.naming.hosts.HostsFileResolverProvider;
import io.understudy.naming.hosts.HostsOptions;
import io.understudy.session.ApplicationException;
import io.understudy.testkit.ManualClock;
import io.understudy.transport.tcp.TcpTransportProvider;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fig. 6 end to end, over real TCP sockets and a real hosts file. FilerA listens on DAFS at 127.0.0.11;
 * its partner FilerB at 127.0.0.12 listens on DAFS and, during takeover, on pDAF. The hosts file maps
 * {@code FilerA -> 127.0.0.11} and {@code FilerA-failover -> 127.0.0.12}. Nothing is faked: the servers
 * are killed, paused, or close their ports the way the node engine does.
 */
class FailoverEndToEndTest {

    private static final InetAddress A = loopback(11);
    private static final InetAddress B = loopback(12);
    private static final InetAddress C = loopback(13);
    private static final ServerName FILER_A = ServerName.of("FilerA");
    private static final String MAPPING = "127.0.0.11 FilerA\n127.0.0.12 FilerA-failover\n";

    @TempDir
    Path dir;

    private Path hosts;
    private Map<DataAccessPort, Integer> ports;
    private final EventLog log = new EventLog();
    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        int[] p = freePorts(2);
        ports = Map.of(DAFS, p[0], PDAF, p[1]);
        hosts = dir.resolve("hosts");
        writeHosts(MAPPING);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : cleanup.reversed()) {
            c.close();
        }
    }

    // (a)
    @Test
    void primaryKilledWithRequestsInFlightFailsOverResendsAndEveryCallGetsItsReply() throws Exception {
        TinyServer a = filerA();
        a.mode = TinyServer.Mode.SILENT; // requests arrive and stay unanswered: in flight
        TinyServer b = filerBInTakeover();
        FailoverClient client = open(client());
        client.connect();
        assertEquals(FailoverClient.Location.PRIMARY, client.location());

        int n = 5;
        List<Future<String>> calls = new ArrayList<>();
        ExecutorService callers = callers();
        for (int i = 0; i < n; i++) {
            String req = "req-" + i;
            calls.add(callers.submit(() -> text(client.call(utf8(req)))));
        }
        TinyServer.await("FilerA to receive " + n + " requests", Duration.ofSeconds(5), () -> a.received(DAFS) == n);
        a.kill();

        for (int i = 0; i < n; i++) {
            assertEquals("FilerB:req-" + i, calls.get(i).get(10, TimeUnit.SECONDS));
        }
        log.await(REQUESTS_RESENT, 5_000);
        assertEquals(List.of(CONNECTED_PRIMARY, CONNECTION_BROKEN, PRIMARY_RETRY, PRIMARY_RETRY,
                FAILOVER_NAME_COMPUTED, NAME_RESOLVED, CONNECTED_SECONDARY, REQUESTS_RESENT), log.steps(), log.toString());
        assertTrue(log.detail(PRIMARY_RETRY).startsWith("try 2/2: FilerA on DAFS"), log.toString());
        assertTrue(log.detail(FAILOVER_NAME_COMPUTED).startsWith("FilerA-failover (suffix(-failover) of FilerA)"), log.toString());
        assertTrue(log.detail(NAME_RESOLVED).startsWith("FilerA-failover -> [127.0.0.12]")
                && log.detail(NAME_RESOLVED).contains(hosts.toString()), log.toString());
        assertTrue(log.detail(CONNECTED_SECONDARY).contains("127.0.0.12 on pDAF"), log.toString());
        assertTrue(log.detail(REQUESTS_RESENT).startsWith("5 requests (seq 1, 2, 3, 4, 5)"), log.toString());

        // The failover server saw the very same requests (session and sequence), re-sent in sequence order.
        List<String> atA = a.seen.stream().map(s -> s.session() + "/" + s.sequence() + "/" + s.payload()).sorted().toList();
        List<TinyServer.Seen> atB = b.seen.stream().filter(s -> s.port().equals(PDAF)).toList();
        assertEquals(atA, atB.stream().map(s -> s.session() + "/" + s.sequence() + "/" + s.payload()).sorted().toList());
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), atB.stream().map(TinyServer.Seen::sequence).toList());
        assertTrue(atB.stream().allMatch(s -> s.session() == client.sessionId()));

        assertEquals(FailoverClient.Location.SECONDARY, client.location());
        ClientMetrics m = client.metrics();
        assertEquals(5, m.requests());
        assertEquals(5, m.replies());
        assertEquals(1, m.breaks());
        assertEquals(1, m.failovers());
        assertEquals(5, m.resentRequests());
        assertEquals(0, m.giveUps());
        // The wait between the two primary tries (10 ms base, jittered to at least 5 ms) lies inside the outage.
        assertTrue(m.lastOutageMillis() >= 5 && m.maxOutageMillis() == m.lastOutageMillis(), m.toString());
    }

    // (b), and the first connection failing over because the primary is down at start-up
    @Test
    void afterGivebackClosesPdafTheClientReturnsToThePrimaryAndCallsContinue() throws Exception {
        TinyServer b = filerBInTakeover(); // FilerA is down: B has taken over
        FailoverClient client = open(client());
        client.connect();
        assertEquals(List.of(FAILOVER_NAME_COMPUTED, NAME_RESOLVED, CONNECTED_SECONDARY), log.steps(), log.toString());
        assertEquals("FilerB:one", text(client.call(utf8("one"))));

        // A call is in flight on pDAF when giveback closes it.
        b.mode = TinyServer.Mode.SILENT;
        Future<String> inFlight = callers().submit(() -> text(client.call(utf8("two"))));
        TinyServer.await("FilerB to receive the second request", Duration.ofSeconds(5), () -> b.received(PDAF) == 2);
        TinyServer a = filerA();   // FilerA revived and serving DAFS again
        b.closePort(PDAF);         // giveback (Fig. 5, 515-520): pDAF connections closed, port deactivated

        assertEquals("FilerA:two", inFlight.get(10, TimeUnit.SECONDS));
        assertEquals("FilerA:three", text(client.call(utf8("three"))));
        log.await(REQUESTS_RESENT, 5_000);
        assertEquals(List.of(FAILOVER_NAME_COMPUTED, NAME_RESOLVED, CONNECTED_SECONDARY,
                CONNECTION_BROKEN, PRIMARY_RETRY, RETURNED_TO_PRIMARY, REQUESTS_RESENT), log.steps(), log.toString());
        assertTrue(log.detail(RETURNED_TO_PRIMARY).contains("127.0.0.11 on DAFS"), log.toString());
        assertTrue(log.detail(REQUESTS_RESENT).startsWith("1 request (seq 2)"), log.toString());
        assertEquals(FailoverClient.Location.PRIMARY, client.location());
        assertEquals(2, a.received(DAFS));
        ClientMetrics m = client.metrics();
        assertEquals(1, m.failovers());
        assertEquals(1, m.returnsToPrimary());
        assertEquals(1, m.resentRequests());
    }

    // (c)
    @Test
    void aNotServingReplyFailsOverAndTheRequestIsResent() throws Exception {
        TinyServer a = filerA();
        a.mode = TinyServer.Mode.NOT_SERVING;
        TinyServer b = filerBInTakeover();
        FailoverClient client = open(client());

        assertEquals("FilerB:write-1", text(client.call(utf8("write-1"))));
        log.await(REQUESTS_RESENT, 5_000);
        // The primary answered, so it is up but not serving: the failover server is tried first.
        assertEquals(List.of(CONNECTED_PRIMARY, CONNECTION_BROKEN, FAILOVER_NAME_COMPUTED, NAME_RESOLVED,
                CONNECTED_SECONDARY, REQUESTS_RESENT), log.steps(), log.toString());
        assertTrue(log.detail(CONNECTION_BROKEN).contains("NOT_SERVING to request 1"), log.toString());
        TinyServer.Seen first = a.seen.getFirst();
        TinyServer.Seen again = b.seen.getFirst();
        assertEquals(PDAF, again.port());
        assertEquals(List.of(first.session(), first.sequence(), "write-1"), List.of(again.session(), again.sequence(), again.payload()));
        assertEquals(1, client.metrics().resentRequests());
    }

    @Test
    void aHintedNotServingSendsTheClientStraightThereWithoutABackoffRound() throws Exception {
        TinyServer a = filerA();
        a.refuseFirst.set(1);           // FilerA refuses the first request (not yet serving), then serves
        TinyServer b = filerBInTakeover();
        b.mode = TinyServer.Mode.NOT_SERVING;
        b.hint = io.understudy.session.Frame.Hint.PRIMARY; // FilerB at giveback: "the primary serves it again"
        // Backoffs of an hour: a single backoff round would hold the call far past the bound below.
        FailoverClient client = open(client().retryBackoff(Duration.ofHours(1)).maxBackoff(Duration.ofHours(1)));

        String reply = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> text(client.call(utf8("write-1"))));
        assertEquals("FilerA:write-1", reply);
        log.await(REQUESTS_RESENT, 2, 5_000);
        // Without the hint the second break would pause (the reconnection broke before any reply) and FilerA, which
        // answered NOT_SERVING in this outage, would be tried last; the hint sends the client back to it at once.
        assertEquals(List.of(CONNECTED_PRIMARY, CONNECTION_BROKEN, FAILOVER_NAME_COMPUTED, NAME_RESOLVED,
                CONNECTED_SECONDARY, REQUESTS_RESENT, CONNECTION_BROKEN, PRIMARY_RETRY, RETURNED_TO_PRIMARY, REQUESTS_RESENT),
                log.steps(), log.toString());
        assertTrue(log.steps().indexOf(CONNECTION_BROKEN) >= 0 && log.toString().contains("hint: go to the primary FilerA"), log.toString());
        assertEquals(2, a.received(DAFS), "refused once, then run once");
        assertEquals(1, b.received(PDAF), "held nothing: FilerB never ran it");
    }

    @Test
    void aPrimaryThatTakesTheReconnectButDropsItAgainIsPassedOverForTheFailoverServer() throws Exception {
        TinyServer a = filerA();
        a.mode = TinyServer.Mode.DROP; // accepts connections, drops each one at the first request
        TinyServer b = filerBInTakeover();
        FailoverClient client = open(client());

        assertEquals("FilerB:create", text(client.call(utf8("create"))));
        log.await(REQUESTS_RESENT, 2, 5_000);
        assertEquals(List.of(CONNECTED_PRIMARY, CONNECTION_BROKEN, PRIMARY_RETRY, CONNECTED_PRIMARY, REQUESTS_RESENT,
                CONNECTION_BROKEN, FAILOVER_NAME_COMPUTED, NAME_RESOLVED, CONNECTED_SECONDARY, REQUESTS_RESENT),
                log.steps(), log.toString());
        assertEquals(2, a.received(DAFS), "sent once, re-sent once to the primary");
        assertEquals(1, b.received(PDAF));
        ClientMetrics m = client.metrics();
        assertEquals(2, m.breaks());
        assertEquals(2, m.resentRequests());
        assertEquals(1, m.failovers());
    }

    // (d)
    @Test
    void nothingReachableGivesUpWithinTheBudgetListingEveryAttemptThenStartsOverOnTheNextCall() {
        FailoverClient client = open(client().failoverBudget(Duration.ofMillis(400)));
        long t0 = System.nanoTime();
        UnderstudyException e = assertThrows(UnderstudyException.class, () -> client.call(utf8("x")));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

        assertEquals(ErrorCode.FAILOVER_EXHAUSTED, e.code());
        assertTrue(ms >= 350 && ms < 3_000, "gave up after " + ms + " ms with a 400 ms budget");
        String msg = e.getMessage();
        for (String expected : List.of("US-6003", "could not reach FilerA on DAFS nor its failover server FilerA-failover on pDAF",
                "400 ms", "attempts:", "primary FilerA on DAFS: connect to 127.0.0.11 failed",
                "failover FilerA-failover on pDAF: connect to 127.0.0.12 failed", "nothing listens")) {
            assertTrue(msg.contains(expected), "missing '" + expected + "' in: " + msg);
        }
        assertEquals(GAVE_UP, log.steps().getLast(), log.toString());
        assertFalse(log.steps().contains(CONNECTED_PRIMARY));
        assertEquals(1, client.metrics().giveUps());

        // A later call runs the procedure afresh and finds the primary back.
        filerA();
        assertEquals("FilerA:y", text(client.call(utf8("y"))));
        assertEquals(CONNECTED_PRIMARY, log.steps().getLast());
    }

    // (e)
    @Test
    void anApplicationErrorIsThrownAndNeverRetriedOrFailedOver() {
        TinyServer a = filerA();
        TinyServer b = filerBInTakeover();
        FailoverClient client = open(client());

        ApplicationException e = assertThrows(ApplicationException.class, () -> client.call(utf8("fail:no such file /vol0/x")));
        assertEquals(ErrorCode.APPLICATION_ERROR, e.code());
        assertTrue(e.getMessage().endsWith("no such file /vol0/x"), e.getMessage());
        assertEquals("FilerA:next", text(client.call(utf8("next"))));

        assertEquals(List.of(CONNECTED_PRIMARY), log.steps(), log.toString());
        assertEquals(2, a.received(DAFS), "the failing request ran once");
        assertEquals(0, b.received(PDAF));
        ClientMetrics m = client.metrics();
        assertEquals(0, m.breaks());
        assertEquals(2, m.replies());
    }

    // (f)
    @Test
    void aRequestTimeoutOnAPausedServerIsTreatedAsABreak() throws Exception {
        TinyServer a = filerA();
        a.mode = TinyServer.Mode.SILENT; // reads, never answers
        TinyServer b = filerBInTakeover();
        FailoverClient client = open(client().requestTimeout(Duration.ofMillis(300)));

        long t0 = System.nanoTime();
        assertEquals("FilerB:stat", text(client.call(utf8("stat"))));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(ms >= 300, "answered after " + ms + " ms, before the request timeout");
        log.await(REQUESTS_RESENT, 5_000);
        assertEquals(List.of(CONNECTED_PRIMARY, CONNECTION_BROKEN, FAILOVER_NAME_COMPUTED, NAME_RESOLVED,
                CONNECTED_SECONDARY, REQUESTS_RESENT), log.steps(), log.toString());
        assertTrue(log.detail(CONNECTION_BROKEN).contains("no reply to request 1 within 300 ms"), log.toString());
        assertEquals(1, a.received(DAFS));
        assertEquals(1, b.received(PDAF));
    }

    // (g)
    @Test
    void manyThreadsCallingThroughAFailoverAllSucceed() throws Exception {
        TinyServer a = filerA();
        TinyServer b = filerBInTakeover();
        FailoverClient client = open(client());
        int threads = 16;
        int each = 40;
        List<Future<Integer>> workers = new ArrayList<>();
        ExecutorService callers = callers();
        for (int t = 0; t < threads; t++) {
            int id = t;
            workers.add(callers.submit(() -> {
                int fromB = 0;
                for (int i = 0; i < each; i++) {
                    String req = "t" + id + "-" + i;
                    String reply = text(client.call(utf8(req)));
                    if (!reply.equals("FilerA:" + req) && !reply.equals("FilerB:" + req)) {
                        throw new AssertionError("request " + req + " got " + reply);
                    }
                    fromB += reply.startsWith("FilerB:") ? 1 : 0;
                }
                return fromB;
            }));
        }
        TinyServer.await("FilerA to serve 150 requests", Duration.ofSeconds(10), () -> a.received(DAFS) >= 150);
        a.kill();
        int fromB = 0;
        for (Future<Integer> w : workers) {
            fromB += w.get(20, TimeUnit.SECONDS);
        }
        assertTrue(fromB > 0, "some calls were answered by the failover server");
        List<ClientStep.Step> steps = log.steps();
        assertEquals(1, steps.stream().filter(s -> s == CONNECTION_BROKEN).count(), "one recovery for the break: " + log);
        assertEquals(1, steps.stream().filter(s -> s == CONNECTED_SECONDARY).count(), log.toString());
        ClientMetrics m = client.metrics();
        assertEquals(threads * each, m.requests());
        assertEquals(threads * each, m.replies());
        assertEquals(1, m.failovers());
        assertEquals(FailoverClient.Location.SECONDARY, client.location());
    }

    // (h)
    @Test
    void aFailoverNameMissingFromTheHostsFileIsAClearErrorNamingTheNameAndTheResolvers() throws IOException {
        writeHosts("127.0.0.11 FilerA\n");
        FailoverClient client = open(client().failoverBudget(Duration.ofMillis(300)));
        UnderstudyException e = assertThrows(UnderstudyException.class, client::connect);
        assertEquals(ErrorCode.FAILOVER_EXHAUSTED, e.code());
        String msg = e.getMessage();
        for (String expected : List.of("failover FilerA-failover on pDAF: name not resolved by [HostsFileResolver[" + hosts,
                "'FilerA-failover' is not in hosts file " + hosts)) {
            assertTrue(msg.contains(expected), "missing '" + expected + "' in: " + msg);
        }
        assertTrue(log.steps().contains(FAILOVER_NAME_COMPUTED));
        assertFalse(log.steps().contains(NAME_RESOLVED), log.toString());
        assertEquals(GAVE_UP, log.steps().getLast());
    }

    @Test
    void aFailedConnectToACachedCandidateDropsTheEntrySoTheNextRoundReResolves() throws IOException {
        // The name service first points FilerA-failover at an address where nothing listens; an operator
        // fixes it. The hosts resolver's own TTL (5 s) is longer than the budget: only invalidation helps.
        writeHosts("127.0.0.11 FilerA\n127.0.0.13 FilerA-failover\n");
        filerBInTakeover();
        AtomicBoolean fixed = new AtomicBoolean();
        FailoverClient client = open(client().failoverBudget(Duration.ofSeconds(3)));
        client.addListener(ev -> {
            if (ev instanceof ClientStep s && s.step() == NAME_RESOLVED && s.detail().contains("127.0.0.13") && fixed.compareAndSet(false, true)) {
                writeHostsUnchecked(MAPPING);
            }
        });
        client.connect();
        assertTrue(fixed.get());
        assertEquals(FailoverClient.Location.SECONDARY, client.location());
        assertTrue(client.connectedTo().contains("127.0.0.12"), client.connectedTo());
        List<String> resolved = log.events().stream().filter(s -> s.step() == NAME_RESOLVED).map(ClientStep::detail).toList();
        assertTrue(resolved.getFirst().contains("[127.0.0.13]") && resolved.getLast().contains("[127.0.0.12]"), resolved.toString());
    }

    @Test
    void severalCandidatesAreTriedInRankOrderWithinOneRound() throws IOException {
        // Two failover locations for FilerA (DESIGN: several failover locations): the first is dead.
        writeHosts("127.0.0.11 FilerA\n127.0.0.13 FilerA-failover\n127.0.0.12 FilerA-failover\n");
        filerBInTakeover();
        FailoverClient client = open(client());
        client.connect();
        assertEquals(List.of(FAILOVER_NAME_COMPUTED, NAME_RESOLVED, CONNECTED_SECONDARY), log.steps(), log.toString());
        assertTrue(log.detail(NAME_RESOLVED).startsWith("FilerA-failover -> [127.0.0.13, 127.0.0.12]"), log.toString());
        assertTrue(log.detail(CONNECTED_SECONDARY).contains("127.0.0.12 on pDAF"), log.toString());
        assertEquals(1, client.metrics().failovers());
    }

    @Test
    void closeFailsWaitingCallsAndLaterCalls() throws Exception {
        TinyServer a = filerA();
        a.mode = TinyServer.Mode.SILENT;
        FailoverClient client = open(client());
        Future<String> waiting = callers().submit(() -> text(client.call(utf8("never answered"))));
        TinyServer.await("FilerA to receive the request", Duration.ofSeconds(5), () -> a.received(DAFS) == 1);
        client.close();
        Exception e = assertThrows(Exception.class, () -> waiting.get(5, TimeUnit.SECONDS));
        UnderstudyException cause = (UnderstudyException) e.getCause();
        assertEquals(ErrorCode.CLOSED, cause.code());
        assertEquals(ErrorCode.CLOSED, assertThrows(UnderstudyException.class, () -> client.call(utf8("late"))).code());
        assertEquals(FailoverClient.Location.NONE, client.location());
    }

    @Test
    void aRequestLargerThanTheTransportCarriesIsRefusedWithoutSending() {
        TinyServer a = filerA();
        FailoverClient client = open(client());
        UnderstudyException e = assertThrows(UnderstudyException.class, () -> client.call(ByteBuffer.allocate(17 * 1024 * 1024)));
        assertEquals(ErrorCode.FRAME_TOO_LARGE, e.code());
        assertEquals(0, a.received(DAFS));
        assertEquals(0, client.metrics().requests());
    }

    @Test
    void theInjectedClockDecidesTheRequestTimeout() throws Exception {
        ManualClock clock = new ManualClock();
        TinyServer a = filerA();
        a.mode = TinyServer.Mode.SILENT;
        filerBInTakeover();
        FailoverClient client = open(client().clock(clock).requestTimeout(Duration.ofSeconds(5)));
        Future<String> call = callers().submit(() -> text(client.call(utf8("read"))));
        TinyServer.await("FilerA to receive the request", Duration.ofSeconds(5), () -> a.received(DAFS) == 1);
        clock.advance(Duration.ofMillis(4_999));
        assertFalse(log.steps().contains(CONNECTION_BROKEN), "not yet timed out on the injected clock: " + log);
        clock.advanceMillis(1);
        assertEquals("FilerB:read", call.get(5, TimeUnit.SECONDS));
        assertTrue(log.detail(CONNECTION_BROKEN).contains("no reply to request 1 within 5000 ms"), log.toString());
        assertEquals(clock.instant(), log.events().getLast().at(), "events carry the injected clock's time");
    }

    @Test
    void theInjectedClockDecidesTheFailoverBudget() throws Exception {
        ManualClock clock = new ManualClock();
        FailoverClient client = open(client().clock(clock).failoverBudget(Duration.ofSeconds(30)));
        long t0 = System.nanoTime();
        Future<String> call = callers().submit(() -> text(client.call(utf8("x"))));
        log.await(FAILOVER_NAME_COMPUTED, 3, 5_000); // round after round, on a clock that does not move
        assertFalse(log.steps().contains(GAVE_UP));
        clock.advance(Duration.ofSeconds(30));
        Exception e = assertThrows(Exception.class, () -> call.get(5, TimeUnit.SECONDS));
        UnderstudyException cause = (UnderstudyException) e.getCause();
        assertEquals(ErrorCode.FAILOVER_EXHAUSTED, cause.code());
        assertTrue(cause.getMessage().contains("within the failover budget of 30000 ms"), cause.getMessage());
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10), "gave up on the injected clock, not the wall clock");
    }

    // ---------------------------------------------------------------- fixtures

    private FailoverClient open(FailoverClient.Builder builder) {
        FailoverClient c = builder.build();
        cleanup.add(c);
        return c;
    }

    @Test
    void laterRoundsTryThePrimaryOnceSoAPartnerStillTakingOverIsTriedAgainSooner() throws Exception {
        TinyServer a = filerA();
        FailoverClient client = open(client());
        client.connect();
        a.kill(); // FilerA is gone and FilerB has not opened pDAF yet: every try of a round fails
        Future<String> call = callers().submit(() -> text(client.call(utf8("after"))));
        log.await(FAILOVER_NAME_COMPUTED, 3, 5_000); // three rounds done
        TinyServer b = filerBInTakeover();
        assertEquals("FilerB:after", call.get(10, TimeUnit.SECONDS));

        List<ClientStep.Step> steps = log.steps();
        int firstRound = steps.indexOf(FAILOVER_NAME_COMPUTED);
        assertEquals(2, steps.subList(0, firstRound).stream().filter(PRIMARY_RETRY::equals).count(),
                "the first round retries the primary primaryRetries (2) times: " + log);
        int secondRound = steps.subList(firstRound + 1, steps.size()).indexOf(FAILOVER_NAME_COMPUTED) + firstRound + 1;
        assertEquals(1, steps.subList(firstRound + 1, secondRound).stream().filter(PRIMARY_RETRY::equals).count(),
                "a later round tries the primary once: " + log);
        assertTrue(b.received(PDAF) >= 1);
    }

    private FailoverClient.Builder client() {
        return FailoverClient.builder()
                .server(FILER_A)
                .transport(new TcpTransportProvider(), ProviderContext.builder().portNumbers(ports).build())
                .resolver(new HostsFileResolverProvider(), ProviderContext.builder()
                        .option(HostsOptions.FILE, hosts)
                        .option(HostsOptions.CHECK_INTERVAL, Duration.ZERO)
                        .build())
                .retryBackoff(Duration.ofMillis(10))
                .maxBackoff(Duration.ofMillis(50))
                .random(new SplittableRandom(6))
                .connectTimeout(Duration.ofSeconds(1))
                .failoverBudget(Duration.ofSeconds(5))
                .listener(log);
    }

    private TinyServer filerA() {
        TinyServer s = new TinyServer("FilerA", A, ports).listen(DAFS);
        cleanup.add(s);
        return s;
    }

    /** FilerB after taking over FilerA: its own DAFS, and pDAF for FilerA's clients. */
    private TinyServer filerBInTakeover() {
        TinyServer s = new TinyServer("FilerB", B, ports).listen(DAFS).listen(PDAF);
        cleanup.add(s);
        return s;
    }

    private ExecutorService callers() {
        ExecutorService e = Executors.newVirtualThreadPerTaskExecutor();
        cleanup.add(e::shutdownNow);
        return e;
    }

    private void writeHosts(String content) throws IOException {
        // Replace the file atomically, as an operator's tool would, so the resolver never sees half a file.
        Path tmp = Files.createTempFile(dir, "hosts", ".tmp");
        Files.writeString(tmp, "# test hosts file\n" + content, StandardCharsets.UTF_8);
        Files.move(tmp, hosts, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private void writeHostsUnchecked(String content) {
        try {
            writeHosts(content);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * {@return n distinct TCP port numbers free on 127.0.0.11, .12 and .13 a moment ago} Drawn below
     * Linux's ephemeral range (32768 and up) so the tests' own outgoing connections cannot take them.
     */
    private static int[] freePorts(int n) {
        Random random = new Random();
        int[] out = new int[n];
        int found = 0;
        for (int tries = 0; found < n && tries < 1000; tries++) {
            int candidate = 20_000 + random.nextInt(12_000);
            boolean free = true;
            for (int i = 0; i < found; i++) {
                free &= out[i] != candidate;
            }
            for (InetAddress addr : List.of(A, B, C)) {
                if (!free) {
                    break;
                }
                try (ServerSocket s = new ServerSocket(candidate, 1, addr)) {
                    free = s.getLocalPort() == candidate;
                } catch (IOException inUse) {
                    free = false;
                }
            }
            if (free) {
                out[found++] = candidate;
            }
        }
        if (found < n) {
            throw new IllegalStateException("no free TCP ports between 20000 and 32000 on 127.0.0.11-13");
        }
        return out;
    }

    private static InetAddress loopback(int last) {
        try {
            return InetAddress.getByAddress(new byte[]{127, 0, 0, (byte) last});
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
