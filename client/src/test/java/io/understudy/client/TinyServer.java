package io.understudy.client;

import io.understudy.api.DataAccessPort;
import io.understudy.api.UnderstudyException;
import io.understudy.api.spi.ProviderContext;
import io.understudy.session.Frame;
import io.understudy.session.Status;
import io.understudy.spi.transport.Connection;
import io.understudy.spi.transport.Listener;
import io.understudy.spi.transport.Transport;
import io.understudy.transport.tcp.TcpOptions;
import io.understudy.transport.tcp.TcpTransportProvider;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

/**
 * A small data-path server for the end-to-end tests, on the real TCP transport bound to its own loopback
 * address: it listens on data-access ports, decodes request frames and answers them as its {@link Mode}
 * says. It stands for one filer of a pair; the tests kill it, pause it, or close its secondary port as a
 * giveback does.
 */
final class TinyServer implements AutoCloseable {

    /** How the server answers. */
    enum Mode {
        /** OK, payload {@code <name>:<request>}; a request starting with {@code fail:} gets APPLICATION_ERROR. */
        ECHO,
        /** NOT_SERVING to everything (the request does not run). */
        NOT_SERVING,
        /** Reads every request and never answers (a paused or wedged server). */
        SILENT,
        /** Drops the connection on every request without answering (a crash-looping server). */
        DROP
    }

    /** A request as the server saw it. */
    record Seen(DataAccessPort port, long session, long sequence, String payload) {
    }

    final String name;
    private final Transport transport;
    private final Map<DataAccessPort, Listener> listeners = new ConcurrentHashMap<>();
    private final Map<DataAccessPort, Thread> acceptors = new ConcurrentHashMap<>();
    private final Map<DataAccessPort, Set<Connection>> connections = new ConcurrentHashMap<>();
    final List<Seen> seen = new CopyOnWriteArrayList<>();
    volatile Mode mode = Mode.ECHO;
    /** The hint NOT_SERVING replies carry (as a node stepping down to its partner gives one). */
    volatile Frame.Hint hint = Frame.Hint.NONE;
    /** In ECHO mode, how many requests (from now) are still answered NOT_SERVING, without a hint, first. */
    final java.util.concurrent.atomic.AtomicInteger refuseFirst = new java.util.concurrent.atomic.AtomicInteger();

    TinyServer(String name, InetAddress bind, Map<DataAccessPort, Integer> ports) {
        this.name = name;
        this.transport = new TcpTransportProvider().open(ProviderContext.builder()
                .portNumbers(ports)
                .option(TcpOptions.BIND_ADDRESS, bind)
                .build());
    }

    /** Starts listening on a port (as a node opens DAFS at boot, or pDAF at takeover). */
    TinyServer listen(DataAccessPort port) {
        Listener l = transport.listen(port);
        listeners.put(port, l);
        Set<Connection> conns = connections.computeIfAbsent(port, p -> ConcurrentHashMap.newKeySet());
        Thread acceptor = Thread.ofVirtual().name(name + "-accept-" + port).start(() -> {
            while (true) {
                Connection c;
                try {
                    c = l.accept();
                } catch (UnderstudyException e) {
                    return;
                }
                conns.add(c);
                Thread.ofVirtual().name(name + "-" + port).start(() -> serve(port, c));
            }
        });
        acceptors.put(port, acceptor);
        return this;
    }

    /** Closes a port's listener and every connection on it, as giveback does with pDAF (Fig. 5, 515-520). */
    void closePort(DataAccessPort port) {
        stopListening(port);
        Set<Connection> conns = connections.getOrDefault(port, Set.of());
        conns.forEach(Connection::close);
        conns.clear();
    }

    /** The server dies: every listener and connection closes. */
    void kill() {
        listeners.keySet().forEach(this::stopListening);
        transport.close();
    }

    /**
     * Closes a listener and waits (bounded) for its acceptor to leave {@code accept()}. The JDK defers the
     * real close of a listening socket while a thread is blocked accepting on it, so without the wait the
     * kernel may still complete a client's handshake for a moment after {@code close()} returned: the
     * client would see its reconnect succeed and then be reset, which is legitimate but not what these
     * tests mean to stage.
     */
    private void stopListening(DataAccessPort port) {
        Listener l = listeners.remove(port);
        if (l == null) {
            return;
        }
        l.close();
        Thread acceptor = acceptors.remove(port);
        try {
            if (acceptor != null && !acceptor.join(Duration.ofSeconds(5))) {
                throw new AssertionError(name + ": the acceptor on " + port + " did not stop within 5 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** {@return how many requests were received on a port} */
    long received(DataAccessPort port) {
        return seen.stream().filter(s -> s.port().equals(port)).count();
    }

    @Override
    public void close() {
        transport.close();
    }

    private void serve(DataAccessPort port, Connection c) {
        try {
            while (true) {
                Frame req = Frame.decode(c.receive(Duration.ZERO));
                String text = StandardCharsets.UTF_8.decode(req.payload()).toString();
                seen.add(new Seen(port, req.sessionId(), req.sequence(), text));
                Frame reply = switch (mode) {
                    case SILENT -> null;
                    case DROP -> {
                        c.close();
                        yield null;
                    }
                    case NOT_SERVING -> req.notServing(hint, utf8(name + " is not serving " + port + " now"));
                    case ECHO -> refuseFirst.getAndUpdate(n -> Math.max(0, n - 1)) > 0
                            ? req.reply(Status.NOT_SERVING, utf8(name + " is not serving " + port + " yet"))
                            : text.startsWith("fail:")
                            ? req.reply(Status.APPLICATION_ERROR, utf8(text.substring(5)))
                            : req.reply(Status.OK, utf8(name + ":" + text));
                };
                if (reply != null) {
                    c.send(reply.encode());
                }
            }
        } catch (UnderstudyException e) {
            c.close(); // the client went away, or this server was killed
        }
    }

    static ByteBuffer utf8(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    static String text(ByteBuffer b) {
        return StandardCharsets.UTF_8.decode(b.duplicate()).toString();
    }

    /** Waits, with a bound, for a condition the test cannot be told about directly. */
    static void await(String what, Duration bound, BooleanSupplier condition) {
        long end = System.nanoTime() + bound.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                throw new AssertionError("timed out after " + bound.toMillis() + " ms waiting for " + what);
            }
            try {
                Thread.sleep(2); // polling interval of a bounded wait, not synchronisation by sleeping
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what, e);
            }
        }
    }
}
