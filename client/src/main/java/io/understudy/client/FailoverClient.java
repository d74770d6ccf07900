package io.understudy.client;

import io.understudy.api.Clock;
import io.understudy.api.DataAccessPort;
import io.understudy.api.Endpoint;
import io.understudy.api.ErrorCode;
import io.understudy.api.FailoverNaming;
import io.understudy.api.ServerName;
import io.understudy.api.UnderstudyException;
import io.understudy.api.event.ClientStep;
import io.understudy.api.event.ClientStep.Step;
import io.understudy.api.event.EventListener;
import io.understudy.api.spi.ProviderContext;
import io.understudy.session.ApplicationException;
import io.understudy.session.Frame;
import io.understudy.session.FrameDescriptor;
import io.understudy.session.RequestChannel;
import io.understudy.spi.naming.NameResolver;
import io.understudy.spi.naming.NameResolverProvider;
import io.understudy.spi.transport.Connection;
import io.understudy.spi.transport.Transport;
import io.understudy.spi.transport.TransportProvider;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * A request channel to one server that survives the server's failure without anything on the network
 * moving: the client computes where to go (Fig. 6 of the seed).
 *
 * <h2>The procedure</h2>
 * When the connection breaks, the client, once per break however many callers notice it:
 * <ol>
 *   <li>publishes {@link Step#CONNECTION_BROKEN} (605);</li>
 *   <li>retries the primary {@link Builder#primaryRetries(int) primaryRetries} times, each try a
 *       {@link Step#PRIMARY_RETRY}: resolve the server's name through the configured resolvers and
 *       connect on the primary data-access port ({@code DAFS}), waiting a backoff with jitter between
 *       tries (610);</li>
 *   <li>computes the failover name with the naming convention, {@code FilerA -> FilerA-failover}
 *       ({@link Step#FAILOVER_NAME_COMPUTED}, 615);</li>
 *   <li>resolves it through the resolvers in their configured order ({@link Step#NAME_RESOLVED}, 620; the
 *       primary's own name is resolved the same way on each retry, without an event);</li>
 *   <li>connects to each candidate in rank order on the secondary port ({@code pDAF}) until one answers
 *       ({@link Step#CONNECTED_SECONDARY}, 625);</li>
 *   <li>re-sends every request that was in flight and unanswered, in sequence order
 *       ({@link Step#REQUESTS_RESENT}); each caller sees one slow call, not an error.</li>
 * </ol>
 * If nothing answers, it waits a backoff and goes round again until the
 * {@link Builder#failoverBudget(Duration) failover budget} is spent; a later round tries the primary once
 * (its retries were for riding out a glitch, and the first round spent them), then the failover name, so
 * a partner that is still taking over is tried again after one backoff, not after {@code primaryRetries}; then it publishes
 * {@link Step#GAVE_UP} and every waiting call fails with {@link ErrorCode#FAILOVER_EXHAUSTED}, whose
 * message lists each attempt and why it failed. The next call starts over.
 *
 * <p>A break is: the connection closing or failing; a {@code NOT_SERVING} reply (the request did not
 * run, and is re-sent after failing over); or a request that gets no reply within the
 * {@link Builder#requestTimeout(Duration) request timeout} (the server may be paused). After the last
 * two the server is up but does not serve, and so is a server whose new connection broke again before
 * answering anything; then the next round tries the other server first instead of reconnecting to the
 * same unhelpful one. When the client is on the failover server
 * and that connection breaks (giveback closes {@code pDAF} connections), the same procedure starts with
 * the primary, and success there publishes {@link Step#RETURNED_TO_PRIMARY}. The first connection (on
 * {@link #connect()} or the first {@link #call}) tries the primary once and fails over if it is down. The
 * client never needs the failed server to tell it anything.
 *
 * <p>A server that hands its volumes over in order may say where they are served now: a {@code NOT_SERVING}
 * reply carrying a {@link io.understudy.session.Frame.Hint hint}. An Understudy node sends one when it steps
 * down and its partner has announced that it serves the volumes: {@code PRIMARY} at giveback (the primary
 * has reclaimed its disks), {@code FAILOVER} at an operator takeover or after "I am failing" (the partner
 * serves them on {@code pDAF}). The client then tries the hinted location first and does not pause before it, even if the
 * last reconnection broke before anything was answered; it is advice, not a command: the procedure above
 * runs as usual from there, and an unknown or absent hint changes nothing.
 *
 * <h2>The session</h2>
 * One connection at a time carries every request. Each request carries this client's random 64-bit
 * session id and the next sequence number, so a server that journals requests can answer a re-sent one
 * from its journal instead of running it twice. A reader thread hands replies to their callers by
 * sequence number, so many calls can be in flight at once. Replies with
 * {@code APPLICATION_ERROR} become {@link ApplicationException} and are never retried.
 *
 * <h2>Threading</h2>
 * Thread-safe. {@link #call} blocks its caller until the reply arrives or the procedure gives up. The
 * reader and the recovery run on virtual threads; {@link EventListener}s are called on them, in order,
 * and must not block. Build with {@link #builder()}; {@link #close()} when done.
 *
 * @since 0.1
 */
public final class FailoverClient implements RequestChannel, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(FailoverClient.class.getName());

    /** How long a waiting caller sleeps before it looks at the clock again, so injected clocks are honoured. */
    private static final long WAIT_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    /** How many attempts the give-up message lists from the start and from the end of an outage. */
    private static final int ATTEMPTS_HEAD = 10;
    private static final int ATTEMPTS_TAIL = 30;

    /**
     * Where the client is connected.
     *
     * @since 0.1
     */
    public enum Location {
        /** Not connected: not yet, between connections, after giving up, or closed. */
        NONE,
        /** On the primary server's primary data-access port. */
        PRIMARY,
        /** On the failover server's secondary data-access port. */
        SECONDARY
    }

    private enum Cause {
        CLOSED, NOT_SERVING, TIMEOUT;

        /** A server that accepts connections but does not serve is tried last in the next round. */
        boolean unresponsive() {
            return this != CLOSED;
        }
    }

    /** A break; {@code go} is where a hinted NOT_SERVING said to go, or null. */
    private record Break(Link link, Cause cause, String reason, Location go) {
        Break(Link link, Cause cause, String reason) {
            this(link, cause, reason, null);
        }
    }

    private sealed interface Outcome {
    }

    private record Ok(ByteBuffer payload) implements Outcome {
    }

    private record AppError(String message) implements Outcome {
    }

    private record Failed(ErrorCode code, String message) implements Outcome {
    }

    /** Stops a recovery: the client closed, or the budget ran out and the give-up has been done. */
    private static final class Stop extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Stop() {
            super(null, null, false, false);
        }
    }

    // Configuration.
    private final ServerName server;
    private final FailoverNaming naming;
    private final DataAccessPort primaryPort;
    private final DataAccessPort secondaryPort;
    private final Transport transport;
    private final boolean ownsTransport;
    private final List<NameResolver> ownedResolvers;
    private final ResolverChain resolvers;
    private final int primaryRetries;
    private final Duration retryBackoff;
    private final Duration maxBackoff;
    private final RandomGenerator random;
    private final long budgetNanos;
    private final Duration failoverBudget;
    private final long requestTimeoutNanos;
    private final Duration connectTimeout;
    private final Clock clock;
    private final List<EventListener> listeners;

    // Session.
    private final long sessionId;
    private final AtomicLong nextSequence = new AtomicLong(1);
    private final ConcurrentSkipListMap<Long, Pending> pending = new ConcurrentSkipListMap<>();
    /**
     * Callers register and send under the read lock; a recovery installs a new connection and re-sends
     * under the write lock. So every request is sent on the new connection exactly once: by its caller or
     * by the recovery, never both and never neither.
     */
    private final ReentrantReadWriteLock linkLock = new ReentrantReadWriteLock();
    private final CountDownLatch closeSignal = new CountDownLatch(1);

    // Connection state, guarded by mutex (volatile where read without it).
    private final Object mutex = new Object();
    private volatile Link current;
    private volatile boolean closed;
    private boolean recovering;
    private Thread recoveryThread;
    private Episode episode;
    private Location lastLocation = Location.NONE;
    private String lastGiveUp;

    // Counters.
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong replies = new AtomicLong();
    private final AtomicLong breaks = new AtomicLong();
    private final AtomicLong failovers = new AtomicLong();
    private final AtomicLong returns = new AtomicLong();
    private final AtomicLong resent = new AtomicLong();
    private final AtomicLong giveUps = new AtomicLong();
    private final AtomicLong lastOutageMillis = new AtomicLong();
    private final AtomicLong maxOutageMillis = new AtomicLong();

    private FailoverClient(Builder b) {
        this.server = require(b.server, "server (the primary server name, e.g. ServerName.of(\"FilerA\"))");
        this.naming = b.naming;
        this.primaryPort = b.primaryPort;
        this.secondaryPort = b.secondaryPort;
        if (primaryPort.equals(secondaryPort)) {
            throw config("the primary and secondary data-access ports are both " + primaryPort
                    + "; the failover server serves its partner's clients on a port of their own (DAFS and pDAF)");
        }
        // Computed once here so a convention that cannot name this server fails at build time, not mid-failover.
        ServerName fo = naming.failoverName(server);
        if (fo.matches(server)) {
            throw config("naming convention " + naming.describe() + " maps " + server + " to itself; the failover name must differ");
        }
        if (b.maxBackoff.compareTo(b.retryBackoff) < 0) {
            throw config("maxBackoff " + b.maxBackoff.toMillis() + " ms is shorter than retryBackoff " + b.retryBackoff.toMillis() + " ms");
        }
        if (b.resolvers.isEmpty()) {
            throw config("no name resolvers configured; add one with resolver(...) (e.g. the hosts-file resolver"
                    + " from understudy-impl-hosts) so the client can resolve " + server + " and " + fo);
        }
        if (b.transport == null && b.transportProvider == null) {
            throw config("no transport configured; set one with transport(...) (e.g. the TCP transport from understudy-impl-tcp)");
        }
        this.primaryRetries = b.primaryRetries;
        this.retryBackoff = b.retryBackoff;
        this.maxBackoff = b.maxBackoff;
        this.random = b.random != null ? b.random : RandomGeneratorFactory.getDefault().create();
        this.failoverBudget = b.failoverBudget;
        this.budgetNanos = b.failoverBudget.toNanos();
        this.requestTimeoutNanos = b.requestTimeout.toNanos();
        this.connectTimeout = b.connectTimeout;
        this.clock = b.clock;
        this.listeners = new CopyOnWriteArrayList<>(b.listeners);
        NameCache cache = new NameCache(clock, b.maxCacheTtl, b.negativeCacheTtl,
                NameCache.DEFAULT_MAX_ENTRIES, NameCache.DEFAULT_MAX_NEGATIVE_ENTRIES);
        this.sessionId = new SecureRandom().nextLong();
        // Open what comes from providers last, and close it again if anything fails.
        List<NameResolver> all = new ArrayList<>();
        List<NameResolver> opened = new ArrayList<>();
        Transport t = b.transport;
        try {
            for (ResolverSource src : b.resolvers) {
                if (src.given() != null) {
                    all.add(src.given());
                } else {
                    NameResolver r = src.provider().open(src.context());
                    opened.add(r);
                    all.add(r);
                }
            }
            if (t == null) {
                t = b.transportProvider.open(b.transportContext);
            }
        } catch (RuntimeException e) {
            opened.forEach(NameResolver::close);
            throw e;
        }
        this.transport = t;
        this.ownsTransport = b.transport == null;
        this.ownedResolvers = List.copyOf(opened);
        this.resolvers = new ResolverChain(all, b.notFoundPolicy, cache);
    }

    /** {@return a new builder} */
    public static Builder builder() {
        return new Builder();
    }

    // ---------------------------------------------------------------- public API

    /**
     * Sends a request and waits for its reply, through any failover the reply needs. Connects first if
     * the client is not connected.
     *
     * <p>Thread-safe; many calls may be in flight at once. Blocks until the reply arrives, or until the
     * failover procedure gives up.
     *
     * @param request the application bytes: the buffer's remaining bytes, copied; its position is not
     *                changed; not null
     * @return the reply's application bytes, read-only, owned by the caller
     * @throws ApplicationException if the server's application reported an error (not retried)
     * @throws UnderstudyException  {@link ErrorCode#FAILOVER_EXHAUSTED} if neither the primary nor the
     *                              failover server could be reached within the failover budget (the message
     *                              lists every attempt); {@link ErrorCode#FRAME_TOO_LARGE} if the request is
     *                              larger than the transport carries (nothing was sent);
     *                              {@link ErrorCode#FRAME_MALFORMED} if the server rejected the request as
     *                              malformed; {@link ErrorCode#CLOSED} if the client is closed;
     *                              {@link ErrorCode#TIMEOUT} if the calling thread was interrupted while
     *                              waiting (the request may or may not have run)
     */
    @Override
    public ByteBuffer call(ByteBuffer request) {
        Objects.requireNonNull(request, "request");
        ensureOpen();
        long size = (long) FrameDescriptor.HEADER_LENGTH + request.remaining();
        if (size > transport.maxFrameSize()) {
            throw new UnderstudyException(ErrorCode.FRAME_TOO_LARGE, "request of " + request.remaining()
                    + " bytes makes a " + size + "-byte frame, larger than the " + transport.maxFrameSize()
                    + " bytes transport '" + transport.id() + "' carries; nothing was sent. Split the request.");
        }
        long seq = nextSequence.getAndIncrement();
        Pending p = new Pending(seq, Frame.request(sessionId, seq, request).encode().asReadOnlyBuffer());
        Link failedOn = null;
        String sendError = null;
        boolean idle = false;
        linkLock.readLock().lock();
        try {
            ensureOpen();
            requests.incrementAndGet();
            pending.put(seq, p);
            Link l = current;
            if (l == null) {
                idle = true;
            } else {
                try {
                    send(l, p);
                } catch (RuntimeException e) {
                    failedOn = l;
                    sendError = message(e);
                }
            }
        } finally {
            linkLock.readLock().unlock();
        }
        if (failedOn != null) {
            linkBroken(failedOn, Cause.CLOSED, "sending request " + seq + " failed: " + sendError);
        } else if (idle) {
            startRecoveryIfIdle();
        }
        return await(p);
    }

    /**
     * Connects now instead of on the first call: tries the primary, and fails over if it is down. Returns
     * at once if already connected.
     *
     * <p>Thread-safe. Blocks until connected (and the connection's {@link ClientStep} published) or until
     * the failover budget is spent.
     *
     * @throws UnderstudyException {@link ErrorCode#FAILOVER_EXHAUSTED} listing every attempt, or
     *                             {@link ErrorCode#CLOSED}
     */
    public void connect() {
        ensureOpen();
        long gaveUpBefore = giveUps.get();
        startRecoveryIfIdle();
        synchronized (mutex) {
            while (current == null) {
                if (closed) {
                    throw closedException();
                }
                if (giveUps.get() != gaveUpBefore && !recovering) {
                    throw new UnderstudyException(ErrorCode.FAILOVER_EXHAUSTED, lastGiveUp);
                }
                try {
                    mutex.wait(TimeUnit.NANOSECONDS.toMillis(WAIT_SLICE_NANOS));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new UnderstudyException(ErrorCode.TIMEOUT, "interrupted while connecting to " + server);
                }
            }
        }
        // The recovery that installed the connection holds the write lock until its events are published
        // and the waiting requests re-sent: return after that, so callers see a finished step.
        linkLock.readLock().lock();
        linkLock.readLock().unlock();
    }

    /** {@return where the client is connected now; thread-safe, never blocks} */
    public Location location() {
        Link l = current;
        return l == null ? Location.NONE : l.location;
    }

    /** {@return a description of the current connection (server name, endpoint, port), or empty if none} */
    public String connectedTo() {
        Link l = current;
        return l == null ? "" : l.describe();
    }

    /** {@return this client's session id, random and fixed for its life; requests carry it} */
    public long sessionId() {
        return sessionId;
    }

    /** {@return the primary server's name, as configured} */
    public ServerName server() {
        return server;
    }

    /** {@return a snapshot of the counters; thread-safe, never blocks} */
    public ClientMetrics metrics() {
        return new ClientMetrics(requests.get(), replies.get(), breaks.get(), failovers.get(), returns.get(),
                resent.get(), giveUps.get(), lastOutageMillis.get(), maxOutageMillis.get());
    }

    /**
     * Subscribes to the client's {@link ClientStep} events. Listeners are called in order on the client's
     * threads and must not block; exceptions they throw are logged and ignored.
     *
     * @param listener the listener, not null
     */
    public void addListener(EventListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Unsubscribes a listener.
     *
     * @param listener the listener
     * @return whether it was subscribed
     */
    public boolean removeListener(EventListener listener) {
        return listeners.remove(listener);
    }

    /**
     * Closes the connection, stops any recovery, and fails every waiting call with
     * {@link ErrorCode#CLOSED}. Closes the transport and resolvers the client opened from providers, not
     * those it was given. Idempotent; thread-safe; waits briefly for the recovery thread to stop.
     */
    @Override
    public void close() {
        Link l;
        Thread r;
        synchronized (mutex) {
            if (closed) {
                return;
            }
            closed = true;
            l = current;
            current = null;
            r = recoveryThread;
            mutex.notifyAll();
        }
        closeSignal.countDown();
        if (l != null) {
            l.conn.close();
        }
        if (r != null) {
            try {
                r.join(connectTimeout.plusSeconds(1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        failAll(new Failed(ErrorCode.CLOSED, "the failover client for " + server + " was closed"));
        if (ownsTransport) {
            transport.close();
        }
        ownedResolvers.forEach(NameResolver::close);
    }

    @Override
    public String toString() {
        return "FailoverClient[" + server + " -> " + naming.describe() + ", " + primaryPort + "/" + secondaryPort
                + ", " + transport.id() + ", session " + Long.toHexString(sessionId) + ", " + location() + "]";
    }

    // ---------------------------------------------------------------- request path

    private void send(Link l, Pending p) {
        p.sentOn = l;
        p.deadline = clock.nanoTime() + requestTimeoutNanos;
        p.sends++;
        l.conn.send(p.frame.duplicate());
    }

    private ByteBuffer await(Pending p) {
        while (true) {
            long wait = WAIT_SLICE_NANOS;
            Link on = p.sentOn;
            if (on != null && on == current) {
                // The request is out on the live connection: its timeout runs.
                long left = p.deadline - clock.nanoTime();
                if (left <= 0) {
                    linkBroken(on, Cause.TIMEOUT, "no reply to request " + p.seq + " within "
                            + TimeUnit.NANOSECONDS.toMillis(requestTimeoutNanos) + " ms");
                } else {
                    wait = Math.min(left, WAIT_SLICE_NANOS);
                }
            }
            Outcome o;
            try {
                o = p.result.get(wait, TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                continue;
            } catch (InterruptedException e) {
                pending.remove(p.seq);
                Thread.currentThread().interrupt();
                throw new UnderstudyException(ErrorCode.TIMEOUT, "interrupted while waiting for the reply to request "
                        + p.seq + " from " + server + "; it may or may not have run");
            } catch (ExecutionException e) {
                throw new IllegalStateException("reply futures are completed normally", e);
            }
            // Exceptions are made here, on the caller's thread, so their stack traces show the call.
            return switch (o) {
                case Ok ok -> ok.payload();
                case AppError ae -> throw new ApplicationException(ae.message());
                case Failed f -> throw new UnderstudyException(f.code(), f.message());
            };
        }
    }

    private void read(Link l) {
        try {
            while (true) {
                ByteBuffer raw = l.conn.receive(Duration.ZERO);
                Frame f;
                try {
                    f = Frame.decode(raw);
                } catch (UnderstudyException e) {
                    linkBroken(l, Cause.CLOSED, "received a malformed frame: " + message(e));
                    return;
                }
                if (f.isRequest() || f.sessionId() != sessionId) {
                    linkBroken(l, Cause.CLOSED, "received " + f + ", not a reply to session " + Long.toHexString(sessionId));
                    return;
                }
                dispatch(l, f);
            }
        } catch (RuntimeException e) {
            linkBroken(l, Cause.CLOSED, message(e));
        }
    }

    private void dispatch(Link l, Frame f) {
        long seq = f.sequence();
        switch (f.status()) {
            case NOT_SERVING -> {
                // The request did not run; it stays pending and is re-sent after failing over (first where the
                // hint says the volume is served now, if the server gave one).
                if (pending.containsKey(seq)) {
                    Location go = switch (f.hint()) {
                        case PRIMARY -> Location.PRIMARY;
                        case FAILOVER -> Location.SECONDARY;
                        case NONE -> null;
                    };
                    linkBroken(l, Cause.NOT_SERVING, "answered NOT_SERVING to request " + seq + ": " + utf8(f.payload())
                            + (go == null ? "" : " (hint: go to the " + (go == Location.PRIMARY ? "primary " + server : "failover name") + ")"), go);
                }
            }
            case OK -> complete(l, seq, new Ok(f.payload()));
            case APPLICATION_ERROR -> complete(l, seq, new AppError(utf8(f.payload())));
            case BAD_REQUEST -> complete(l, seq, new Failed(ErrorCode.FRAME_MALFORMED, l.name + " on " + l.port
                    + " rejected request " + seq + " as malformed (it did not run): " + utf8(f.payload())));
        }
    }

    private void complete(Link l, long seq, Outcome o) {
        Pending p = pending.remove(seq);
        if (p == null) {
            return; // a late duplicate: the request was re-sent and already answered
        }
        replies.incrementAndGet();
        Episode ended = l.endsOutage.getAndSet(null);
        if (ended != null) {
            endOutage(ended);
        }
        p.result.complete(o);
    }

    private void failAll(Failed f) {
        linkLock.writeLock().lock();
        try {
            for (Map.Entry<Long, Pending> e; (e = pending.pollFirstEntry()) != null; ) {
                e.getValue().result.complete(f);
            }
        } finally {
            linkLock.writeLock().unlock();
        }
    }

    // ---------------------------------------------------------------- breaks and recovery

    private void linkBroken(Link l, Cause cause, String reason) {
        linkBroken(l, cause, reason, null);
    }

    private void linkBroken(Link l, Cause cause, String reason, Location go) {
        Thread t;
        synchronized (mutex) {
            if (closed || current != l) {
                return; // already handled: single flight per break
            }
            current = null;
            recovering = true;
            t = recoveryThread = Thread.ofVirtual().name("understudy-client-recovery-" + server)
                    .unstarted(() -> recover(new Break(l, cause, reason, go)));
        }
        l.conn.close();
        t.start();
    }

    private void startRecoveryIfIdle() {
        Thread t;
        synchronized (mutex) {
            if (closed || current != null || recovering) {
                return;
            }
            recovering = true;
            t = recoveryThread = Thread.ofVirtual().name("understudy-client-connect-" + server)
                    .unstarted(() -> recover(null));
        }
        t.start();
    }

    /** Fig. 6. {@code br} is null for the first connection (or the first after a give-up). */
    private void recover(Break br) {
        Episode ep;
        synchronized (mutex) {
            if (episode == null) {
                episode = new Episode(clock.nanoTime(), budgetNanos, new Backoff(retryBackoff, maxBackoff, random));
            }
            ep = episode;
        }
        try {
            boolean again = false;
            if (br != null) {
                // The recovery that installed the broken connection may still be re-sending on it (it
                // holds the write lock until REQUESTS_RESENT is out); wait for it so events stay in order.
                // It cannot stay blocked: the broken connection is closed, which fails its sends.
                linkLock.writeLock().lock();
                linkLock.writeLock().unlock();
                breaks.incrementAndGet();
                again = ep.broken(br, clock.nanoTime());
                publish(Step.CONNECTION_BROKEN, br.link.describe() + ": " + br.reason);
            }
            if (again && (br == null || br.go == null)) {
                // The last reconnection broke before anything was answered: pace the next one (unless the server
                // said where the volume is served now: then go there at once).
                pause(ep);
            }
            for (int round = 1; ; round++) {
                for (Location loc : ep.order()) {
                    Link l = loc == Location.PRIMARY
                            ? tryPrimary(ep, br == null && round == 1, round)
                            : trySecondary(ep);
                    if (l != null) {
                        install(l, br != null, ep);
                        return;
                    }
                    stopIfClosed();
                    if (ep.remaining(clock) <= 0) {
                        giveUp(ep);
                        return;
                    }
                }
                pause(ep);
            }
        } catch (Stop stop) {
            // Closed, or given up inside pause().
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.ERROR, "failover client for " + server + ": recovery failed unexpectedly", e);
            ep.attempt(clock, "recovery failed unexpectedly: " + e);
            giveUp(ep);
            if (e instanceof Error err) {
                throw err;
            }
        }
    }

    /**
     * Fig. 6, 610: the primary, on the primary port, {@code primaryRetries} times in the first round of a
     * recovery and once in later rounds. The first connection tries once, unannounced.
     */
    private Link tryPrimary(Episode ep, boolean firstConnection, int round) {
        int tries = firstConnection || round > 1 ? 1 : primaryRetries;
        for (int i = 1; i <= tries; i++) {
            if (i > 1) {
                pause(ep);
            }
            stopIfClosed();
            if (!firstConnection) {
                publish(Step.PRIMARY_RETRY, "try " + i + "/" + tries + ": " + server + " on " + primaryPort);
            }
            Link l = connectTo(ep, Location.PRIMARY, server, primaryPort);
            if (l != null) {
                return l;
            }
        }
        return null;
    }

    /** Fig. 6, 615-625: compute the failover name, resolve it, connect on the secondary port. */
    private Link trySecondary(Episode ep) {
        stopIfClosed();
        ServerName name = naming.failoverName(server);
        publish(Step.FAILOVER_NAME_COMPUTED, name + " (" + naming.describe() + " of " + server + ")");
        return connectTo(ep, Location.SECONDARY, name, secondaryPort);
    }

    private Link connectTo(Episode ep, Location loc, ServerName name, DataAccessPort port) {
        String what = (loc == Location.PRIMARY ? "primary " : "failover ") + name + " on " + port;
        ResolverChain.Lookup lookup = resolvers.lookup(name, port);
        switch (lookup) {
            case ResolverChain.Missing m -> {
                ep.attempt(clock, what + ": name not resolved by " + resolvers.labels() + ": " + m.why());
                return null;
            }
            case ResolverChain.Found f -> {
                if (loc == Location.SECONDARY) {
                    publish(Step.NAME_RESOLVED, name + " -> " + f.candidates().stream().map(Endpoint::describe).toList()
                            + " (" + f.source() + ")");
                }
                for (Endpoint e : f.candidates()) {
                    stopIfClosed();
                    long left = ep.remaining(clock);
                    if (left <= 0) {
                        return null;
                    }
                    Duration timeout = connectTimeout.toNanos() <= left ? connectTimeout
                            : Duration.ofNanos(Math.max(left, TimeUnit.MILLISECONDS.toNanos(1)));
                    try {
                        Connection c = transport.connect(e, port, timeout);
                        return new Link(c, loc, name, e, port);
                    } catch (RuntimeException x) {
                        ep.attempt(clock, what + ": connect to " + e.describe() + " failed: " + message(x));
                        // The cached answer may be stale: ask the name service again next time.
                        resolvers.invalidate(name);
                    }
                }
                return null;
            }
        }
    }

    private void install(Link l, boolean afterBreak, Episode ep) {
        Location previous;
        int count = 0;
        StringBuilder seqs = new StringBuilder();
        Link failed = null;
        String failure = null;
        boolean waiting;
        linkLock.writeLock().lock();
        try {
            synchronized (mutex) {
                if (closed) {
                    l.conn.close();
                    return;
                }
                current = l;
                recovering = false;
                recoveryThread = null;
                previous = lastLocation;
                lastLocation = l.location;
                mutex.notifyAll();
            }
            if (l.location == Location.SECONDARY) {
                failovers.incrementAndGet();
                publish(Step.CONNECTED_SECONDARY, l.describe());
            } else if (previous == Location.SECONDARY) {
                returns.incrementAndGet();
                publish(Step.RETURNED_TO_PRIMARY, l.describe());
            } else {
                publish(Step.CONNECTED_PRIMARY, l.describe());
            }
            waiting = !pending.isEmpty();
            if (waiting) {
                l.endsOutage.set(ep);
            }
            // A platform thread: a reply then wakes the caller directly, not through the virtual-thread poller and a
            // carrier (79 -> 47 us round trip on loopback, docs/PERFORMANCE.md); one OS thread per open connection.
            Thread.ofPlatform().daemon().name("understudy-client-reader-" + l.name).start(() -> read(l));
            for (Pending p : pending.values()) {
                boolean again = p.sends > 0;
                try {
                    send(l, p);
                } catch (RuntimeException e) {
                    failed = l;
                    failure = "re-sending request " + p.seq + " failed: " + message(e);
                    break;
                }
                if (again) {
                    count++;
                    if (count <= 8) {
                        seqs.append(seqs.isEmpty() ? "" : ", ").append(p.seq);
                    } else if (count == 9) {
                        seqs.append(", ...");
                    }
                }
            }
            resent.addAndGet(count);
            if (afterBreak) {
                publish(Step.REQUESTS_RESENT, count + (count == 1 ? " request" : " requests")
                        + (count == 0 ? "" : " (seq " + seqs + ")") + " on " + l.describe());
            }
        } finally {
            linkLock.writeLock().unlock();
        }
        if (!waiting) {
            endOutage(ep);
        }
        if (failed != null) {
            linkBroken(failed, Cause.CLOSED, failure);
        }
    }

    private void endOutage(Episode ep) {
        synchronized (mutex) {
            if (episode == ep) {
                episode = null;
            }
        }
        if (ep.brokenAt != Long.MIN_VALUE) {
            long ms = TimeUnit.NANOSECONDS.toMillis(clock.nanoTime() - ep.brokenAt);
            lastOutageMillis.set(ms);
            maxOutageMillis.accumulateAndGet(ms, Math::max);
        }
    }

    /** Waits the next backoff, within the budget; gives up (and stops) when the budget is spent. */
    private void pause(Episode ep) {
        long left = ep.remaining(clock);
        if (left <= 0) {
            giveUp(ep);
            throw new Stop();
        }
        long d = Math.min(ep.backoff.nextNanos(), left);
        try {
            if (closeSignal.await(d, TimeUnit.NANOSECONDS)) {
                throw new Stop();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Stop();
        }
        if (ep.remaining(clock) <= 0) {
            giveUp(ep);
            throw new Stop();
        }
    }

    private void stopIfClosed() {
        if (closed) {
            throw new Stop();
        }
    }

    private void giveUp(Episode ep) {
        String msg = "could not reach " + server + " on " + primaryPort + " nor its failover server "
                + naming.failoverName(server) + " on " + secondaryPort + " within the failover budget of "
                + failoverBudget.toMillis() + " ms (" + naming.describe() + ", resolvers " + resolvers.labels()
                + ", transport " + transport.id() + "). " + ep.report()
                + ". Check that one of the pair is up and serving, and that the name service knows both names.";
        synchronized (mutex) {
            if (closed) {
                return;
            }
        }
        giveUps.incrementAndGet();
        publish(Step.GAVE_UP, ep.attempts() + " attempts in " + TimeUnit.NANOSECONDS.toMillis(clock.nanoTime() - ep.origin) + " ms");
        linkLock.writeLock().lock();
        try {
            synchronized (mutex) {
                current = null;
                recovering = false;
                recoveryThread = null;
                if (episode == ep) {
                    episode = null;
                }
                lastGiveUp = msg;
                mutex.notifyAll();
            }
            Failed f = new Failed(ErrorCode.FAILOVER_EXHAUSTED, msg);
            for (Map.Entry<Long, Pending> e; (e = pending.pollFirstEntry()) != null; ) {
                e.getValue().result.complete(f);
            }
        } finally {
            linkLock.writeLock().unlock();
        }
    }

    // ---------------------------------------------------------------- helpers

    private void publish(Step step, String detail) {
        ClientStep event = new ClientStep(clock.instant(), server.value(), step, detail);
        for (EventListener l : listeners) {
            try {
                l.onEvent(event);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "event listener " + l + " threw on " + event.describe(), e);
            }
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw closedException();
        }
    }

    private UnderstudyException closedException() {
        return new UnderstudyException(ErrorCode.CLOSED, "the failover client for " + server + " is closed; build a new one");
    }

    private static String message(Throwable e) {
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }

    private static String utf8(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] a = new byte[d.remaining()];
        d.get(a);
        return new String(a, StandardCharsets.UTF_8);
    }

    private static <T> T require(T value, String what) {
        if (value == null) {
            throw config("no " + what + " configured");
        }
        return value;
    }

    private static UnderstudyException config(String message) {
        return new UnderstudyException(ErrorCode.INVALID_CONFIGURATION, "failover client: " + message);
    }

    /** One request until its caller has its outcome. */
    private static final class Pending {
        final long seq;
        final ByteBuffer frame;
        final CompletableFuture<Outcome> result = new CompletableFuture<>();
        // Written under the link lock (read side by the caller once, write side by a recovery).
        volatile Link sentOn;
        volatile long deadline;
        volatile int sends;

        Pending(long seq, ByteBuffer frame) {
            this.seq = seq;
            this.frame = frame;
        }
    }

    /** One connection, with where it goes. */
    private static final class Link {
        final Connection conn;
        final Location location;
        final ServerName name;
        final Endpoint endpoint;
        final DataAccessPort port;
        /** The outage that the first reply on this connection ends, if any. */
        final AtomicReference<Episode> endsOutage = new AtomicReference<>();

        Link(Connection conn, Location location, ServerName name, Endpoint endpoint, DataAccessPort port) {
            this.conn = conn;
            this.location = location;
            this.name = name;
            this.endpoint = endpoint;
            this.port = port;
        }

        String describe() {
            return name + " " + endpoint.describe() + " on " + port;
        }
    }

    /**
     * One outage: from the first break (or the first connection attempt) until a reply arrives on a new
     * connection. The budget, the backoff sequence and the attempt log run across every break in it, from
     * its origin: the first connection attempt, or the first break once there is one (time spent connected
     * before a first break is not outage).
     */
    private static final class Episode {
        final long start;
        final Backoff backoff;
        volatile long origin;
        final EnumSet<Location> unresponsive = EnumSet.noneOf(Location.class);
        /** Where the last break's NOT_SERVING hint said to go, or null. Guarded by this. */
        private Location hinted;
        volatile long brokenAt = Long.MIN_VALUE;
        private final List<String> head = new ArrayList<>();
        private final ArrayDeque<String> tail = new ArrayDeque<>();
        private int total;
        private final long budgetNanos;

        Episode(long start, long budgetNanos, Backoff backoff) {
            this.start = start;
            this.origin = start;
            this.budgetNanos = budgetNanos;
            this.backoff = backoff;
        }

        /**
         * Records a break. {@return whether it broke a connection made during this outage (before any
         * reply came on it), rather than starting the outage}
         */
        synchronized boolean broken(Break br, long now) {
            boolean again = brokenAt != Long.MIN_VALUE;
            if (!again) {
                // The outage starts here; a start-up connection that broke was not a reconnection in it.
                brokenAt = now;
                origin = now;
                head.clear();
                tail.clear();
                total = 0;
            }
            // A server that answered NOT_SERVING, or let a request time out, is up but not serving; so is one
            // whose fresh connection in this outage broke before any reply (it accepts, then drops us).
            if (br.cause.unresponsive() || again) {
                unresponsive.add(br.link.location);
            }
            hinted = br.go;
            if (hinted != null) {
                // The server says the volume is served there now: whatever this outage saw of it before is stale.
                unresponsive.remove(hinted);
            }
            attemptLocked(now, "connection to " + br.link.describe() + " broke: " + br.reason);
            return again;
        }

        /**
         * Where the last break's hint said to go first, if it had one; else primary first, unless the primary is up
         * but not serving and the failover server has not failed that way too.
         */
        synchronized List<Location> order() {
            if (hinted != null) {
                return hinted == Location.PRIMARY ? List.of(Location.PRIMARY, Location.SECONDARY)
                        : List.of(Location.SECONDARY, Location.PRIMARY);
            }
            return unresponsive.contains(Location.PRIMARY) && !unresponsive.contains(Location.SECONDARY)
                    ? List.of(Location.SECONDARY, Location.PRIMARY)
                    : List.of(Location.PRIMARY, Location.SECONDARY);
        }

        long remaining(Clock clock) {
            return budgetNanos - (clock.nanoTime() - origin);
        }

        synchronized void attempt(Clock clock, String what) {
            attemptLocked(clock.nanoTime(), what);
        }

        private void attemptLocked(long now, String what) {
            String line = "[+" + TimeUnit.NANOSECONDS.toMillis(now - origin) + " ms] " + what;
            total++;
            if (head.size() < ATTEMPTS_HEAD) {
                head.add(line);
                return;
            }
            tail.addLast(line);
            if (tail.size() > ATTEMPTS_TAIL) {
                tail.removeFirst();
            }
        }

        synchronized int attempts() {
            return total;
        }

        synchronized String report() {
            StringBuilder sb = new StringBuilder().append(total).append(total == 1 ? " attempt:" : " attempts:");
            int n = 0;
            for (String s : head) {
                sb.append("\n  ").append(++n).append(". ").append(s);
            }
            int skipped = total - head.size() - tail.size();
            if (skipped > 0) {
                sb.append("\n  ... ").append(skipped).append(" more ...");
                n += skipped;
            }
            for (String s : tail) {
                sb.append("\n  ").append(++n).append(". ").append(s);
            }
            return sb.toString();
        }
    }

    /** A resolver given by the caller, or a provider to open one from. */
    private record ResolverSource(NameResolver given, NameResolverProvider provider, ProviderContext context) {
    }

    /**
     * Builds a {@link FailoverClient}. Required: {@link #server}, a transport and at least one resolver.
     * Not thread-safe; {@link #build()} may be called more than once.
     *
     * @since 0.1
     */
    public static final class Builder {
        private ServerName server;
        private FailoverNaming naming = FailoverNaming.DEFAULT;
        private DataAccessPort primaryPort = DataAccessPort.DAFS;
        private DataAccessPort secondaryPort = DataAccessPort.PDAF;
        private Transport transport;
        private TransportProvider transportProvider;
        private ProviderContext transportContext;
        private final List<ResolverSource> resolvers = new ArrayList<>();
        private NotFoundPolicy notFoundPolicy = NotFoundPolicy.TRY_NEXT;
        private int primaryRetries = 2;
        private Duration retryBackoff = Duration.ofMillis(50);
        private Duration maxBackoff = Duration.ofSeconds(1);
        private RandomGenerator random;
        private Duration failoverBudget = Duration.ofSeconds(30);
        private Duration requestTimeout = Duration.ofSeconds(5);
        private Duration connectTimeout = Duration.ofSeconds(2);
        private Duration maxCacheTtl = Duration.ofMinutes(1);
        private Duration negativeCacheTtl = Duration.ofSeconds(2);
        private Clock clock = Clock.system();
        private final List<EventListener> listeners = new ArrayList<>();

        private Builder() {
        }

        /**
         * Sets the primary server's resolvable name (Table 1: {@code FilerA}). Required.
         *
         * @param server the name, not null
         * @return this
         */
        public Builder server(ServerName server) {
            this.server = Objects.requireNonNull(server, "server");
            return this;
        }

        /**
         * Sets the naming convention that computes the failover name; default
         * {@link FailoverNaming#DEFAULT} ({@code -failover} appended).
         *
         * @param naming the convention, not null
         * @return this
         */
        public Builder naming(FailoverNaming naming) {
            this.naming = Objects.requireNonNull(naming, "naming");
            return this;
        }

        /**
         * Sets the primary data-access port; default {@link DataAccessPort#DAFS}.
         *
         * @param port the port, not null
         * @return this
         */
        public Builder primaryPort(DataAccessPort port) {
            this.primaryPort = Objects.requireNonNull(port, "port");
            return this;
        }

        /**
         * Sets the secondary data-access port the failover server opens during takeover; default
         * {@link DataAccessPort#PDAF}.
         *
         * @param port the port, not null
         * @return this
         */
        public Builder secondaryPort(DataAccessPort port) {
            this.secondaryPort = Objects.requireNonNull(port, "port");
            return this;
        }

        /**
         * Uses a transport the caller opened and will close; the client does not close it.
         *
         * @param transport the transport, not null
         * @return this
         */
        public Builder transport(Transport transport) {
            this.transport = Objects.requireNonNull(transport, "transport");
            this.transportProvider = null;
            this.transportContext = null;
            return this;
        }

        /**
         * Has {@link #build()} open a transport from a provider; the client closes it on
         * {@link FailoverClient#close()}.
         *
         * @param provider the provider (from {@link io.understudy.spi.transport.TransportRegistry}), not null
         * @param context  the context (port numbers, options), not null
         * @return this
         */
        public Builder transport(TransportProvider provider, ProviderContext context) {
            this.transportProvider = Objects.requireNonNull(provider, "provider");
            this.transportContext = Objects.requireNonNull(context, "context");
            this.transport = null;
            return this;
        }

        /**
         * Replaces the resolvers with these, asked in this order. The client does not close them.
         *
         * @param resolvers the resolvers, not empty, no nulls
         * @return this
         */
        public Builder resolvers(List<? extends NameResolver> resolvers) {
            List<NameResolver> copy = List.copyOf(resolvers);
            this.resolvers.clear();
            copy.forEach(this::resolver);
            return this;
        }

        /**
         * Adds a resolver after those already configured. The client does not close it.
         *
         * @param resolver the resolver, not null
         * @return this
         */
        public Builder resolver(NameResolver resolver) {
            resolvers.add(new ResolverSource(Objects.requireNonNull(resolver, "resolver"), null, null));
            return this;
        }

        /**
         * Adds, after those already configured, a resolver that {@link #build()} opens from a provider;
         * the client closes it on {@link FailoverClient#close()}.
         *
         * @param provider the provider (from {@link io.understudy.spi.naming.NameResolverRegistry}), not null
         * @param context  the context (e.g. the hosts file), not null
         * @return this
         */
        public Builder resolver(NameResolverProvider provider, ProviderContext context) {
            resolvers.add(new ResolverSource(null, Objects.requireNonNull(provider, "provider"),
                    Objects.requireNonNull(context, "context")));
            return this;
        }

        /**
         * Sets what a not-found answer from one resolver means for the next; default
         * {@link NotFoundPolicy#TRY_NEXT}.
         *
         * @param policy the policy, not null
         * @return this
         */
        public Builder notFoundPolicy(NotFoundPolicy policy) {
            this.notFoundPolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * Sets how many times the primary is tried in each round before the failover name; default 2.
         *
         * @param retries 1 or more
         * @return this
         */
        public Builder primaryRetries(int retries) {
            if (retries < 1) {
                throw config("primaryRetries is " + retries + "; expected 1 or more (Fig. 6 retries the primary before failing over)");
            }
            this.primaryRetries = retries;
            return this;
        }

        /**
         * Sets the first wait between tries; each later wait doubles, up to {@link #maxBackoff}, and is
         * jittered down by up to half. Default 50 ms.
         *
         * @param backoff positive
         * @return this
         */
        public Builder retryBackoff(Duration backoff) {
            this.retryBackoff = positive("retryBackoff", backoff);
            return this;
        }

        /**
         * Sets the longest wait between tries; default 1 s.
         *
         * @param max positive, at least {@link #retryBackoff}
         * @return this
         */
        public Builder maxBackoff(Duration max) {
            this.maxBackoff = positive("maxBackoff", max);
            return this;
        }

        /**
         * Sets the jitter source; give a seeded generator for reproducible waits. Default: a fresh
         * generator of the JDK's default algorithm. Used by the recovery thread only.
         *
         * @param random the generator, not null
         * @return this
         */
        public Builder random(RandomGenerator random) {
            this.random = Objects.requireNonNull(random, "random");
            return this;
        }

        /**
         * Sets how long one outage may last before the client gives up and fails the waiting calls with
         * {@link ErrorCode#FAILOVER_EXHAUSTED}; measured by the client's clock from the break. Default 30 s.
         *
         * @param budget positive
         * @return this
         */
        public Builder failoverBudget(Duration budget) {
            this.failoverBudget = positive("failoverBudget", budget);
            return this;
        }

        /**
         * Sets how long a request may go unanswered on a live connection before the client treats the
         * connection as broken (the server may be paused) and fails over; the request is then re-sent.
         * Default 5 s.
         *
         * @param timeout positive
         * @return this
         */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = positive("requestTimeout", timeout);
            return this;
        }

        /**
         * Sets the longest one connection attempt may take; default 2 s. Never longer than what is left of
         * the failover budget.
         *
         * @param timeout positive
         * @return this
         */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive("connectTimeout", timeout);
            return this;
        }

        /**
         * Sets the cap on how long a resolved name is cached, whatever TTL the resolver gave; default 1 min.
         * Zero disables positive caching.
         *
         * @param max not negative
         * @return this
         */
        public Builder maxCacheTtl(Duration max) {
            this.maxCacheTtl = notNegative("maxCacheTtl", max);
            return this;
        }

        /**
         * Sets the cap on how long a not-found answer is cached; default 2 s, short so that a failover name
         * added to the name service is seen soon. Zero disables negative caching.
         *
         * @param max not negative
         * @return this
         */
        public Builder negativeCacheTtl(Duration max) {
            this.negativeCacheTtl = notNegative("negativeCacheTtl", max);
            return this;
        }

        /**
         * Sets the clock for timeouts, the budget, cache lifetimes and event times; default the system clock.
         * The waits between tries are real waits (a clock cannot sleep); with a manual clock the procedure
         * keeps going round until the clock is advanced past the budget.
         *
         * @param clock the clock, not null
         * @return this
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Adds an event listener (see {@link FailoverClient#addListener}).
         *
         * @param listener the listener, not null
         * @return this
         */
        public Builder listener(EventListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * {@return the client, not yet connected (it connects on {@link FailoverClient#connect()} or the
         * first call)}
         *
         * @throws UnderstudyException {@link ErrorCode#INVALID_CONFIGURATION} naming what is missing or
         *                             inconsistent; {@link ErrorCode#INVALID_NAMING_CONVENTION} if the
         *                             convention cannot name the server's partner
         */
        public FailoverClient build() {
            return new FailoverClient(this);
        }

        private static Duration positive(String what, Duration d) {
            Objects.requireNonNull(d, what);
            if (d.isNegative() || d.isZero()) {
                throw config(what + " is " + d + "; expected a positive duration");
            }
            return d;
        }

        private static Duration notNegative(String what, Duration d) {
            Objects.requireNonNull(d, what);
            if (d.isNegative()) {
                throw config(what + " is " + d + "; expected zero or more");
            }
            return d;
        }
    }

}
