package io.understudy.transport.tcp;

import io.understudy.api.DataAccessPort;
import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.spi.transport.Connection;
import io.understudy.spi.transport.Listener;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLSocket;

/**
 * A listening TCP socket for one data-access port. Closing the channel wakes a blocked {@link #accept()}
 * (the JDK signals the blocked thread) and makes the kernel refuse later connection attempts.
 *
 * <p>With TLS, {@link #accept()} does the server's handshake on the accepting thread, bounded by
 * {@code tcp.tls.handshakeTimeout}, and returns only a connection whose handshake succeeded. A failed
 * handshake (an untrusted or missing client certificate, a plain-TCP client, a timeout) is logged as a
 * warning, its socket closed, and accept goes on waiting for the next client. Closing the listener also
 * closes sockets in the middle of a handshake.
 */
final class TcpListener implements Listener {

    private static final System.Logger LOG = System.getLogger(TcpListener.class.getName());

    private final TcpTransport transport;
    private final DataAccessPort port;
    private final ServerSocketChannel server;
    private final String local;
    /** Accepted sockets whose TLS handshake is under way, closed by {@link #close()}. */
    private final Set<SocketChannel> handshaking = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;
    /** Threads inside {@code server.accept()}; guarded by {@code this}. */
    private int accepting;

    TcpListener(TcpTransport transport, DataAccessPort port, ServerSocketChannel server, String local) {
        this.transport = transport;
        this.port = port;
        this.server = server;
        this.local = local;
    }

    @Override
    public DataAccessPort port() {
        return port;
    }

    @Override
    public Connection accept() {
        while (true) {
            if (closed) {
                throw closedError(null);
            }
            SocketChannel channel = null;
            try {
                try {
                    enterAccept();
                    channel = server.accept();
                } finally {
                    exitAccept();
                }
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                if (transport.tls() == null) {
                    return transport.register(new TcpConnection(transport, port, channel, peerOf(channel)));
                }
                String peer = peerOf(channel);
                SSLSocket tls = handshake(channel, peer);
                if (tls == null) {
                    continue;
                }
                return transport.register(new TcpConnection(transport, port, channel, peer, tls));
            } catch (ClosedChannelException e) {
                // Also AsynchronousCloseException (closed while waiting) and ClosedByInterruptException.
                TcpTransport.closeQuietly(channel);
                close();
                throw closedError(e);
            } catch (IOException e) {
                TcpTransport.closeQuietly(channel);
                if (closed) {
                    throw closedError(e);
                }
                if (channel != null) {
                    // The accepted socket failed (reset before we configured it): not the listener's fault.
                    continue;
                }
                throw new UnderstudyException(ErrorCode.TRANSPORT_IO, "accept on data-access port " + port + " (TCP " + local
                        + ") failed: " + e + "; the listener stays open", e);
            }
        }
    }

    /**
     * {@return the TLS socket after a successful server handshake and the accept byte sent, or null after
     * a failed one (logged, socket closed)} Throws {@code CLOSED} if the listener closes meanwhile.
     */
    private SSLSocket handshake(SocketChannel channel, String peer) throws IOException {
        TcpTls tls = transport.tls();
        handshaking.add(channel);
        try {
            if (closed) {
                throw closedError(null);
            }
            SSLSocket s = tls.server(channel.socket());
            s.setSoTimeout(TcpTransport.millis(tls.handshakeTimeout()));
            s.startHandshake();
            s.getOutputStream().write(TcpTls.ACCEPTED);
            s.setSoTimeout(0);
            return s;
        } catch (IOException e) {
            TcpTransport.closeQuietly(channel);
            if (closed) {
                throw closedError(e);
            }
            String why = TcpTls.isTimeout(e) ? "no complete handshake within " + tls.handshakeTimeout().toMillis() + " ms ("
                    + TcpOptions.TLS_HANDSHAKE_TIMEOUT.name() + "); the client may not speak TLS" : TcpTls.explain(e);
            LOG.log(System.Logger.Level.WARNING, () -> "TLS handshake with " + peer + " on data-access port " + port + " (TCP " + local
                    + ") failed: " + why + "; connection closed, the listener keeps accepting");
            return null;
        } finally {
            handshaking.remove(channel);
        }
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    @Override
    public void close() {
        closed = true;
        TcpTransport.closeQuietly(server);
        for (SocketChannel c : handshaking) {
            TcpTransport.closeQuietly(c);
        }
        transport.forget(this);
        awaitNoAcceptors();
    }

    private synchronized void enterAccept() {
        accepting++;
    }

    private synchronized void exitAccept() {
        if (--accepting == 0) {
            notifyAll();
        }
    }

    /**
     * The JDK defers closing a server socket until the threads blocked in accept() have left it; until then
     * the port still takes connections. Wait (bounded) for them, so that when close() returns the port
     * refuses connections, as the SPI promises: a deactivated pDAF must not accept anyone.
     */
    private synchronized void awaitNoAcceptors() {
        long deadline = System.nanoTime() + 2_000_000_000L;
        boolean interrupted = false;
        while (accepting > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            try {
                wait(Math.max(1, left / 1_000_000));
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "tcp listener " + port + " on " + local + (closed ? " (closed)" : "");
    }

    private UnderstudyException closedError(Throwable cause) {
        return new UnderstudyException(ErrorCode.CLOSED, "the listener on data-access port " + port + " (TCP " + local
                + ") is closed; listen again to accept connections", cause);
    }

    private static String peerOf(SocketChannel channel) throws IOException {
        return channel.getRemoteAddress() instanceof InetSocketAddress a ? TcpTransport.describe(a) : String.valueOf(channel.getRemoteAddress());
    }
}
