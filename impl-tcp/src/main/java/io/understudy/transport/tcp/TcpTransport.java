package io.understudy.transport.tcp;

import io.understudy.api.DataAccessPort;
import io.understudy.api.Endpoint;
import io.understudy.api.ErrorCode;
import io.understudy.api.InetEndpoint;
import io.understudy.api.UnderstudyException;
import io.understudy.api.spi.ProviderContext;
import io.understudy.spi.transport.Connection;
import io.understudy.spi.transport.Listener;
import io.understudy.spi.transport.Transport;
import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The TCP {@link Transport}. It keeps every listener and connection it made so {@link #close()} can close
 * them all. Blocking calls use NIO channels in blocking mode, which park virtual threads instead of
 * pinning carriers.
 */
final class TcpTransport implements Transport {

    private final ProviderContext context;
    private final InetAddress bindAddress;
    private final Duration connectTimeoutCap;
    private final int maxFrameSize;
    /** The listen queue length ({@link TcpOptions#BACKLOG}). */
    private final int backlog;
    /** The TLS settings, or null for plain TCP. */
    private final TcpTls tls;
    private final Map<DataAccessPort, TcpListener> listeners = new ConcurrentHashMap<>();
    private final Set<TcpConnection> connections = ConcurrentHashMap.newKeySet();
    private final ReentrantLock listenLock = new ReentrantLock();
    private volatile boolean closed;

    TcpTransport(ProviderContext context, InetAddress bindAddress, Duration connectTimeoutCap, int maxFrameSize, int backlog, TcpTls tls) {
        this.context = context;
        this.bindAddress = bindAddress;
        this.connectTimeoutCap = connectTimeoutCap;
        this.maxFrameSize = maxFrameSize;
        this.backlog = backlog;
        this.tls = tls;
    }

    /** {@return the TLS settings, or null for plain TCP} */
    TcpTls tls() {
        return tls;
    }

    @Override
    public String id() {
        return TcpTransportProvider.ID;
    }

    @Override
    public int maxFrameSize() {
        return maxFrameSize;
    }

    @Override
    public Listener listen(DataAccessPort port) {
        Objects.requireNonNull(port, "port");
        int number = mappedNumber(port);
        InetSocketAddress local = new InetSocketAddress(bindAddress, number);
        // One lock for listen and close: listening is rare, and it keeps "listen twice" and "close all"
        // free of races without placeholders.
        listenLock.lock();
        ServerSocketChannel server = null;
        try {
            ensureOpen();
            if (tls != null && !tls.hasKey()) {
                throw new UnderstudyException(ErrorCode.INVALID_CONFIGURATION, "cannot listen on data-access port " + port + " with TLS: "
                        + TcpOptions.TLS.name() + " is on but this node has no certificate; set " + TcpOptions.TLS_KEY_STORE.name()
                        + " (PKCS#12), or " + TcpOptions.TLS_CERTIFICATE.name() + " and " + TcpOptions.TLS_PRIVATE_KEY.name() + " (PEM)");
            }
            if (listeners.containsKey(port)) {
                throw new UnderstudyException(ErrorCode.PORT_IN_USE, "data-access port " + port + " (TCP " + describe(local)
                        + ") is already listened on by this transport; close its listener first");
            }
            server = ServerSocketChannel.open();
            server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            server.bind(local, backlog);
            TcpListener listener = new TcpListener(this, port, server, describe(local));
            listeners.put(port, listener);
            return listener;
        } catch (BindException e) {
            closeQuietly(server);
            throw new UnderstudyException(ErrorCode.PORT_IN_USE, "cannot listen on data-access port " + port + ": TCP "
                    + describe(local) + " is in use by another socket (" + e.getMessage() + "); stop what holds it, map "
                    + port + " to another number, or give this node its own " + TcpOptions.BIND_ADDRESS.name(), e);
        } catch (IOException e) {
            closeQuietly(server);
            throw new UnderstudyException(ErrorCode.TRANSPORT_IO, "cannot listen on data-access port " + port + " at TCP "
                    + describe(local) + ": " + e, e);
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
            throw new UnderstudyException(ErrorCode.UNSUPPORTED_ENDPOINT, "the tcp transport reaches InetEndpoint, not "
                    + endpoint.getClass().getSimpleName() + " (" + endpoint.describe() + "); select a transport for that fabric");
        }
        // A port published with the endpoint (DNS SRV) overrides the mapping, so it needs none.
        InetSocketAddress remote = inet.socketAddress(inet.hasPort() ? InetEndpoint.NO_PORT : mappedNumber(port));
        Duration wait = timeout.compareTo(connectTimeoutCap) < 0 ? timeout : connectTimeoutCap;
        String where = "data-access port " + port + " at " + describe(remote);
        SocketChannel channel = null;
        long deadline = System.nanoTime() + wait.toNanos();
        try {
            channel = SocketChannel.open();
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            // The socket adaptor is the one blocking connect with a timeout that NIO offers.
            channel.socket().connect(remote, millis(wait));
            if (tls != null) {
                return register(new TcpConnection(this, port, channel, describe(remote), handshake(channel, remote, where, wait, deadline)));
            }
            return register(new TcpConnection(this, port, channel, describe(remote)));
        } catch (UnderstudyException e) {
            closeQuietly(channel);
            throw e;
        } catch (IOException e) {
            closeQuietly(channel);
            if (e instanceof SocketTimeoutException) {
                throw new UnderstudyException(ErrorCode.TIMEOUT, "connecting to " + where + " took longer than " + wait.toMillis()
                        + " ms; the server may be down or its backlog full", e);
            }
            if (e instanceof ConnectException) {
                throw new UnderstudyException(ErrorCode.CONNECTION_REFUSED, "nothing listens on " + where + " (" + e.getMessage()
                        + "); the port is closed there, or the server is down", e);
            }
            if (e instanceof ClosedByInterruptException) {
                throw new UnderstudyException(ErrorCode.CLOSED, "connecting to " + where + " was interrupted", e);
            }
            throw new UnderstudyException(ErrorCode.TRANSPORT_IO, "cannot connect to " + where + ": " + e, e);
        }
    }

    /**
     * Does the client's TLS handshake within what is left of the connect timeout, then waits for the
     * listener's {@link TcpTls#ACCEPTED} byte: under TLS 1.3 a listener refuses a client certificate only
     * after the client's side of the handshake is done, and this is where the client learns it.
     */
    private javax.net.ssl.SSLSocket handshake(SocketChannel channel, InetSocketAddress remote, String where, Duration wait,
            long deadline) throws IOException {
        String name = tls.expectedName(remote);
        javax.net.ssl.SSLSocket s = tls.client(channel.socket(), remote);
        try {
            s.setSoTimeout(millisUntil(deadline));
            s.startHandshake();
            s.setSoTimeout(millisUntil(deadline));
            int b = s.getInputStream().read();
            if (b != TcpTls.ACCEPTED) {
                throw new UnderstudyException(ErrorCode.TLS_HANDSHAKE_FAILED, "TLS with " + where + " (expecting the name " + name + "): "
                        + (b < 0 ? "the server closed the connection right after the handshake: it refused this client's certificate"
                                + " (or the lack of one); check " + TcpOptions.TLS_KEY_STORE.name() + " here and "
                                + TcpOptions.TLS_CLIENT_AUTH.name() + " and " + TcpOptions.TLS_TRUST_STORE.name() + " there"
                        : String.format("the server sent 0x%02x where a TLS listener of this transport sends 0x%02x; it is not an"
                                + " Understudy TCP listener", b, TcpTls.ACCEPTED)));
            }
            s.setSoTimeout(0);
            return s;
        } catch (IOException e) {
            if (TcpTls.isTimeout(e)) {
                throw new UnderstudyException(ErrorCode.TIMEOUT, "the TLS handshake with " + where + " did not finish within "
                        + wait.toMillis() + " ms (the connect timeout); is the server speaking TLS (" + TcpOptions.TLS.name()
                        + ": on there too), and is anything accepting there?", e);
            }
            if (e instanceof java.nio.channels.ClosedByInterruptException) {
                throw e;
            }
            // TCP connected; whatever breaks now (an alert, a reset from a plain server that hung up) is the handshake.
            String hint = TcpTls.isTls(e) ? "" : "; the server may not speak TLS (" + TcpOptions.TLS.name() + ": on there too)";
            throw new UnderstudyException(ErrorCode.TLS_HANDSHAKE_FAILED, "TLS handshake with " + where + " (expecting the name "
                    + name + ") failed: " + TcpTls.explain(e) + hint, e);
        }
    }

    /** {@return the whole milliseconds left until {@code deadline}, at least 1; a socket timeout if none are left} */
    private static int millisUntil(long deadline) throws java.net.SocketTimeoutException {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new java.net.SocketTimeoutException("connect timeout spent");
        }
        return millis(Duration.ofNanos(left));
    }

    @Override
    public void close() {
        listenLock.lock();
        try {
            closed = true;
            for (TcpListener l : new ArrayList<>(listeners.values())) {
                l.close();
            }
        } finally {
            listenLock.unlock();
        }
        for (TcpConnection c : new ArrayList<>(connections)) {
            c.close();
        }
    }

    @Override
    public String toString() {
        return "tcp transport (" + (tls != null ? "TLS, " : "") + "bind " + bindAddress.getHostAddress() + ", listening on " + listeners.keySet() + ", "
                + connections.size() + " connections" + (closed ? ", closed" : "") + ")";
    }

    /** Tracks a new connection, closing it at once if the transport closed meanwhile. */
    TcpConnection register(TcpConnection c) {
        connections.add(c);
        if (closed) {
            c.close();
            ensureOpen();
        }
        return c;
    }

    void forget(TcpConnection c) {
        connections.remove(c);
    }

    void forget(TcpListener l) {
        listeners.remove(l.port(), l);
    }

    private int mappedNumber(DataAccessPort port) {
        return context.portNumber(port).orElseThrow(() -> new UnderstudyException(ErrorCode.PORT_NOT_MAPPED,
                "data-access port " + port + " has no TCP port number; map it in the deployment configuration"
                        + " (ports: {" + port + ": NUMBER}) or with ProviderContext.Builder.portNumber; mapped now: "
                        + context.portNumbers()));
    }

    private void ensureOpen() {
        if (closed) {
            throw new UnderstudyException(ErrorCode.CLOSED, "this tcp transport is closed; open a new one from the provider");
        }
    }

    static String describe(InetSocketAddress a) {
        return InetEndpoint.of(a.getAddress()).describe() + ":" + a.getPort();
    }

    /** {@return a positive duration in whole milliseconds for a socket timeout, rounded up, capped} */
    static int millis(Duration d) {
        if (d.compareTo(Duration.ofMillis(Integer.MAX_VALUE)) >= 0) {
            return Integer.MAX_VALUE;
        }
        long ms = d.toMillis();
        return (int) (Duration.ofMillis(ms).equals(d) ? Math.max(ms, 1) : ms + 1);
    }

    static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // Closing is best effort: the descriptor is released whatever close reports.
            }
        }
    }
}
