package io.understudy.cluster;

import io.understudy.api.DataAccessPort;
import io.understudy.api.Endpoint;
import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.spi.transport.Connection;
import io.understudy.spi.transport.Listener;
import io.understudy.spi.transport.Transport;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The link between partners, over any transport. Each node listens on its interconnect port and reads
 * what its partner sends; it sends over its own outbound connection, which a dedicated sender thread opens
 * (and re-opens) so that a slow or cut link never blocks the engine's control thread. Messages that cannot
 * be sent are dropped: heartbeats are periodic, and the procedures do not depend on any one message
 * arriving (the ownership records are the truth).
 */
final class Interconnect implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Interconnect.class.getName());

    private final Transport transport;
    private final DataAccessPort port;
    private final Endpoint partner;
    private final Duration connectTimeout;
    private final Consumer<InterconnectMessage> onMessage;
    private final Consumer<String> onReject;
    private final BlockingQueue<InterconnectMessage> outbox = new ArrayBlockingQueue<>(64);
    private final Set<Connection> inbound = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;
    private volatile boolean cut;
    private volatile Listener listener;
    private volatile Connection outbound;
    private volatile Runnable onRefused = () -> { };
    private Thread sender;

    Interconnect(Transport transport, DataAccessPort port, Endpoint partner, Duration connectTimeout,
                 Consumer<InterconnectMessage> onMessage, Consumer<String> onReject) {
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
            c.send(m.encode());
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
                InterconnectMessage m;
                try {
                    m = InterconnectMessage.decode(frame);
                } catch (UnderstudyException e) {
                    onReject.accept(e.getMessage() + " from " + c.peer());
                    continue;
                }
                if (!cut) {
                    onMessage.accept(m);
                }
            }
        } catch (UnderstudyException e) {
            // Peer closed or the link broke: the detector notices the silence.
        } finally {
            inbound.remove(c);
            c.close();
        }
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
