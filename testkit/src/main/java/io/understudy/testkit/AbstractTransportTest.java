package io.understudy.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.understudy.api.DataAccessPort;
import io.understudy.api.Endpoint;
import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.api.spi.Availability;
import io.understudy.api.spi.ProviderContext;
import io.understudy.spi.transport.Connection;
import io.understudy.spi.transport.Listener;
import io.understudy.spi.transport.Transport;
import io.understudy.spi.transport.TransportProvider;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

/**
 * The conformance suite every {@link TransportProvider} passes: the SDK's TCP transport, the VI and
 * InfiniBand transports, and a user's own. It checks the contract of {@link Transport}, {@link Listener}
 * and {@link Connection} as the failover engines rely on it: whole frames in order, concurrent senders
 * never interleaved, an unlistened data-access port refusing connections (the secondary port {@code pDAF}
 * stays closed until takeover), closing a listener deactivating its port, every blocking call woken by
 * close with {@code CLOSED}, a receive timeout leaving the connection usable, and the two data-access
 * ports being independent.
 *
 * <h2 id="TransportConformance">TransportConformance: running the suite for your transport</h2>
 *
 * <p>Add {@code understudy-testkit} at test scope and subclass this class in your tests, supplying three
 * things: the provider, a context in which {@link DataAccessPort#DAFS} and {@link DataAccessPort#PDAF} are
 * usable (mapped to numbers if your transport maps port names to numbers), and the endpoint at which a
 * transport opened with that context can be reached:
 *
 * {@snippet :
 * class MyTransportTest extends AbstractTransportTest {
 *     @Override protected TransportProvider provider() { return new MyTransportProvider(); }
 *     @Override protected ProviderContext context() {
 *         return ProviderContext.builder()
 *                 .portNumber(DataAccessPort.DAFS, 4100)
 *                 .portNumber(DataAccessPort.PDAF, 4101)
 *                 .build();
 *     }
 *     @Override protected Endpoint serverEndpoint() { return InetEndpoint.of(InetAddress.getLoopbackAddress()); }
 * }
 * }
 *
 * <p>Every test opens two transports from one {@link #context()}, a server that listens and a client that
 * connects, and closes both afterwards. If the provider is unavailable on this machine (no device, no
 * native library) every test is skipped with its reason, unless {@link #requireAvailable()} is true
 * (set {@code -D}{@value #REQUIRE_AVAILABLE_PROPERTY}{@code =true} where the hardware exists), in which case
 * they fail. Tests needing an ability your transport may lack are guarded by overridable methods such as
 * {@link #largestFrameToAllocate()}. Add your transport's own tests in the subclass; {@link #server()},
 * {@link #client()}, {@link #connect(Listener)} and {@link #assertCode} are there for them.
 *
 * <p>Every wait is bounded by {@link #patience()}; nothing sleeps to synchronise. Test methods run one at
 * a time on one instance each (JUnit's default lifecycle).
 *
 * @since 0.1
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class AbstractTransportTest {

    /** The system property that turns "provider unavailable, skipping" into a failure. */
    public static final String REQUIRE_AVAILABLE_PROPERTY = "understudy.testkit.requireAvailable";

    private static final ErrorCode CLOSED = ErrorCode.CLOSED;

    private ProviderContext openedWith;
    private Transport server;
    private Transport client;
    private final List<Thread> started = new ArrayList<>();

    /** For subclasses. */
    protected AbstractTransportTest() {
    }

    /** {@return a new instance of the provider under test} Called once per test. */
    protected abstract TransportProvider provider();

    /**
     * {@return the context both transports of a test are opened with} {@link DataAccessPort#DAFS} and
     * {@link DataAccessPort#PDAF} must be usable in it (mapped, if the transport maps port names to
     * numbers), and not used by anything else while the test runs. Called once per test, before
     * {@link #serverEndpoint()}, so it may choose fresh port numbers each time.
     */
    protected abstract ProviderContext context();

    /**
     * {@return where the server transport of a test can be reached} The client transport connects to
     * {@code (serverEndpoint(), DAFS)} and {@code (serverEndpoint(), pDAF)}. Called after
     * {@link #context()}.
     */
    protected abstract Endpoint serverEndpoint();

    /** {@return the bound on every wait in the suite; 5 seconds by default} */
    protected Duration patience() {
        return Duration.ofSeconds(5);
    }

    /**
     * {@return whether an unavailable provider fails the suite instead of skipping it} By default, the
     * system property {@value #REQUIRE_AVAILABLE_PROPERTY}.
     */
    protected boolean requireAvailable() {
        return Boolean.getBoolean(REQUIRE_AVAILABLE_PROPERTY);
    }

    /**
     * {@return the largest frame the suite may allocate; 64 MiB by default} The oversized-send test needs
     * a frame one byte over {@link Transport#maxFrameSize()} and is skipped when that is larger than this.
     */
    protected int largestFrameToAllocate() {
        return 64 << 20;
    }

    /** {@return the transport that listens in the current test} */
    protected final Transport server() {
        return server;
    }

    /** {@return the transport that connects in the current test} */
    protected final Transport client() {
        return client;
    }

    /**
     * A connected pair of connections.
     *
     * @param client the connection made by {@link Transport#connect}
     * @param server the connection returned by {@link Listener#accept}
     */
    protected record Pair(Connection client, Connection server) {
    }

    /** Opens the server and client transports; skips (or fails) if the provider is unavailable. */
    @BeforeEach
    void openTransports() {
        TransportProvider p = provider();
        Availability a = p.availability();
        if (!a.isAvailable()) {
            if (requireAvailable()) {
                fail("provider " + p.id() + " is " + a + ", and " + REQUIRE_AVAILABLE_PROPERTY + " requires it");
            }
            Assumptions.abort("provider " + p.id() + " is " + a);
        }
        openedWith = context();
        server = p.open(openedWith);
        client = p.open(openedWith);
    }

    /** Closes both transports and waits (bounded) for the threads this test started. */
    @AfterEach
    void closeTransports() throws InterruptedException {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
        for (Thread t : started) {
            if (!t.join(patience())) {
                t.interrupt();
                fail("thread " + t + " still runs after both transports were closed; a blocking call was not woken by close");
            }
        }
    }

    // ---- the provider ----

    /** The id is what configuration selects; the registry rejects any other shape. */
    @Test
    void providerIdIsWellFormed() {
        String id = provider().id();
        assertNotNull(id, "id()");
        assertTrue(id.matches("[a-z0-9][a-z0-9-]{0,31}"), () -> "id '" + id + "' is not 1-32 lower-case letters, digits and hyphens");
        int priority = provider().priority();
        assertTrue(priority >= 0 && priority <= 10, () -> "priority " + priority + " is outside 0-10");
    }

    /** A provider says whether it can run here, and a second call gives the same answer. */
    @Test
    void providerAvailabilityIsStable() {
        TransportProvider p = provider();
        Availability first = p.availability();
        assertNotNull(first, "availability()");
        assertEquals(first.isAvailable(), p.availability().isAvailable(), "availability() changed between two calls");
    }

    /** The provider declares the endpoint types it reaches, including the one this suite connects to. */
    @Test
    void providerReachesItsEndpointType() {
        TransportProvider p = provider();
        assertFalse(p.endpointTypes().isEmpty(), "endpointTypes() is empty");
        Class<? extends Endpoint> type = serverEndpoint().getClass();
        assertTrue(p.reaches(type), () -> p.id() + " does not declare " + type.getSimpleName() + " among " + p.endpointTypes());
    }

    /** Diagnostics list providers by their toString, so it must name the id. */
    @Test
    void providerToStringShowsId() {
        TransportProvider p = provider();
        assertTrue(p.toString().contains(p.id()), () -> "toString() '" + p + "' does not contain the id " + p.id());
    }

    /** An opened transport carries its provider's id and a usable frame limit. */
    @Test
    void transportNamesItsProvider() {
        assertEquals(provider().id(), server.id());
        assertTrue(server.maxFrameSize() > 0, () -> "maxFrameSize() is " + server.maxFrameSize());
    }

    // ---- frames ----

    /** An empty frame is a frame: it arrives as an empty buffer, not as nothing. */
    @Test
    void emptyFrameRoundTrips() {
        roundTrip(0);
    }

    /** The smallest non-empty frame. */
    @Test
    void oneByteFrameRoundTrips() {
        roundTrip(1);
    }

    /** A frame larger than any socket buffer's single read. */
    @Test
    void largeFrameRoundTrips() {
        Assumptions.assumeTrue(server.maxFrameSize() >= 64 * 1024, "maxFrameSize is below 64 KiB");
        roundTrip(64 * 1024);
    }

    /** Many frames sent back to back arrive in order. */
    @Test
    void manyFramesArriveInOrder() throws Exception {
        Pair p = connect(server.listen(DataAccessPort.DAFS));
        int count = 2000;
        CompletableFuture<Void> sent = start(() -> {
            ByteBuffer b = ByteBuffer.allocate(Integer.BYTES);
            for (int i = 0; i < count; i++) {
                p.client().send(b.clear().putInt(i).flip());
            }
            return null;
        });
        for (int i = 0; i < count; i++) {
            ByteBuffer f = p.server().receive(patience());
            assertEquals(Integer.BYTES, f.remaining(), "frame " + i + " length");
            assertEquals(i, f.getInt(), "frame out of order");
        }
        await(sent);
    }

    /** Frames of varied sizes, empties included, are neither merged nor split. */
    @Test
    void framesAreNeitherMergedNorSplit() throws Exception {
        Pair p = connect(server.listen(DataAccessPort.DAFS));
        long seed = 0x5eed_f4a3L;
        int count = 400;
        int limit = Math.min(server.maxFrameSize(), 16 * 1024);
        int[] sizes = new Random(seed).ints(count, 0, limit + 1).map(n -> n % 7 == 0 ? 0 : n).toArray();
        CompletableFuture<Void> sent = start(() -> {
            for (int i = 0; i < count; i++) {
                p.client().send(ByteBuffer.wrap(pattern(i, sizes[i])));
            }
            return null;
        });
        for (int i = 0; i < count; i++) {
            ByteBuffer f = p.server().receive(patience());
            assertEquals(sizes[i], f.remaining(), "frame " + i + " arrived with the wrong length (merged or split?)");
            assertArrayEquals(pattern(i, sizes[i]), bytes(f), "frame " + i + " content");
        }
        await(sent);
    }

    /** Several threads sending on one connection at once never interleave their frames. */
    @Test
    void concurrentSendersDoNotInterleave() throws Exception {
        Pair p = connect(server.listen(DataAccessPort.DAFS));
        int senders = 4;
        int perSender = 100;
        int limit = Math.min(server.maxFrameSize(), 32 * 1024);
        List<CompletableFuture<Void>> sent = new ArrayList<>();
        for (int s = 0; s < senders; s++) {
            int sender = s;
            sent.add(start(() -> {
                Random r = new Random(sender);
                for (int i = 0; i < perSender; i++) {
                    int size = Math.max(8, r.nextInt(limit + 1));
                    ByteBuffer f = ByteBuffer.wrap(pattern(sender * 31 + i, size));
                    f.putInt(0, sender).putInt(4, i);
                    p.client().send(f);
                }
                return null;
            }));
        }
        int[] next = new int[senders];
        for (int n = 0; n < senders * perSender; n++) {
            ByteBuffer f = p.server().receive(patience());
            assertTrue(f.remaining() >= 8, "frame of " + f.remaining() + " bytes is shorter than any sent");
            int sender = f.getInt(0);
            int i = f.getInt(4);
            assertTrue(sender >= 0 && sender < senders, "frame names sender " + sender + ": frames interleaved");
            assertEquals(next[sender]++, i, "sender " + sender + "'s frames out of order");
            byte[] want = pattern(sender * 31 + i, f.remaining());
            byte[] got = bytes(f);
            assertArrayEquals(Arrays.copyOfRange(want, 8, want.length), Arrays.copyOfRange(got, 8, got.length),
                    "frame " + i + " of sender " + sender + " has foreign bytes: frames interleaved");
        }
        for (CompletableFuture<Void> s : sent) {
            await(s);
        }
    }

    // ---- ports, listeners, refusal ----

    /** A data-access port nobody listens on refuses: this is how pDAF stays closed until takeover. */
    @Test
    void unlistenedPortRefuses() {
        server.listen(DataAccessPort.DAFS);
        assertCode(ErrorCode.CONNECTION_REFUSED, () -> client.connect(serverEndpoint(), DataAccessPort.PDAF, patience()));
    }

    /**
     * Closing a listener deactivates its port; connections it already accepted stay usable, even when the
     * close comes right after the accept (several rounds: a transport that finishes an accepted connection
     * on another thread, as TLS does, must not let close() reach it).
     */
    @Test
    void closedListenerRefusesAndKeepsItsConnections() {
        for (int round = 0; round < 10; round++) {
            Listener l = server.listen(DataAccessPort.DAFS);
            Pair p = connect(l);
            l.close();
            assertFalse(l.isOpen(), "listener still open after close()");
            assertCode(ErrorCode.CONNECTION_REFUSED, () -> client.connect(serverEndpoint(), DataAccessPort.DAFS, patience()));
            assertCode(CLOSED, l::accept);
            exchange(p, 3);
            p.client().close();
            p.server().close();
        }
    }

    /** One transport listens on a data-access port once; after close it may listen again (giveback, takeover). */
    @Test
    void listeningTwiceIsPortInUseAndListeningAgainAfterCloseWorks() {
        Listener first = server.listen(DataAccessPort.DAFS);
        connect(first).client().close();
        assertCode(ErrorCode.PORT_IN_USE, () -> server.listen(DataAccessPort.DAFS));
        assertTrue(first.isOpen(), "the failed second listen closed the first listener");
        first.close();
        Listener second = server.listen(DataAccessPort.DAFS);
        exchange(connect(second), 1);
    }

    /**
     * Closing a listener while another thread waits in accept() (as every server does) refuses new
     * connections as soon as close() returns: a deactivated secondary port must not take a single client.
     */
    @Test
    void closeDuringAcceptRefusesAtOnce() throws Exception {
        for (int round = 0; round < 10; round++) {
            Listener l = server.listen(DataAccessPort.DAFS);
            // A virtual thread blocked in I/O parks (WAITING), so we can tell when it is inside accept().
            Thread acceptor = Thread.ofVirtual().name("conformance-acceptor").start(() -> {
                try {
                    l.accept().close();
                } catch (RuntimeException e) {
                    // CLOSED, expected.
                }
            });
            long deadline = System.nanoTime() + patience().toNanos();
            while (acceptor.getState() != Thread.State.WAITING && acceptor.isAlive() && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(100_000);
            }
            l.close();
            assertCode(ErrorCode.CONNECTION_REFUSED, () -> client.connect(serverEndpoint(), DataAccessPort.DAFS, patience()));
            acceptor.join(patience().toMillis());
        }
    }

    /** A thread waiting in accept() is woken by close() with CLOSED. */
    @Test
    void acceptIsWokenByClose() throws Exception {
        Listener l = server.listen(DataAccessPort.DAFS);
        CompletableFuture<Connection> accepted = startBlocking(l::accept);
        l.close();
        assertCode(CLOSED, () -> await(accepted));
    }

    /** The endpoint type must be one the transport reaches; others are rejected before any I/O. */
    @Test
    void unsupportedEndpointIsRejected() {
        server.listen(DataAccessPort.DAFS);
        Endpoint alien = new AlienEndpoint();
        assertCode(ErrorCode.UNSUPPORTED_ENDPOINT, () -> client.connect(alien, DataAccessPort.DAFS, patience()));
    }

    // ---- connections ----

    /** Both ends report the data-access port and describe their peer. */
    @Test
    void connectionsReportTheirPortAndPeer() {
        Pair p = connect(server.listen(DataAccessPort.PDAF));
        assertEquals(DataAccessPort.PDAF, p.client().port());
        assertEquals(DataAccessPort.PDAF, p.server().port());
        assertFalse(p.client().peer().isBlank(), "client peer() is blank");
        assertFalse(p.server().peer().isBlank(), "server peer() is blank");
        assertTrue(p.client().isOpen() && p.server().isOpen(), "a new connection is not open");
    }

    /** A receive that times out throws TIMEOUT after about its timeout, and the connection stays usable. */
    @Test
    void receiveTimeoutLeavesConnectionUsable() {
        Pair p = connect(server.listen(DataAccessPort.DAFS));
        Duration timeout = Duration.ofMillis(100);
        long t0 = System.nanoTime();
        assertCode(ErrorCode.TIMEOUT, () -> p.server().receive(timeout));
        long waitedMs = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(waitedMs >= timeout.toMillis() / 2, "TIMEOUT after " + waitedMs + " ms, expected about " + timeout.toMillis());
        assertTrue(p.server().isOpen(), "the connection closed on a receive timeout");
        exchange(p, 2);
    }

    /** A thread waiting in receive() is woken by close() of that connection, with CLOSED. */
    @Test
    void receiveIsWokenByClose() throws Exception {
        Pair p = connect(server.listen(DataAccessPort.DAFS));
        CompletableFuture<ByteBuffer> received = startBlocking(() -> p.server().receive(Duration.ZERO));
        p.server().close();
        assertCode(CLOSED, () -> await(received));
        assertFalse(p.server().isOpen());
    }

    /** When one side closes, the other side's receive reports CLOSED, and the closed side refuses use. */
    @Test
    void peerCloseIsClosedOnTheOtherSide() {
        Pair p = connect(server.listen(DataAccessPort.DAFS));
        p.client().close();
        assertCode(CLOSED, () -> p.server().receive(patience()));
        assertFalse(p.server().isOpen(), "connection still open after its peer closed");
        assertCode(CLOSED, () -> p.client().send(ByteBuffer.allocate(1)));
        assertCode(CLOSED, () -> p.client().receive(patience()));
    }

    /** A frame over the maximum is refused on send, nothing reaches the peer, and the connection stays usable. */
    @Test
    void oversizedSendIsRejectedAndSendsNothing() {
        int max = server.maxFrameSize();
        Assumptions.assumeTrue(max < largestFrameToAllocate(), "maxFrameSize " + max + " is above largestFrameToAllocate()");
        Pair p = connect(server.listen(DataAccessPort.DAFS));
        ByteBuffer big = ByteBuffer.allocate(max + 1);
        assertCode(ErrorCode.FRAME_TOO_LARGE, () -> p.client().send(big));
        assertTrue(p.client().isOpen(), "the connection closed after refusing an oversized send");
        p.client().send(ByteBuffer.wrap(pattern(9, 3)));
        ByteBuffer f = p.server().receive(patience());
        assertArrayEquals(pattern(9, 3), bytes(f), "the first frame to arrive is not the one sent after the refusal");
    }

    /** Close is idempotent on connections, listeners and transports. */
    @Test
    void closeIsIdempotent() {
        Listener l = server.listen(DataAccessPort.DAFS);
        Pair p = connect(l);
        assertDoesNotThrow(() -> {
            p.client().close();
            p.client().close();
            l.close();
            l.close();
            client.close();
            client.close();
        });
        assertFalse(p.client().isOpen());
        assertFalse(l.isOpen());
    }

    /** Closing a transport closes its listeners and connections and wakes their waiting threads. */
    @Test
    void transportCloseClosesEverything() throws Exception {
        Listener l = server.listen(DataAccessPort.DAFS);
        Listener pdaf = server.listen(DataAccessPort.PDAF);
        Pair p = connect(l);
        CompletableFuture<Connection> accepting = startBlocking(pdaf::accept);
        CompletableFuture<ByteBuffer> receiving = startBlocking(() -> p.server().receive(Duration.ZERO));

        server.close();

        assertCode(CLOSED, () -> await(accepting));
        assertCode(CLOSED, () -> await(receiving));
        assertFalse(l.isOpen(), "listener open after its transport closed");
        assertFalse(pdaf.isOpen(), "listener open after its transport closed");
        assertFalse(p.server().isOpen(), "accepted connection open after its transport closed");
        assertCode(CLOSED, () -> p.client().receive(patience()));
        assertCode(ErrorCode.CONNECTION_REFUSED, () -> client.connect(serverEndpoint(), DataAccessPort.DAFS, patience()));
        assertCode(CLOSED, () -> server.listen(DataAccessPort.DAFS));

        Pair q = connect(otherServer().listen(DataAccessPort.DAFS));
        client.close();
        assertFalse(q.client().isOpen(), "connection open after its (client) transport closed");
        assertCode(CLOSED, () -> client.connect(serverEndpoint(), DataAccessPort.DAFS, patience()));
    }

    /** DAFS and pDAF are independent: deactivating pDAF (giveback) leaves DAFS and its clients untouched. */
    @Test
    void dataAccessPortsAreIndependent() {
        Listener dafs = server.listen(DataAccessPort.DAFS);
        Listener pdaf = server.listen(DataAccessPort.PDAF);
        Pair own = connect(dafs);
        Pair partners = connect(pdaf);
        assertEquals(DataAccessPort.DAFS, own.server().port());
        assertEquals(DataAccessPort.PDAF, partners.server().port());
        exchange(own, 1);
        exchange(partners, 1);

        pdaf.close();
        partners.server().close();

        assertCode(CLOSED, () -> partners.client().receive(patience()));
        assertCode(ErrorCode.CONNECTION_REFUSED, () -> client.connect(serverEndpoint(), DataAccessPort.PDAF, patience()));
        assertTrue(dafs.isOpen() && own.server().isOpen() && own.client().isOpen(), "closing pDAF touched DAFS");
        exchange(own, 3);
        exchange(connect(dafs), 1);
        exchange(connect(server.listen(DataAccessPort.PDAF)), 1);
    }

    // ---- helpers for subclasses ----

    /**
     * Connects the client transport to {@code listener}'s port at {@link #serverEndpoint()} and accepts.
     *
     * @param listener a listener of the server transport
     * @return the pair
     */
    protected final Pair connect(Listener listener) {
        CompletableFuture<Connection> accepted = start(listener::accept);
        Connection c = client.connect(serverEndpoint(), listener.port(), patience());
        try {
            return new Pair(c, await(accepted));
        } catch (RuntimeException | Error e) {
            c.close();
            throw e;
        }
    }

    /**
     * Asserts that {@code call} throws an {@link UnderstudyException} with {@code expected} code.
     *
     * @param expected the code
     * @param call     the call
     * @return the exception, for further checks of its message
     */
    protected static UnderstudyException assertCode(ErrorCode expected, Executable call) {
        UnderstudyException e = assertThrows(UnderstudyException.class, call, () -> "expected " + expected);
        assertEquals(expected, e.code(), () -> "expected " + expected + " but got: " + e.getMessage());
        return e;
    }

    /**
     * Runs {@code call} on a new virtual thread; {@link #closeTransports()} waits for it after the test.
     *
     * @param call what to run
     * @param <T>  its result
     * @return its outcome
     */
    protected final <T> CompletableFuture<T> start(Callable<T> call) {
        CompletableFuture<T> f = new CompletableFuture<>();
        Thread t = Thread.ofVirtual().name("conformance-" + started.size()).unstarted(() -> {
            try {
                f.complete(call.call());
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        });
        started.add(t);
        t.start();
        return f;
    }

    /**
     * {@return the outcome of {@code f}, waiting at most {@link #patience()}; its exception is rethrown as is}
     *
     * @param f   the future
     * @param <T> its result
     */
    protected final <T> T await(CompletableFuture<T> f) {
        try {
            return f.get(patience().toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error r) {
                throw r;
            }
            throw new AssertionError(e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("no outcome within " + patience() + ": a blocking call was not woken", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /**
     * Sends {@code count} frames each way on a pair and checks they arrive.
     *
     * @param p     the pair
     * @param count frames each way
     */
    protected final void exchange(Pair p, int count) {
        for (int i = 0; i < count; i++) {
            byte[] want = pattern(i, 1 + i * 17);
            p.client().send(ByteBuffer.wrap(want));
            assertArrayEquals(want, bytes(p.server().receive(patience())), "client -> server frame " + i);
            p.server().send(ByteBuffer.wrap(want));
            assertArrayEquals(want, bytes(p.client().receive(patience())), "server -> client frame " + i);
        }
    }

    /**
     * {@return {@code size} bytes that differ for every {@code seed}}
     *
     * @param seed a number identifying the frame
     * @param size the length
     */
    protected static byte[] pattern(int seed, int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (seed * 131 + i * 7 + (i >>> 8));
        }
        return b;
    }

    /**
     * {@return the remaining bytes of a buffer, without moving its position}
     *
     * @param b the buffer
     */
    protected static byte[] bytes(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return a;
    }

    // ---- internals ----

    /** Starts a blocking call and waits (bounded) until its thread parks, so close() really wakes it. */
    private <T> CompletableFuture<T> startBlocking(Callable<T> call) {
        CompletableFuture<T> f = start(call);
        Thread t = started.get(started.size() - 1);
        long until = System.nanoTime() + Math.min(patience().toNanos(), TimeUnit.MILLISECONDS.toNanos(500));
        while (!f.isDone() && t.getState() != Thread.State.WAITING && t.getState() != Thread.State.TIMED_WAITING
                && System.nanoTime() < until) {
            // A transport may block in native code, where the thread still reads RUNNABLE; hence the bound.
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        assertFalse(f.isDone() && !f.isCompletedExceptionally(), "the blocking call returned before anything happened");
        return f;
    }

    /** Replaces the (closed) server transport with a new one from the same context. */
    private Transport otherServer() {
        server = provider().open(openedWith);
        return server;
    }

    private void roundTrip(int size) {
        Pair p = connect(server.listen(DataAccessPort.DAFS));
        byte[] want = pattern(size, size);
        ByteBuffer out = ByteBuffer.wrap(want);
        p.client().send(out);
        assertEquals(0, out.remaining(), "send() did not advance the frame's position to its limit");
        ByteBuffer in = p.server().receive(patience());
        assertEquals(0, in.position(), "a received frame must be positioned at its start");
        assertEquals(size, in.remaining(), "received frame length");
        assertArrayEquals(want, bytes(in));
        p.server().send(in);
        assertArrayEquals(want, bytes(p.client().receive(patience())), "echoed frame");
    }

    /** An endpoint type no transport reaches. */
    private record AlienEndpoint() implements Endpoint {
        @Override
        public String describe() {
            return "alien:nowhere";
        }
    }
}
