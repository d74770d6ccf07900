package io.understudy.cluster;

import io.understudy.api.Clock;
import io.understudy.api.DataAccessPort;
import io.understudy.api.Endpoint;
import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.spi.transport.Connection;
import io.understudy.spi.transport.Listener;
import io.understudy.spi.transport.Transport;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The link between partners, over any transport. Each node listens on its interconnect port and reads
 * what its partner sends; it sends over its own outbound connection, which a dedicated sender thread opens
 * (and re-opens) so that a slow or cut link never blocks the engine's control thread. Messages that cannot
 * be sent are dropped: heartbeats are periodic, and the procedures do not depend on any one message
 * arriving (the ownership records are the truth).
 *
 * <p>With a key ({@link InterconnectSecurity}), every message sent is stamped with this engine's random
 * epoch, the next sequence number and the send time, and tagged; every message received must carry a tag
 * made with the same key, a send time within the clock-skew window, and a sequence number above the highest
 * already accepted for its epoch. Anything else is rejected, reported and counted, and never reaches the
 * engine: a forged heartbeat does not make the partner look alive, a forged "Please Shutdown" does nothing.
 */
final class Interconnect implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Interconnect.class.getName());

    private final Transport transport;
    private final DataAccessPort port;
    private final Endpoint partner;
    private final Duration connectTimeout;
    private final Consumer<InterconnectMessage> onMessage;
    private final Consumer<String> onReject;
    private final InterconnectSecurity security;
    private final Clock clock;
    private final long epoch = new SecureRandom().nextLong();
    private final Object sendLock = new Object();
    private long sendSeq;
    private final ReplayWindow window;
    private final Map<Rejection, AtomicLong> rejected = new EnumMap<>(Rejection.class);
    private final AtomicLong accepted = new AtomicLong();
    private final BlockingQueue<InterconnectMessage> outbox = new ArrayBlockingQueue<>(64);
    private final Set<Connection> inbound = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;
    private volatile boolean cut;
    private volatile Listener listener;
    private volatile Connection outbound;
    private volatile Runnable onRefused = () -> { };
    private Thread sender;

    /** Why a received message was rejected; the names are what {@link NodeEngine#rejectedMessages()} counts. */
    enum Rejection {
        /** It does not decode. */
        MALFORMED("malformed"),
        /** It carries no tag, and this node has a key. */
        MISSING_TAG("missing-tag"),
        /** It was tagged with another key. */
        WRONG_KEY("wrong-key"),
        /** Its tag does not verify: forged or altered. */
        BAD_TAG("bad-tag"),
        /** Its send time is outside the clock-skew window. */
        CLOCK_SKEW("clock-skew"),
        /** Its sequence number is not above the highest seen for its epoch. */
        REPLAY("replay");

        final String id;

        Rejection(String id) {
            this.id = id;
        }
    }

    Interconnect(Transport transport, DataAccessPort port, Endpoint partner, Duration connectTimeout,
                 InterconnectSecurity security, Clock clock,
                 Consumer<InterconnectMessage> onMessage, Consumer<String> onReject) {
        this.security = security;
        this.clock = clock;
        this.window = new ReplayWindow(security.maxClockSkew().toMillis(), 1024);
        for (Rejection r : Rejection.values()) {
            rejected.put(r, new AtomicLong());
        }
        this.transport = transport;
        this.port = port;
        this.partner = partner;
        this.connectTimeout = connectTimeout;
        this.onMessage = onMessage;
        this.onReject = onReject;
    }

    void start() {
        listener = transport.listen(port);
        Thread.ofVirtual().name("interconnect-accept-" + port).start(this::acceptLoop);
        sender = Thread.ofVirtual().name("interconnect-send").start(this::sendLoop);
    }

    /** Queues a message; drops the oldest queued one if the link is backed up. */
    void send(InterconnectMessage m) {
        while (!outbox.offer(m)) {
            outbox.poll();
        }
    }

    /** Sends a message now, waiting up to the connect timeout; {@return whether it was sent}. */
    boolean sendNow(InterconnectMessage m) {
        if (cut) {
            return false;
        }
        try {
            Connection c = outbound();
            // Numbered and sent under one lock, so the partner sees the sequence numbers in order.
            synchronized (sendLock) {
                c.send(m.stamped(epoch, ++sendSeq, clock.instant().toEpochMilli()).encode(security));
            }
            return true;
        } catch (UnderstudyException e) {
            dropOutbound();
            if (e.code() == ErrorCode.CONNECTION_REFUSED) {
                onRefused.run();
            }
            return false;
        }
    }

    /** Tells whom to call when the partner's host refuses a connection (nothing listens on the port). */
    void onRefused(Runnable r) {
        this.onRefused = r;
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Connection c = listener.accept();
                inbound.add(c);
                Thread.ofVirtual().name("interconnect-recv").start(() -> receiveLoop(c));
            } catch (UnderstudyException e) {
                if (!closed) {
                    LOG.log(System.Logger.Level.DEBUG, "interconnect accept ended: {0}", e.getMessage());
                }
                return;
            }
        }
    }

    private void receiveLoop(Connection c) {
        try {
            while (!closed) {
                var frame = c.receive(Duration.ZERO);
                InterconnectMessage m = admit(frame, c.peer());
                if (m != null && !cut) {
                    onMessage.accept(m);
                    accepted.incrementAndGet();
                }
            }
        } catch (UnderstudyException e) {
            // Peer closed or the link broke: the detector notices the silence.
        } finally {
            inbound.remove(c);
            c.close();
        }
    }

    /** {@return the message if it is well formed and authentic, else null after reporting and counting why} */
    InterconnectMessage admit(java.nio.ByteBuffer frame, String peer) {
        InterconnectMessage.Parsed p;
        try {
            p = InterconnectMessage.parse(frame);
        } catch (UnderstudyException e) {
            return reject(Rejection.MALFORMED, e.getMessage(), peer);
        }
        if (!security.enabled()) {
            return p.message();
        }
        if (!p.tagged()) {
            return reject(Rejection.MISSING_TAG, "message has no tag; this node requires HMAC-SHA256 (cluster.interconnect.authentication)", p, peer);
        }
        if (!java.security.MessageDigest.isEqual(p.keyId(), security.keyIdBytes())) {
            return reject(Rejection.WRONG_KEY, "tagged with key " + java.util.HexFormat.of().formatHex(p.keyId())
                    + " but this node's key is " + security.keyId() + " (cluster.interconnect.keyFile differs between the nodes?)", p, peer);
        }
        if (!security.verify(InterconnectMessage.LABEL, p.bytes(), 0, p.signedLength(), p.tag())) {
            return reject(Rejection.BAD_TAG, "tag does not verify: the message was forged or altered", p, peer);
        }
        InterconnectMessage m = p.message();
        String why = window.check(m.epoch(), m.seq(), m.sentAtMillis(), clock.instant().toEpochMilli());
        if (why != null) {
            return reject(why.startsWith("replay") ? Rejection.REPLAY : Rejection.CLOCK_SKEW, why, p, peer);
        }
        return m;
    }

    private InterconnectMessage reject(Rejection r, String why, InterconnectMessage.Parsed p, String peer) {
        InterconnectMessage m = p.message();
        return reject(r, why + " [" + m.type() + " from '" + m.from() + "' epoch " + Long.toHexString(m.epoch())
                + " seq " + m.seq() + "]", peer);
    }

    private InterconnectMessage reject(Rejection r, String why, String peer) {
        rejected.get(r).incrementAndGet();
        onReject.accept("rejected interconnect message (" + r.id + ") from " + peer + ": " + why);
        return null;
    }

    /** {@return how many received messages were accepted and handed to the engine} */
    long accepted() {
        return accepted.get();
    }

    /** {@return how many received messages were rejected, by reason, in a stable order} */
    Map<String, Long> rejections() {
        Map<String, Long> out = new LinkedHashMap<>();
        rejected.forEach((r, n) -> out.put(r.id, n.get()));
        return out;
    }

    private void sendLoop() {
        while (!closed) {
            InterconnectMessage m;
            try {
                m = outbox.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (m != null) {
                sendNow(m);
            }
        }
    }

    private Connection outbound() {
        Connection c = outbound;
        if (c == null || !c.isOpen()) {
            c = transport.connect(partner, port, connectTimeout);
            outbound = c;
            Connection watched = c;
            // The partner never sends on this connection, so a receive returns only when it closes: a
            // restarted partner's old connection is dropped at once instead of swallowing the next message.
            Thread.ofVirtual().name("interconnect-watch").start(() -> {
                try {
                    watched.receive(Duration.ZERO);
                } catch (UnderstudyException e) {
                    // Closed: fall through.
                }
                if (outbound == watched) {
                    dropOutbound();
                }
            });
        }
        return c;
    }

    private void dropOutbound() {
        Connection c = outbound;
        outbound = null;
        if (c != null) {
            c.close();
        }
    }

    /**
     * Cuts or restores the link, as a fault injector: while cut, nothing is sent and whatever arrives is
     * discarded, as if the cable were pulled, while both nodes stay up.
     */
    void setCut(boolean cut) {
        this.cut = cut;
        if (cut) {
            outbox.clear();
            dropOutbound();
        }
    }

    boolean isCut() {
        return cut;
    }

    @Override
    public void close() {
        closed = true;
        Listener l = listener;
        if (l != null) {
            l.close();
        }
        inbound.forEach(Connection::close);
        dropOutbound();
        if (sender != null) {
            sender.interrupt();
        }
    }
}
