package io.understudy.examples.uds;

import io.understudy.api.DataAccessPort;
import io.understudy.api.Endpoint;
import io.understudy.api.ErrorCode;
import io.understudy.api.InetEndpoint;
import io.understudy.api.UnderstudyException;
import io.understudy.spi.transport.Connection;
import io.understudy.spi.transport.Listener;
import io.understudy.spi.transport.Transport;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/** The Unix-domain-socket {@link Transport}: one socket file per (address, data-access port). */
final class UdsTransport implements Transport {

    private final Path directory;
    private final InetAddress address;
    private final int maxFrameSize;
    private final Map<DataAccessPort, UdsListener> listeners = new ConcurrentHashMap<>();
    private final Set<UdsConnection> connections = ConcurrentHashMap.newKeySet();
    private final ReentrantLock listenLock = new ReentrantLock();
    private volatile boolean closed;

    UdsTransport(Path directory, InetAddress address, int maxFrameSize) {
        this.directory = directory;
        this.address = address;
        this.maxFrameSize = maxFrameSize;
    }

    @Override
    public String id() {
        return UdsTransportProvider.ID;
    }

    @Override
    public int maxFrameSize() {
        return maxFrameSize;
    }

    @Override
    public Listener listen(DataAccessPort port) {
        Objects.requireNonNull(port, "port");
        Path file = socketFile(address, port);
        listenLock.lock();
        ServerSocketChannel server = null;
        try {
            ensureOpen();
            if (listeners.containsKey(port)) {
                throw new UnderstudyException(ErrorCode.PORT_IN_USE, "data-access port " + port + " (" + file
                        + ") is already listened on by this transport; close its listener first");
            }
            if (Files.exists(file)) {
                if (isLive(file)) {
                    throw new UnderstudyException(ErrorCode.PORT_IN_USE, "data-access port " + port + ": another listener"
                            + " is serving " + file + "; stop it, or give this node its own " + UdsOptions.ADDRESS.name());
                }
                Files.deleteIfExists(file); // left behind by a process that died without closing
            }
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(file));
            UdsListener listener = new UdsListener(this, port, server, file);
            listeners.put(port, listener);
            return listener;
        } catch (IOException e) {
            close(server);
            throw new UnderstudyException(ErrorCode.TRANSPORT_IO, "cannot listen on data-access port " + port + " at " + file
                    + ": " + e + (file.toString().length() > 100 ? "; the path may be too long, shorten " + UdsOptions.DIRECTORY.name() : ""), e);
        } finally {
            listenLock.unlock();
        }
    }

    @Override
    public Connection connect(Endpoint endpoint, DataAccessPort port, Duration timeout) {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(port, "port");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("connect timeout must be positive, got " + timeout);
        }
        ensureOpen();
        if (!(endpoint instanceof InetEndpoint inet)) {
            throw new UnderstudyException(ErrorCode.UNSUPPORTED_ENDPOINT, "the uds transport reaches InetEndpoint, not "
                    + endpoint.getClass().getSimpleName() + " (" + endpoint.describe() + ")");
        }
        Path file = socketFile(inet.address(), port);
        String where = "data-access port " + port + " of " + inet.address().getHostAddress() + " (" + file + ")";
        long deadline = System.nanoTime() + nanos(timeout);
        long backoff = TimeUnit.MILLISECONDS.toNanos(1);
        while (true) {
            SocketChannel channel = null;
            try {
                channel = SocketChannel.open(StandardProtocolFamily.UNIX);
                channel.configureBlocking(false);
                // A Unix domain connect completes at once, or fails at once when the backlog is full.
                if (channel.connect(UnixDomainSocketAddress.of(file))) {
                    return register(new UdsConnection(this, port, channel, "uds:" + file));
                }
                close(channel);
            } catch (ConnectException e) {
                close(channel);
                throw refused(where, e);
            } catch (SocketException e) {
                close(channel);
                if (Files.notExists(file)) {
                    throw refused(where, e);
                }
                if (!String.valueOf(e.getMessage()).contains("temporarily unavailable")) {
                    throw new UnderstudyException(ErrorCode.TRANSPORT_IO, "cannot connect to " + where + ": " + e, e);
                }
            } catch (IOException e) {
                close(channel);
                throw new UnderstudyException(ErrorCode.TRANSPORT_IO, "cannot connect to " + where + ": " + e, e);
            }
            // The listener's backlog is full: wait a little and try again until the deadline.
            if (System.nanoTime() - deadline >= 0) {
                throw new UnderstudyException(ErrorCode.TIMEOUT, "connecting to " + where + " took longer than "
                        + timeout.toMillis() + " ms; its backlog stayed full");
            }
            LockSupport.parkNanos(backoff);
            backoff = Math.min(backoff * 2, TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    @Override
    public void close() {
        listenLock.lock();
        try {
            closed = true;
            for (UdsListener l : new ArrayList<>(listeners.values())) {
                l.close();
            }
        } finally {
            listenLock.unlock();
        }
        for (UdsConnection c : new ArrayList<>(connections)) {
            c.close();
        }
    }

    @Override
    public String toString() {
        return "uds transport (" + directory + ", as " + address.getHostAddress() + ", listening on " + listeners.keySet() + ")";
    }

    /** {@return where the socket of {@code port} at {@code at} lives} */
    Path socketFile(InetAddress at, DataAccessPort port) {
        return directory.resolve(at.getHostAddress() + "-" + port.name() + ".sock");
    }

    UdsConnection register(UdsConnection c) {
        connections.add(c);
        if (closed) {
            c.close();
            ensureOpen();
        }
        return c;
    }

    void forget(UdsConnection c) {
        connections.remove(c);
    }

    void forget(UdsListener l) {
        listeners.remove(l.port(), l);
    }

    private void ensureOpen() {
        if (closed) {
            throw new UnderstudyException(ErrorCode.CLOSED, "this uds transport is closed; open a new one from the provider");
        }
    }

    /** A socket file something still accepts on, as opposed to one left behind by a dead process. */
    private static boolean isLive(Path file) {
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.configureBlocking(false);
            probe.connect(UnixDomainSocketAddress.of(file));
            return true;
        } catch (ConnectException e) {
            return false;
        } catch (IOException e) {
            return true; // backlog full, or not ours to judge: do not delete it
        }
    }

    private static UnderstudyException refused(String where, IOException e) {
        return new UnderstudyException(ErrorCode.CONNECTION_REFUSED, "nothing listens on " + where + " (" + e.getMessage()
                + "); the port is closed there, or the server is down", e);
    }

    /** {@return the duration in nanoseconds, saturated at about 146 years so deadlines cannot overflow} */
    static long nanos(Duration d) {
        return d.compareTo(Duration.ofNanos(Long.MAX_VALUE / 2)) >= 0 ? Long.MAX_VALUE / 2 : d.toNanos();
    }

    static void close(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // best effort: the descriptor is released anyway
            }
        }
    }
}
