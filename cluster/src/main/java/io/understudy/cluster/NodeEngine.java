package io.understudy.cluster;

import io.understudy.api.Clock;
import io.understudy.api.DataAccessPort;
import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.api.event.EventListener;
import io.understudy.api.event.NodeState;
import io.understudy.api.event.NodeStateChanged;
import io.understudy.api.event.NodeStep;
import io.understudy.api.event.NodeStep.Step;
import io.understudy.api.event.UnderstudyEvent;
import io.understudy.api.ownership.ClaimResult;
import io.understudy.api.ownership.DiskId;
import io.understudy.api.ownership.DiskIo;
import io.understudy.api.ownership.NodeId;
import io.understudy.api.ownership.OwnershipService;
import io.understudy.api.ownership.OwnershipState;
import io.understudy.api.ownership.ReleaseResult;
import io.understudy.session.ApplicationException;
import io.understudy.session.Frame;
import io.understudy.session.Status;
import io.understudy.spi.transport.Connection;
import io.understudy.spi.transport.Listener;
import io.understudy.spi.transport.Transport;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One node of a clustered pair: it owns its disks, serves them on the primary data-access port, watches
 * its partner over the interconnect, and runs the seed's procedures: takeover (Fig. 4), giveback (Fig. 5)
 * and operator takeover (Fig. 7). Nothing on the network moves: the secondary port is simply opened during
 * takeover and closed at giveback; clients find it by computing the failover name.
 *
 * <p>Every state change and every step is published as an event with a timestamp from the injected
 * clock. All decisions run on one control thread, so the procedures never interleave; the data path runs
 * on virtual threads, one per connection, admitted through a gate per port.
 *
 * <p>Split brain: a node that stops hearing its partner cannot tell a dead partner from a cut
 * interconnect. The ownership claim decides: a node checks that it is not itself fenced before it
 * preempts, the second node of the pair waits {@link NodeSettings#splitBrainDelay()} first so the first
 * node wins a race, and a node that finds itself preempted stops serving those disks at once (its writes
 * already fail at the disk).
 *
 * <p>Thread-safe. Create with {@link #builder()}, then {@link #start()}.
 *
 * @since 0.1
 */
public final class NodeEngine implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(NodeEngine.class.getName());

    private final NodeSettings settings;
    private final Transport dataTransport;
    private final Transport interconnectTransport;
    private final OwnershipService ownership;
    private final VolumeService app;
    private final Clock clock;
    private final boolean autoTick;
    private final String name;
    private final InterconnectSecurity security;

    private final ScheduledExecutorService control;
    private final ScheduledExecutorService beat;
    private final FailureDetector detector;
    private final Interconnect interconnect;
    private final List<EventListener> listeners = new CopyOnWriteArrayList<>();
    private final Map<DataAccessPort, PortServer> servers = new ConcurrentHashMap<>();
    private final Map<DiskId, DiskIo> mounted = new ConcurrentHashMap<>();
    private final AtomicLong messageSeq = new AtomicLong();
    private final Metrics metrics = new Metrics();

    private volatile NodeState state = NodeState.DOWN;
    private volatile NodeState partnerState;
    private volatile boolean closed;

    // Control-thread state.
    private long suspectSince = Long.MIN_VALUE;
    private boolean sawPartnerHoldMyDisks;
    private boolean givebackCompleteReceived;
    private long countdownDeadline;
    private boolean partnerShutdownComplete;
    private CompletableFuture<NodeState> operatorTakeover;
    /** Ports this node stepped down from whose requests wait for the partner's NOW_SERVING (see {@link Hold}). */
    private final List<Hold> holds = new ArrayList<>();

    private NodeEngine(Builder b) {
        this.settings = Objects.requireNonNull(b.settings, "settings");
        this.dataTransport = Objects.requireNonNull(b.dataTransport, "dataTransport");
        this.interconnectTransport = b.interconnectTransport == null ? b.dataTransport : b.interconnectTransport;
        this.ownership = Objects.requireNonNull(b.ownership, "ownership");
        this.app = Objects.requireNonNull(b.app, "app");
        this.clock = b.clock;
        this.autoTick = b.autoTick;
        this.name = settings.self().name();
        this.security = Objects.requireNonNull(b.security, "security: set NodeEngine.builder().security(...) to "
                + "InterconnectSecurity.hmacSha256(key, skew) (or fromKeyFile), or explicitly to InterconnectSecurity.none()");
        if (!ownership.self().equals(settings.self())) {
            throw new UnderstudyException(ErrorCode.INVALID_CONFIGURATION,
                    "ownership service acts for " + ownership.self() + " but this node is " + settings.self());
        }
        this.control = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "understudy-node-" + name);
            t.setDaemon(true);
            return t;
        });
        this.beat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "understudy-heartbeat-" + name);
            t.setDaemon(true);
            return t;
        });
        this.detector = new FailureDetector(settings.heartbeatInterval(), settings.missedHeartbeats());
        this.interconnect = new Interconnect(interconnectTransport, settings.interconnectPort(),
                settings.partnerInterconnect(), settings.connectTimeout(), security, clock, this::onMessage,
                why -> {
                    LOG.log(System.Logger.Level.WARNING, "{0}: {1}", name, why);
                    b.warnings.accept(name + ": " + why);
                });
        this.interconnect.onRefused(() -> detector.refused(clock.nanoTime()));
        b.listeners.forEach(listeners::add);
    }

    /** {@return how many interconnect connections the partner's host has refused since it was last heard; for tests} */
    int partnerRefusals() {
        return detector.refusals();
    }

    /** {@return a builder} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return the settings} */
    public NodeSettings settings() {
        return settings;
    }

    /** {@return the current state} */
    public NodeState state() {
        return state;
    }

    Clock clock() {
        return clock;
    }

    /** {@return how the interconnect and the admin endpoint are authenticated} */
    public InterconnectSecurity security() {
        return security;
    }

    /**
     * {@return how many interconnect messages this node rejected since it started, by reason}: {@code malformed},
     * {@code missing-tag}, {@code wrong-key}, {@code bad-tag}, {@code clock-skew}, {@code replay}. Each
     * rejection is also logged as a WARNING naming the reason and the peer.
     */
    public Map<String, Long> rejectedMessages() {
        return interconnect.rejections();
    }

    /** {@return how many interconnect messages were accepted and handled since start} */
    long acceptedMessages() {
        return interconnect.accepted();
    }

    /**
     * Subscribes to events.
     *
     * @param listener called on the engine's threads, in order; must not block
     */
    public void addListener(EventListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Starts the node: opens the interconnect, claims its own disks and serves them on the primary port
     * ({@code NORMAL}), or, if the partner holds them after a takeover, waits for giveback
     * ({@code WAITING_FOR_GIVEBACK}) without serving. Blocks until that decision is made.
     *
     * @throws UnderstudyException if the interconnect or the primary port cannot be opened, or a disk is unreadable
     */
    public void start() {
        interconnect.start();
        call(this::boot);
        if (autoTick) {
            long every = settings.heartbeatInterval().toNanos();
            beat.scheduleAtFixedRate(this::sendHeartbeat, 0, every, TimeUnit.NANOSECONDS);
            control.scheduleAtFixedRate(this::safeTick, every, every, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Runs one heartbeat and one check of the partner, the disks and any countdown, as the scheduler does
     * every heartbeat interval. For tests that drive time with a manual clock (see {@link Builder#autoTick}).
     */
    public void tick() {
        sendHeartbeat();
        call(() -> {
            tickOnControl();
            return null;
        });
    }

    /**
     * Operator takeover (Fig. 7): sends "Please Shutdown" to the partner, starts the countdown, and when the
     * partner has confirmed it stopped or the countdown expires, takes over its disks and opens the
     * secondary port.
     *
     * @return completes with {@code IN_TAKEOVER} when the takeover is done, or exceptionally
     * @throws UnderstudyException {@link ErrorCode#ILLEGAL_STATE} if this node is not in {@code NORMAL}
     */
    public CompletableFuture<NodeState> operatorTakeover() {
        return call(() -> {
            requireState(NodeState.NORMAL, "operator takeover");
            if (operatorTakeover != null) {
                return operatorTakeover;
            }
            operatorTakeover = new CompletableFuture<>();
            partnerShutdownComplete = false;
            long countdown = settings.takeoverCountdown().toMillis();
            boolean sent = interconnect.sendNow(message(InterconnectMessage.Type.PLEASE_SHUTDOWN, Long.toString(countdown)));
            step(Step.PLEASE_SHUTDOWN_SENT, sent ? "to " + settings.partner() : "to " + settings.partner() + " (not delivered: link down)");
            countdownDeadline = clock.nanoTime() + settings.takeoverCountdown().toNanos();
            step(Step.COUNTDOWN_STARTED, countdown + " ms");
            metrics.operatorTakeovers.incrementAndGet();
            return operatorTakeover;
        });
    }

    /**
     * Giveback (Fig. 5): stops new requests on the secondary port, waits for outstanding ones, forces a
     * consistency point, closes the secondary port's connections, deactivates the port and releases the
     * partner's disks to unowned; then tells the partner to reclaim them.
     *
     * @return completes with {@code NORMAL}; if outstanding requests do not finish within the giveback
     *         timeout, the giveback is abandoned, the node stays in takeover, and the future fails
     * @throws UnderstudyException {@link ErrorCode#ILLEGAL_STATE} if this node is not in {@code IN_TAKEOVER}
     */
    public CompletableFuture<NodeState> giveback() {
        call(() -> {
            requireState(NodeState.IN_TAKEOVER, "giveback");
            return null;
        });
        return CompletableFuture.supplyAsync(() -> call(() -> {
            requireState(NodeState.IN_TAKEOVER, "giveback");
            doGiveback();
            return state;
        }), task -> Thread.ofVirtual().name(name + "-giveback").start(task));
    }

    /**
     * "I am failing": tells the partner to take over now (skipping the detection wait), then stops serving.
     * Called when the node shuts down on an error or its process is exiting abnormally.
     *
     * <p>While the partner is heard, the primary port hands its clients over rather than dropping them: its gate
     * closes before the message goes out (nothing runs here after it), the requests already running finish
     * (at most {@link NodeSettings#takeoverCountdown()}), and the open connections stay, holding what arrives,
     * until the partner announces it serves the volumes; then those requests are answered {@code NOT_SERVING}
     * with the {@link Frame.Hint#FAILOVER} hint, so their clients go straight to the failover name instead of
     * retrying a port that is gone. If this process exits first, its connections close, as without a hold.
     *
     * @param reason why, sent to the partner and recorded in the event
     */
    public void fail(String reason) {
        if (closed || state == NodeState.DOWN) {
            return;
        }
        try {
            call(() -> {
                PortServer primary = servers.get(settings.primaryPort());
                Hold hold = null;
                if (primary != null && state == NodeState.NORMAL && detector.suspicion(clock.nanoTime()) == null
                        && !settings.takeoverCountdown().isZero()) {
                    hold = new Hold(primary, Frame.Hint.FAILOVER);
                    primary.hold = hold;
                    primary.gate.close();
                }
                boolean told = interconnect.sendNow(message(InterconnectMessage.Type.I_AM_FAILING, reason));
                // The partner heard us and nothing runs any more: hand over. Otherwise the hold stays on a server
                // that stopServingEverything answers without a hint and closes, as without a hold.
                boolean handOver = hold != null && told && primary.gate.awaitDrained(settings.takeoverCountdown().toNanos());
                if (handOver) {
                    servers.remove(primary.port);
                    primary.deactivate();
                }
                stopServingEverything();
                String kept = handOver ? "; " + primary.port.name() + closeOrKeep(primary) : "";
                transition(NodeState.DOWN, "failing: " + reason + kept);
                return null;
            });
        } catch (UnderstudyException e) {
            LOG.log(System.Logger.Level.WARNING, "{0}: could not stop cleanly while failing: {1}", name, e.getMessage());
        }
    }

    /**
     * Cuts or restores this node's side of the interconnect, as a fault injector for tests and drills: both
     * nodes stay up, neither hears the other.
     *
     * @param cut true to cut
     */
    public void cutInterconnect(boolean cut) {
        interconnect.setCut(cut);
    }

    /** {@return a snapshot of the node's state, disks and ports, read from the disks now} */
    public NodeStatus status() {
        List<NodeStatus.Disk> disks = new ArrayList<>();
        for (DiskId d : allDisks()) {
            String pair;
            long epoch;
            try {
                OwnershipState s = ownership.state(d);
                pair = s.pair();
                epoch = s.epoch();
            } catch (UnderstudyException e) {
                pair = "<?,?>";
                epoch = -1;
            }
            disks.add(new NodeStatus.Disk(d.name(), settings.ownDisks().contains(d) ? name : settings.partner().name(),
                    pair, epoch, mounted.containsKey(d)));
        }
        Map<String, Long> served = new LinkedHashMap<>();
        metrics.served.forEach((p, n) -> served.put(p.name(), n.get()));
        return new NodeStatus(name, settings.self().label(), state, settings.partner().name(),
                partnerState == null ? "unknown" : partnerState.name(),
                servers.keySet().stream().map(DataAccessPort::name).sorted().toList(), disks, served,
                metrics.notServing.get(), metrics.takeovers.get(), metrics.givebacks.get(), interconnect.isCut());
    }

    /** Stops everything without telling the partner. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        try {
            call(() -> {
                stopServingEverything();
                if (state != NodeState.DOWN) {
                    transition(NodeState.DOWN, "closed");
                }
                return null;
            });
        } catch (UnderstudyException e) {
            LOG.log(System.Logger.Level.DEBUG, "{0}: close: {1}", name, e.getMessage());
        }
        closed = true;
        beat.shutdownNow();
        control.shutdownNow();
        interconnect.close();
    }

    // ---------------------------------------------------------------- control thread

    private Void boot() {
        transition(NodeState.STARTING, "starting");
        for (DiskId d : settings.ownDisks()) {
            OwnershipState s = ownership.state(d);
            if (heldByPartner(s)) {
                sawPartnerHoldMyDisks = true;
                warmUp();
                transition(NodeState.WAITING_FOR_GIVEBACK, d + " is " + s.pair() + ": held by " + settings.partner() + " after a takeover");
                return null;
            }
        }
        claimOwnDisksAndServe("started");
        return null;
    }

    /**
     * A revived node will reclaim and mount its disks at giveback in a JVM that has not run that code yet: the
     * application's mount path runs once on a scratch volume now, while nothing waits for this node, and this
     * process's data path (frames) is loaded. Failures are logged and ignored: the warm-up is an optimisation.
     */
    private void warmUp() {
        long t0 = System.nanoTime();
        try {
            app.warmUp();
            Frame f = Frame.request(1, 1, ByteBuffer.allocate(16));
            Frame.decode(Frame.decode(f.encode()).notServing(Frame.Hint.PRIMARY, utf8("warm-up")).encode());
            LOG.log(System.Logger.Level.INFO, "{0}: warmed up the mount path in {1} ms while its disks are held by {2}",
                    name, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), settings.partner());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "{0}: warm-up failed (ignored): {1}", name, e.toString());
        }
    }

    private void claimOwnDisksAndServe(String why) {
        for (DiskId d : settings.ownDisks()) {
            ClaimResult r = ownership.claim(d);
            switch (r) {
                case ClaimResult.Acquired a -> step(Step.DISK_CLAIMED, d + " " + ownedPair() + " epoch " + a.epoch());
                case ClaimResult.HeldBy h -> {
                    unmountAll(settings.ownDisks());
                    sawPartnerHoldMyDisks = h.holder().equals(settings.partner());
                    transition(NodeState.WAITING_FOR_GIVEBACK, d + " is held by " + h.holder());
                    return;
                }
                case ClaimResult.Fenced f -> {
                    unmountAll(settings.ownDisks());
                    transition(NodeState.WAITING_FOR_GIVEBACK, d + ": this node was preempted by " + f.by());
                    return;
                }
            }
            mount(d);
        }
        openPort(settings.primaryPort(), Set.copyOf(settings.ownDisks()));
        detector.reset();
        transition(NodeState.NORMAL, why);
    }

    private void safeTick() {
        try {
            tickOnControl();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, name + ": tick failed", e);
        }
    }

    private void tickOnControl() {
        if (closed) {
            return;
        }
        expireHolds();
        switch (state) {
            case NORMAL -> {
                if (checkFencing()) {
                    return;
                }
                if (operatorTakeover != null) {
                    checkCountdown();
                    return;
                }
                checkPartner();
            }
            case IN_TAKEOVER -> checkFencing();
            case WAITING_FOR_GIVEBACK -> {
                String failed = partnerFailure();
                if (failed != null) {
                    takeover(failed, true);
                } else {
                    checkWaiting();
                }
            }
            default -> {
            }
        }
    }

    private void checkPartner() {
        String failed = partnerFailure();
        if (failed != null) {
            takeover(failed, false);
        }
    }

    /**
     * {@return why the partner is believed failed (after publishing the step), or null}. On silence the
     * second node of the pair waits out the split-brain delay first; "I am failing" skips it, and so does a
     * partner whose host refuses interconnect connections (its process is gone, so there is no live partner
     * to race for the disks).
     */
    private String partnerFailure() {
        String suspicion = detector.suspicion(clock.nanoTime());
        if (suspicion == null) {
            suspectSince = Long.MIN_VALUE;
            return null;
        }
        boolean failing = detector.saidFailing();
        if (!failing && settings.rank() == 1 && !detector.processGone(clock.nanoTime())) {
            long now = clock.nanoTime();
            if (suspectSince == Long.MIN_VALUE) {
                suspectSince = now;
            }
            if (now - suspectSince < settings.splitBrainDelay().toNanos()) {
                return null;
            }
        }
        step(failing ? Step.PARTNER_FAILING : Step.PARTNER_SILENT, suspicion);
        return suspicion;
    }

    private void checkCountdown() {
        boolean expired = clock.nanoTime() >= countdownDeadline;
        if (!partnerShutdownComplete && !expired) {
            return;
        }
        step(Step.COUNTDOWN_ENDED, partnerShutdownComplete ? settings.partner() + " confirmed shutdown" : "countdown expired");
        CompletableFuture<NodeState> f = operatorTakeover;
        operatorTakeover = null;
        takeover("operator takeover", false);
        if (state == NodeState.IN_TAKEOVER) {
            f.complete(state);
        } else {
            f.completeExceptionally(new UnderstudyException(ErrorCode.ILLEGAL_STATE,
                    "operator takeover of " + settings.partner() + " did not complete; " + name + " is " + state));
        }
    }

    /**
     * Fig. 4: claim the partner's disks, activate the secondary port, serve both. With {@code ownToo} (this
     * node was waiting for giveback and the partner died holding its disks) it first takes back its own
     * disks and reopens its primary port.
     */
    private void takeover(String why, boolean ownToo) {
        NodeState before = state;
        transition(NodeState.TAKING_OVER, why);
        metrics.takeovers.incrementAndGet();
        if (ownToo) {
            List<DiskId> mine = new ArrayList<>();
            for (DiskId d : settings.ownDisks()) {
                ClaimResult r = claimFromPartner(d);
                if (r instanceof ClaimResult.Acquired a) {
                    mine.add(d);
                    step(Step.DISK_CLAIMED, d + " " + ownedPair() + " epoch " + a.epoch());
                } else {
                    step(Step.CLAIM_LOST, d + ": " + r);
                    releaseAll(mine);
                    detector.reset();
                    transition(before, "could not take back " + d + ": " + r);
                    return;
                }
            }
            for (DiskId d : mine) {
                mount(d);
            }
            openPort(settings.primaryPort(), Set.copyOf(mine));
        } else {
            for (DiskId own : settings.ownDisks()) {
                if (ownership.isFenced(own)) {
                    loseToPartner(own + " was preempted by " + settings.partner() + " first");
                    return;
                }
            }
        }
        List<DiskId> taken = new ArrayList<>();
        for (DiskId d : settings.partnerDisks()) {
            ClaimResult r = claimFromPartner(d);
            switch (r) {
                case ClaimResult.Acquired a -> {
                    taken.add(d);
                    step(Step.DISK_CLAIMED, d + " " + ownedPair() + " epoch " + a.epoch());
                }
                case ClaimResult.HeldBy h -> {
                    step(Step.CLAIM_LOST, d + " is held by " + h.holder());
                    releaseAll(taken);
                    detector.reset();
                    transition(NodeState.NORMAL, "takeover abandoned: " + d + " is held by " + h.holder());
                    return;
                }
                case ClaimResult.Fenced f -> {
                    step(Step.CLAIM_LOST, d + ": " + name + " was preempted by " + f.by());
                    releaseAll(taken);
                    loseToPartner("preempted by " + f.by() + " while taking over");
                    return;
                }
            }
        }
        if (!ownToo) {
            List<DiskId> lostOwn = settings.ownDisks().stream().filter(ownership::isFenced).toList();
            if (!lostOwn.isEmpty() && !resolveCrossedClaims(lostOwn, taken)) {
                return;
            }
        }
        for (DiskId d : taken) {
            mount(d);
        }
        openPort(settings.secondaryPort(), Set.copyOf(taken));
        step(Step.SECONDARY_PORT_ACTIVATED, settings.secondaryPort().name());
        // A partner that shut down for an operator takeover holds its clients' requests until it hears this.
        announceServing(settings.secondaryPort(), taken);
        detector.reset();
        transition(NodeState.IN_TAKEOVER, why);
        step(Step.SERVING_BOTH_PORTS, settings.primaryPort() + " " + settings.ownDisks() + ", " + settings.secondaryPort() + " " + taken);
    }

    /**
     * Claims a disk (preempting the partner if it holds it). A fence no newer than the disk's epoch read
     * before the claim is stale: the partner took the disk from this node before this decision (it took
     * its own disk back, or this node lost an earlier race), so this node starts a new incarnation on the
     * disk and claims once more. A fence newer than that is a race lost now, and stands.
     */
    private ClaimResult claimFromPartner(DiskId d) {
        OwnershipState s = ownership.state(d);
        ClaimResult r = claimOnce(d, s);
        if (r instanceof ClaimResult.Fenced f && f.epoch() <= s.epoch() && ownership.forgetFences(d)) {
            LOG.log(System.Logger.Level.INFO, "{0}: the fence on {1} by {2} (epoch {3}) predates this decision; claiming as a new incarnation",
                    name, d, f.by(), f.epoch());
            r = claimOnce(d, ownership.state(d));
        }
        return r;
    }

    private ClaimResult claimOnce(DiskId d, OwnershipState s) {
        if (s.unowned() || s.ownedBy(settings.self())) {
            return ownership.claim(d);
        }
        return ownership.preempt(d, settings.partner());
    }

    /**
     * Crossed claims: this node holds (or just took) the partner's disks, and the partner preempted this
     * node's own disks: each decided the other had failed (a cut interconnect, or a pause, while both
     * lived), and the split-brain delay did not keep the claims apart. The first node of the pair keeps
     * everything: it takes its own disks back at once (the preempt fences the partner there); the second
     * releases what it took and waits for giveback. So every disk ends with exactly one node serving it,
     * whichever node noticed first. Runs on the control thread.
     *
     * @param lostOwn     this node's own disks, found preempted
     * @param partnerHeld the partner's disks this node holds (released by the second node)
     * @return whether this node goes on serving (the first node, once its own disks are back)
     */
    private boolean resolveCrossedClaims(List<DiskId> lostOwn, List<DiskId> partnerHeld) {
        String crossed = "crossed claims: " + settings.partner() + " preempted " + lostOwn + " while this node held "
                + partnerHeld;
        if (settings.rank() == 1) {
            step(Step.FENCED, crossed + "; the first node of the pair keeps both, releasing " + partnerHeld);
            stopServingEverything();
            releaseAll(partnerHeld);
            sawPartnerHoldMyDisks = true;
            detector.reset();
            suspectSince = Long.MIN_VALUE;
            transition(NodeState.WAITING_FOR_GIVEBACK, crossed);
            return false;
        }
        step(Step.FENCED, crossed + "; as the first node of the pair, taking them back");
        PortServer primary = servers.remove(settings.primaryPort());
        if (primary != null) {
            primary.gate.close();
            primary.closeConnections();
            primary.deactivate();
        }
        unmountAll(settings.ownDisks());
        List<DiskId> back = new ArrayList<>();
        for (DiskId d : settings.ownDisks()) {
            ClaimResult r = claimFromPartner(d);
            if (!(r instanceof ClaimResult.Acquired a)) {
                step(Step.CLAIM_LOST, d + ": " + r);
                releaseAll(back);
                loseToPartner("could not take back " + d + " after crossed claims: " + r);
                return false;
            }
            back.add(d);
            step(Step.DISK_CLAIMED, d + " " + ownedPair() + " epoch " + a.epoch() + " (taken back)");
        }
        for (DiskId d : back) {
            mount(d);
        }
        openPort(settings.primaryPort(), Set.copyOf(back));
        return true;
    }

    /** Fig. 5, in the figure's order. Runs on the control thread. */
    private void doGiveback() throws InterruptedException {
        transition(NodeState.GIVING_BACK, "giveback requested");
        PortServer secondary = servers.get(settings.secondaryPort());
        Set<DiskId> disks = secondary == null ? Set.of() : secondary.volumes;
        if (secondary != null) {
            // A partner waiting for giveback reclaims at once: hold what arrives until it serves, then send the
            // clients there (NOT_SERVING with the PRIMARY hint), instead of refusing them into their retry schedule.
            Hold hold = partnerWaitingForGiveback() ? new Hold(secondary, Frame.Hint.PRIMARY) : null;
            secondary.hold = hold;
            secondary.gate.close();
            step(Step.SECONDARY_REQUESTS_STOPPED, settings.secondaryPort().name()
                    + (hold != null ? " (new requests held until " + settings.partner() + " serves them)" : ""));
            if (!secondary.gate.awaitDrained(settings.givebackTimeout().toNanos())) {
                int left = secondary.gate.inFlight();
                if (hold != null) {
                    secondary.hold = null;
                    hold.answer(Frame.Hint.NONE);
                }
                secondary.gate.reopen();
                transition(NodeState.IN_TAKEOVER, "giveback abandoned: " + left + " requests still running after " + settings.givebackTimeout().toMillis() + " ms");
                throw new UnderstudyException(ErrorCode.ILLEGAL_STATE, "giveback timed out after "
                        + settings.givebackTimeout().toMillis() + " ms with " + left + " outstanding requests; still in takeover");
            }
            step(Step.OUTSTANDING_REQUESTS_FINISHED, settings.secondaryPort().name());
        }
        for (DiskId d : disks) {
            consistencyPoint(d);
        }
        if (secondary != null) {
            step(Step.SECONDARY_CONNECTIONS_CLOSED, secondary.port.name() + closeOrKeep(secondary));
            secondary.deactivate();
            servers.remove(secondary.port);
            step(Step.SECONDARY_PORT_DEACTIVATED, secondary.port.name());
        }
        releaseAll(List.copyOf(disks));
        metrics.givebacks.incrementAndGet();
        interconnect.send(message(InterconnectMessage.Type.GIVEBACK_COMPLETE, disks.toString()));
        detector.reset();
        transition(NodeState.NORMAL, "giveback complete");
    }

    /** Fig. 7, 720: the partner asked this node to shut down so it can take over. */
    private void onPleaseShutdown(InterconnectMessage m) {
        if (state != NodeState.NORMAL) {
            LOG.log(System.Logger.Level.WARNING, "{0}: ignoring Please Shutdown from {1} in state {2}", name, m.from(), state);
            return;
        }
        step(Step.PLEASE_SHUTDOWN_RECEIVED, "from " + m.from() + ", countdown " + m.detail() + " ms");
        transition(NodeState.SHUTTING_DOWN, "Please Shutdown from " + m.from());
        PortServer primary = servers.get(settings.primaryPort());
        if (primary != null) {
            // The partner takes over as soon as this node confirms: hold what arrives until it serves, then send
            // the clients to the failover name (NOT_SERVING with the FAILOVER hint).
            primary.hold = new Hold(primary, Frame.Hint.FAILOVER);
            primary.gate.close();
            try {
                if (!primary.gate.awaitDrained(settings.givebackTimeout().toNanos())) {
                    LOG.log(System.Logger.Level.WARNING, "{0}: {1} requests still running at shutdown", name, primary.gate.inFlight());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (DiskId d : settings.ownDisks()) {
            if (mounted.containsKey(d)) {
                consistencyPoint(d);
            }
        }
        if (primary != null) {
            closeOrKeep(primary);
            primary.deactivate();
            servers.remove(primary.port);
        }
        releaseAll(settings.ownDisks());
        sawPartnerHoldMyDisks = false;
        givebackCompleteReceived = false;
        interconnect.sendNow(message(InterconnectMessage.Type.SHUTDOWN_COMPLETE, "released " + settings.ownDisks()));
        transition(NodeState.WAITING_FOR_GIVEBACK, "shut down for " + m.from() + "; waiting for giveback");
    }

    private void checkWaiting() {
        boolean allUnowned = true;
        for (DiskId d : settings.ownDisks()) {
            OwnershipState s = ownership.state(d);
            if (heldByPartner(s)) {
                sawPartnerHoldMyDisks = true;
            }
            if (!s.unowned()) {
                allUnowned = false;
            }
        }
        if (allUnowned && (sawPartnerHoldMyDisks || givebackCompleteReceived)) {
            step(Step.DISKS_RECLAIMED, settings.ownDisks().toString());
            givebackCompleteReceived = false;
            sawPartnerHoldMyDisks = false;
            claimOwnDisksAndServe("giveback received");
            if (state == NodeState.NORMAL) {
                announceServing(settings.primaryPort(), settings.ownDisks());
            }
        }
    }

    /** {@return whether this node lost a disk it serves and stopped serving it} */
    private boolean checkFencing() {
        if (state == NodeState.IN_TAKEOVER) {
            List<DiskId> lostOwn = settings.ownDisks().stream().filter(d -> mounted.containsKey(d) && ownership.isFenced(d)).toList();
            List<DiskId> held = settings.partnerDisks().stream().filter(d -> mounted.containsKey(d) && !ownership.isFenced(d)).toList();
            if (!lostOwn.isEmpty() && !held.isEmpty()) {
                resolveCrossedClaims(lostOwn, held);
                return true;
            }
        }
        for (DiskId d : List.copyOf(mounted.keySet())) {
            if (ownership.isFenced(d)) {
                if (settings.ownDisks().contains(d)) {
                    loseToPartner(d + " was preempted");
                } else {
                    step(Step.FENCED, d + " was preempted; stopping " + settings.secondaryPort());
                    PortServer s = servers.remove(settings.secondaryPort());
                    if (s != null) {
                        s.gate.close();
                        s.closeConnections();
                        s.deactivate();
                    }
                    unmountAll(settings.partnerDisks());
                    transition(NodeState.NORMAL, d + " was preempted");
                }
                return true;
            }
        }
        return false;
    }

    /** This node was fenced off its own disks: stop serving at once, then wait for giveback. */
    private void loseToPartner(String why) {
        step(Step.FENCED, why);
        stopServingEverything();
        sawPartnerHoldMyDisks = true;
        // The partner that fenced us is alive (it just claimed). Until we hear it again, its silence is a
        // cut link, not a death: preempting back would fence the only node serving.
        detector.reset();
        suspectSince = Long.MIN_VALUE;
        transition(NodeState.WAITING_FOR_GIVEBACK, why);
    }

    private void stopServingEverything() {
        for (Hold h : List.copyOf(holds)) {
            h.end(Frame.Hint.NONE);
        }
        holds.clear();
        for (PortServer s : List.copyOf(servers.values())) {
            Hold h = s.hold;
            if (h != null) {
                h.answer(Frame.Hint.NONE);
            }
            s.gate.close();
            s.closeConnections();
            s.deactivate();
        }
        servers.clear();
        unmountAll(List.copyOf(mounted.keySet()));
        CompletableFuture<NodeState> f = operatorTakeover;
        operatorTakeover = null;
        if (f != null) {
            f.completeExceptionally(new UnderstudyException(ErrorCode.ILLEGAL_STATE, name + " stopped serving"));
        }
    }

    // ---------------------------------------------------------------- holds (the hand-over to the partner)

    /** {@return whether the partner is heard and says it waits for giveback, so it will reclaim at once} */
    private boolean partnerWaitingForGiveback() {
        return partnerState == NodeState.WAITING_FOR_GIVEBACK && detector.suspicion(clock.nanoTime()) == null
                && !settings.takeoverCountdown().isZero();
    }

    /**
     * A port this node steps down from, with a hold: its connections stay open (nothing runs on them: the gate
     * is closed) until the partner announces it serves, or the bound passes. Closes them now if there is no hold.
     * {@return a note for the step's detail}
     */
    private String closeOrKeep(PortServer s) {
        Hold h = s.hold;
        if (h == null) {
            s.closeConnections();
            return "";
        }
        h.deadline = clock.nanoTime() + settings.takeoverCountdown().toNanos();
        holds.add(h);
        return " (closed to requests; " + s.connections.size() + " connections kept, answering NOT_SERVING, until "
                + settings.partner() + " serves, at most " + settings.takeoverCountdown().toMillis() + " ms, to tell their clients where to go)";
    }

    /** The partner said it serves (its NOW_SERVING): held requests are answered with the hint to go there. */
    private void partnerServes(String what) {
        for (Hold h : holds) {
            if (h.answered()) {
                continue;
            }
            h.answer(h.hint);
            LOG.log(System.Logger.Level.DEBUG, "{0}: {1} serves {2}: held requests on {3} sent there", name, settings.partner(), what, h.server.port);
        }
        expireHolds();
    }

    /** Ends the holds whose bound has passed: unanswered requests get NOT_SERVING without a hint; connections close. */
    private void expireHolds() {
        long now = clock.nanoTime();
        holds.removeIf(h -> {
            if (now - h.deadline >= 0) {
                h.end(Frame.Hint.NONE);
                return true;
            }
            return false;
        });
    }

    private void announceServing(DataAccessPort port, java.util.Collection<DiskId> disks) {
        interconnect.send(message(InterconnectMessage.Type.NOW_SERVING, port.name() + " " + disks));
    }

    private void consistencyPoint(DiskId d) {
        try {
            app.consistencyPoint(d);
            DiskIo io = mounted.get(d);
            if (io != null) {
                io.force();
            }
            step(Step.CONSISTENCY_POINT, d.name());
        } catch (UnderstudyException e) {
            LOG.log(System.Logger.Level.WARNING, "{0}: consistency point on {1} failed: {2}", name, d, e.getMessage());
        }
    }

    private void mount(DiskId d) {
        DiskIo io = ownership.open(d);
        app.mount(d, io);
        mounted.put(d, io);
    }

    private void unmountAll(List<DiskId> disks) {
        for (DiskId d : disks) {
            DiskIo io = mounted.remove(d);
            if (io != null) {
                try {
                    app.unmount(d);
                } finally {
                    io.close();
                }
            }
        }
    }

    private void releaseAll(List<DiskId> disks) {
        unmountAll(disks);
        for (DiskId d : disks) {
            ReleaseResult r = ownership.release(d);
            switch (r) {
                // What this release did (the contract: now unowned); a re-read could already see the partner's claim.
                case ReleaseResult.Released rel -> step(Step.DISK_RELEASED, d + " <U,U>");
                case ReleaseResult.NotOwner n -> LOG.log(System.Logger.Level.WARNING, "{0}: releasing {1}: not the owner ({2})", name, d, n.holder());
            }
        }
    }

    /** The pair an {@code Acquired} claim leaves, per the SPI: sector S and the reservation both name this node. */
    private String ownedPair() {
        String l = settings.self().label();
        return "<" + l + "," + l + ">";
    }

    private boolean heldByPartner(OwnershipState s) {
        return s.sectorOwner().filter(settings.partner()::equals).isPresent()
                || s.reservation().filter(settings.partner()::equals).isPresent();
    }

    private void requireState(NodeState expected, String what) {
        if (state != expected) {
            throw new UnderstudyException(ErrorCode.ILLEGAL_STATE,
                    what + " needs " + name + " in " + expected + ", but it is " + state);
        }
    }

    private void transition(NodeState to, String reason) {
        NodeState from = state;
        state = to;
        emit(new NodeStateChanged(clock.instant(), name, from, to, reason));
    }

    private void step(Step step, String detail) {
        emit(new NodeStep(clock.instant(), name, step, detail));
    }

    private void emit(UnderstudyEvent e) {
        for (EventListener l : listeners) {
            try {
                l.onEvent(e);
            } catch (RuntimeException ex) {
                LOG.log(System.Logger.Level.WARNING, "event listener threw on " + e.describe(), ex);
            }
        }
    }

    private <T> T call(Callable<T> task) {
        if (closed) {
            throw new UnderstudyException(ErrorCode.ILLEGAL_STATE, name + " is closed");
        }
        Future<T> f = control.submit(task);
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnderstudyException(ErrorCode.ILLEGAL_STATE, "interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnderstudyException u) {
                throw u;
            }
            throw new UnderstudyException(ErrorCode.ILLEGAL_STATE, name + ": " + e.getCause(), e.getCause());
        }
    }

    // ---------------------------------------------------------------- interconnect

    private InterconnectMessage message(InterconnectMessage.Type type, String detail) {
        return new InterconnectMessage(type, name, messageSeq.incrementAndGet(), state, detail);
    }

    private void sendHeartbeat() {
        if (!closed && state != NodeState.DOWN) {
            interconnect.send(message(InterconnectMessage.Type.HEARTBEAT, ""));
        }
    }

    private void onMessage(InterconnectMessage m) {
        if (!m.from().equals(settings.partner().name())) {
            LOG.log(System.Logger.Level.WARNING, "{0}: ignoring interconnect message from unknown node {1}", name, m.from());
            return;
        }
        detector.heard(clock.nanoTime());
        partnerState = m.state();
        switch (m.type()) {
            case HEARTBEAT -> {
            }
            case I_AM_FAILING -> {
                detector.failing(m.detail());
                submit(this::tickOnControl);
            }
            case PLEASE_SHUTDOWN -> submit(() -> onPleaseShutdown(m));
            case SHUTDOWN_COMPLETE -> submit(() -> {
                partnerShutdownComplete = true;
                if (state == NodeState.NORMAL && operatorTakeover != null) {
                    checkCountdown();
                }
            });
            case GIVEBACK_COMPLETE -> submit(() -> {
                givebackCompleteReceived = true;
                if (state == NodeState.WAITING_FOR_GIVEBACK) {
                    checkWaiting();
                }
            });
            case NOW_SERVING -> submit(() -> partnerServes(m.detail()));
        }
    }

    private void submit(Runnable r) {
        if (closed) {
            return;
        }
        try {
            control.execute(() -> {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, name + ": control task failed", e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // Closing.
        }
    }

    private List<DiskId> allDisks() {
        List<DiskId> all = new ArrayList<>(settings.ownDisks());
        all.addAll(settings.partnerDisks());
        return all;
    }

    // ---------------------------------------------------------------- data path

    private void openPort(DataAccessPort port, Set<DiskId> volumes) {
        PortServer s = new PortServer(port, volumes, dataTransport.listen(port));
        servers.put(port, s);
        s.start();
    }

    /** One active data-access port: its listener, its connections and its gate. */
    private final class PortServer {
        final DataAccessPort port;
        final Set<DiskId> volumes;
        final Listener listener;
        final PortGate gate = new PortGate();
        final Set<Connection> connections = ConcurrentHashMap.newKeySet();
        /** Set before the gate closes when this port hands its clients over to the partner; else null. */
        volatile Hold hold;
        /** Set once the connections are closed for good (this server is going away). */
        private volatile boolean connectionsClosed;

        PortServer(DataAccessPort port, Set<DiskId> volumes, Listener listener) {
            this.port = port;
            this.volumes = volumes;
            this.listener = listener;
        }

        void start() {
            Thread.ofVirtual().name(name + "-accept-" + port).start(() -> {
                while (listener.isOpen()) {
                    Connection c;
                    try {
                        c = listener.accept();
                    } catch (UnderstudyException e) {
                        return;
                    }
                    connections.add(c);
                    if (connectionsClosed) {
                        // Accepted while the port was shutting down, after closeConnections() went by.
                        connections.remove(c);
                        c.close();
                        continue;
                    }
                    Thread.ofVirtual().name(name + "-" + port + "-conn").start(() -> serve(c));
                }
            });
        }

        void serve(Connection c) {
            try {
                while (c.isOpen()) {
                    ByteBuffer raw = c.receive(Duration.ZERO);
                    Frame req;
                    try {
                        req = Frame.decode(raw);
                    } catch (UnderstudyException e) {
                        LOG.log(System.Logger.Level.WARNING, "{0}: closing {1} on {2}: {3}", name, c.peer(), port, e.getMessage());
                        return;
                    }
                    if (!req.isRequest()) {
                        LOG.log(System.Logger.Level.WARNING, "{0}: closing {1}: sent a reply frame as a request", name, c.peer());
                        return;
                    }
                    Outcome out = handle(req);
                    try {
                        c.send(out.reply().encode());
                    } finally {
                        if (out.held() != null) {
                            out.held().replied();
                        }
                    }
                    if (out.fenced()) {
                        // After the reply is sent: the check may close this very connection.
                        submit(NodeEngine.this::checkFencing);
                    }
                }
            } catch (UnderstudyException e) {
                // The client went away or the port was closed under it.
            } finally {
                connections.remove(c);
                c.close();
            }
        }

        Outcome handle(Frame req) {
            if (!gate.enter()) {
                metrics.notServing.incrementAndGet();
                Hold h = hold;
                // Held (never run) until the partner serves the volume; then the hint sends the client there.
                Frame.Hint hint = h == null ? Frame.Hint.NONE : h.await();
                return new Outcome(req.notServing(hint, utf8(name + " is not serving " + port + " now (" + state + ")"
                        + (hint == Frame.Hint.NONE ? "" : "; " + settings.partner() + " serves it: go to the " + hint.name().toLowerCase(java.util.Locale.ROOT) + " server"))), false, h);
            }
            try {
                ByteBuffer out = app.handle(new RequestContext(port, volumes, req.sessionId(), req.sequence()), req.payload());
                metrics.served.computeIfAbsent(port, p -> new AtomicLong()).incrementAndGet();
                return new Outcome(req.reply(Status.OK, out), false);
            } catch (ApplicationException e) {
                return new Outcome(req.reply(Status.APPLICATION_ERROR, utf8(stripTag(e))), false);
            } catch (UnderstudyException e) {
                if (e.code() == ErrorCode.FENCED) {
                    // Never acknowledged: the client fails over and re-sends to the node that fenced us.
                    metrics.notServing.incrementAndGet();
                    return new Outcome(req.reply(Status.NOT_SERVING, utf8(name + " was fenced: " + stripTag(e))), true);
                }
                if (e.code() == ErrorCode.DISK_IO) {
                    // Never acknowledged, outcome unknown (the record may be on disk): the client re-sends the
                    // same sequence, answered from the reply cache once the volume is remounted (RELIABILITY.md).
                    metrics.notServing.incrementAndGet();
                    return new Outcome(req.reply(Status.NOT_SERVING, utf8(name + ": disk error: " + stripTag(e))), false);
                }
                return new Outcome(req.reply(Status.APPLICATION_ERROR, utf8(stripTag(e))), false);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, name + ": application failed on " + req, e);
                return new Outcome(req.reply(Status.APPLICATION_ERROR, utf8("internal error in " + name + ": " + e)), false);
            } finally {
                gate.exit();
            }
        }

        /**
         * Closes every connection, and any the acceptor hands over from now on. The flag is set before the set is
         * read and the acceptor reads it after adding, so a connection accepted concurrently is closed by one side.
         */
        void closeConnections() {
            connectionsClosed = true;
            connections.forEach(Connection::close);
            connections.clear();
        }

        void deactivate() {
            listener.close();
        }
    }

    /**
     * Requests that arrive at a port this node is stepping down from (its gate closed, at giveback or at an
     * operator takeover's Please Shutdown) while the partner is about to serve their volumes: they wait here,
     * never run, until the partner announces it serves them ({@code NOW_SERVING}), and are then answered
     * {@code NOT_SERVING} with {@link #hint}, so the client goes straight to the partner instead of running its
     * retry schedule against a port that refuses. The bound ({@link NodeSettings#takeoverCountdown()} from the
     * moment the disks are released) ends the hold without a hint; the connections close when the hold ends.
     */
    private static final class Hold {
        /** A held request never waits longer than this, whatever happens to the engine. */
        private static final long SAFETY_NANOS = TimeUnit.SECONDS.toNanos(60);
        /** How long the end of a hold waits for the answers to held requests to be sent before it closes. */
        private static final long REPLY_NANOS = TimeUnit.SECONDS.toNanos(1);

        final PortServer server;
        final Frame.Hint hint;
        private final java.util.concurrent.CountDownLatch answered = new java.util.concurrent.CountDownLatch(1);
        private volatile Frame.Hint answer = Frame.Hint.NONE;
        /** When the hold ends, by the engine's clock; set when the disks are released. Control thread. */
        long deadline = Long.MAX_VALUE;
        /** Held requests whose answer is not sent yet. Guarded by this. */
        private int waiting;

        Hold(PortServer server, Frame.Hint hint) {
            this.server = server;
            this.hint = hint;
        }

        /** Answers the held requests (and any later one on these connections) with {@code h}. */
        void answer(Frame.Hint h) {
            if (answered.getCount() > 0) {
                answer = h;
                answered.countDown();
            }
        }

        boolean answered() {
            return answered.getCount() == 0;
        }

        /**
         * Answers what is still held with {@code ifUnanswered} and closes the connections once those answers
         * are sent (on another thread, waiting at most {@link #REPLY_NANOS}): closing first would lose them.
         */
        void end(Frame.Hint ifUnanswered) {
            answer(ifUnanswered);
            Thread.ofVirtual().name("understudy-hold-end-" + server.port).start(() -> {
                awaitReplies();
                server.closeConnections();
            });
        }

        /** A reply to a held request was sent (or failed to be). */
        synchronized void replied() {
            if (--waiting == 0) {
                notifyAll();
            }
        }

        private synchronized void awaitReplies() {
            long deadline = System.nanoTime() + REPLY_NANOS;
            try {
                for (long left = REPLY_NANOS; waiting > 0 && left > 0; left = deadline - System.nanoTime()) {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** {@return the hint to answer with}, once answered; the caller reports {@link #replied()} after sending */
        Frame.Hint await() {
            synchronized (this) {
                waiting++;
            }
            try {
                return answered.await(SAFETY_NANOS, TimeUnit.NANOSECONDS) ? answer : Frame.Hint.NONE;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Frame.Hint.NONE;
            }
        }
    }

    /** A request's reply, and whether the application found this node fenced while running it. */
    private record Outcome(Frame reply, boolean fenced, Hold held) {
        Outcome(Frame reply, boolean fenced) {
            this(reply, fenced, null);
        }
    }

    private static String stripTag(UnderstudyException e) {
        String m = e.getMessage();
        return m.startsWith(e.code().tag() + " ") ? m.substring(e.code().tag().length() + 1) : m;
    }

    private static ByteBuffer utf8(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    private static final class Metrics {
        final Map<DataAccessPort, AtomicLong> served = new ConcurrentHashMap<>();
        final AtomicLong notServing = new AtomicLong();
        final AtomicLong takeovers = new AtomicLong();
        final AtomicLong givebacks = new AtomicLong();
        final AtomicLong operatorTakeovers = new AtomicLong();
    }

    /** Builds a {@link NodeEngine}. */
    public static final class Builder {
        private NodeSettings settings;
        private Transport dataTransport;
        private Transport interconnectTransport;
        private OwnershipService ownership;
        private VolumeService app;
        private Clock clock = Clock.system();
        private boolean autoTick = true;
        private InterconnectSecurity security;
        private java.util.function.Consumer<String> warnings = w -> { };
        private final List<EventListener> listeners = new ArrayList<>();

        private Builder() {
        }

        /**
         * Sets the settings.
         *
         * @param settings the settings
         * @return this
         */
        public Builder settings(NodeSettings settings) {
            this.settings = settings;
            return this;
        }

        /**
         * Sets the transport of the data-access ports.
         *
         * @param t the transport
         * @return this
         */
        public Builder dataTransport(Transport t) {
            this.dataTransport = t;
            return this;
        }

        /**
         * Sets the interconnect's transport; by default the data transport.
         *
         * @param t the transport
         * @return this
         */
        public Builder interconnectTransport(Transport t) {
            this.interconnectTransport = t;
            return this;
        }

        /**
         * Sets the ownership service acting for this node.
         *
         * @param o the service
         * @return this
         */
        public Builder ownership(OwnershipService o) {
            this.ownership = o;
            return this;
        }

        /**
         * Sets the application served.
         *
         * @param app the application
         * @return this
         */
        public Builder volumeService(VolumeService app) {
            this.app = app;
            return this;
        }

        /**
         * Sets the clock (a manual clock in tests).
         *
         * @param clock the clock
         * @return this
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Whether the engine schedules its own heartbeats and checks (default); tests that drive time
         * with a manual clock turn this off and call {@link NodeEngine#tick()}.
         *
         * @param autoTick whether to schedule
         * @return this
         */
        public Builder autoTick(boolean autoTick) {
            this.autoTick = autoTick;
            return this;
        }

        /**
         * Sets how the interconnect and the admin endpoint are authenticated. Required: there is no default,
         * so a node without authentication is always a visible choice ({@link InterconnectSecurity#none()}).
         *
         * @param security the security
         * @return this
         */
        public Builder security(InterconnectSecurity security) {
            this.security = Objects.requireNonNull(security, "security");
            return this;
        }

        /** Also hands every interconnect WARNING that is logged to {@code w}: for tests. */
        Builder warnings(java.util.function.Consumer<String> w) {
            this.warnings = Objects.requireNonNull(w, "w");
            return this;
        }

        /**
         * Adds an event listener from the start, so even the boot events are seen.
         *
         * @param l the listener
         * @return this
         */
        public Builder listener(EventListener l) {
            listeners.add(Objects.requireNonNull(l, "listener"));
            return this;
        }

        /** {@return the engine, not started} */
        public NodeEngine build() {
            return new NodeEngine(this);
        }
    }
}
