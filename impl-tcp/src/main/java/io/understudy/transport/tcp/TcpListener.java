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
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.LockSupport;
import javax.net.ssl.SSLSocket;

/**
 * A listening TCP socket for one data-access port. Closing the channel wakes a blocked {@link #accept()}
 * (the JDK signals the blocked thread) and makes the kernel refuse later connection attempts.
 *
 * <p>With TLS, one virtual thread of the listener accepts sockets and starts a virtual thread per socket for
 * the server's handshake, bounded by {@code tcp.tls.handshakeTimeout}, so a client that stalls its
 * handshake delays nobody else. {@link #accept()} returns connections whose handshake succeeded, in the
 * order they succeeded; at most {@value #MAX_PENDING} sockets are in a handshake or handshaken and not yet
 * accepted (beyond that, new clients wait in the kernel's backlog). A failed handshake (an untrusted or
 * missing client certificate, a plain-TCP client, a timeout) is logged as a warning and its socket
 * closed; the listener goes on. Closing the listener closes those sockets too.
 */
final class TcpListener implements Listener {

    /** The most TLS sockets in a handshake, or handshaken and waiting for {@link #accept()}, at once. */
    static final int MAX_PENDING = 64;

    private static final System.Logger LOG = System.getLogger(TcpListener.class.getName());

    /** In {@link #ready}: the listener is closed; every taker puts it back for the next one. */
    private static final Object CLOSED_MARK = new Object();

    private final TcpTransport transport;
    private final DataAccessPort port;
    private final ServerSocketChannel server;
    private final String local;
    /** TLS only: accepted sockets whose handshake is under way, closed by {@link #close()}. */
    private final Set<SocketChannel> handshaking = ConcurrentHashMap.newKeySet();
    /** TLS only: {@link Handshaken} connections, accept failures ({@link IOException}) and {@link #CLOSED_MARK}. */
    private final LinkedBlockingQueue<Object> ready = new LinkedBlockingQueue<>();
    /** TLS only: permits for sockets between the kernel's accept and {@link #accept()}. */
    private final Semaphore pending = new Semaphore(MAX_PENDING);
    private volatile boolean closed;
    /** Threads inside {@code server.accept()}; guarded by {@code this}. */
    private int accepting;

    /** A TLS connection whose handshake succeeded, waiting for {@link #accept()}. */
    private record Handshaken(SocketChannel channel, String peer, SSLSocket tls) {
    }

    TcpListener(TcpTransport transport, DataAccessPort port, ServerSocketChannel server, String local) {
        this.transport = transport;
        this.port = port;
        this.server = server;
        this.local = local;
        if (transport.tls() != null) {
            Thread.ofVirtual().name("understudy-tcp-tls-acceptor-" + port).start(this::acceptLoop);
        }
    }

    @Override
    public DataAccessPort port() {
        return port;
    }

    @Override
    public Connection accept() {
        if (transport.tls() != null) {
            return acceptTls();
        }
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
                return transport.register(new TcpConnection(transport, port, channel, peerOf(channel)));
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
                throw acceptFailed(e);
            }
        }
    }

    /** Takes the next handshaken TLS connection. */
    private Connection acceptTls() {
        while (true) {
            if (closed) {
                throw closedError(null);
            }
            Object next;
            try {
                next = ready.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new UnderstudyException(ErrorCode.CLOSED, "accept on data-access port " + port + " (TCP " + local
                        + ") was interrupted; the listener stays open", e);
            }
            if (next == CLOSED_MARK) {
                ready.add(CLOSED_MARK);
                throw closedError(null);
            }
            if (next instanceof IOException e) {
                throw acceptFailed(e);
            }
            Handshaken h = (Handshaken) next;
            pending.release();
            try {
                return transport.register(new TcpConnection(transport, port, h.channel(), h.peer(), h.tls()));
            } catch (IOException e) {
                // The socket broke between its handshake and now: not the listener's fault.
                TcpTransport.closeQuietly(h.channel());
            }
        }
    }

    /** The TLS acceptor thread: accepts sockets and hands each to a handshake thread, until closed. */
    private void acceptLoop() {
        while (!closed) {
            pending.acquireUninterruptibly();
            if (closed) {
                return;
            }
            SocketChannel channel;
            try {
                try {
                    enterAccept();
                    channel = server.accept();
                } finally {
                    exitAccept();
                }
            } catch (ClosedChannelException e) {
                close();
                return;
            } catch (IOException e) {
                pending.release();
                if (closed) {
                    return;
                }
                // Such as too many open files: tell one accept() caller, and do not spin on it.
                ready.add(e);
                LockSupport.parkNanos(100_000_000L);
                continue;
            }
            handshaking.add(channel);
            if (closed) {
                TcpTransport.closeQuietly(channel);
                return;
            }
            Thread.ofVirtual().name("understudy-tcp-tls-handshake").start(() -> handshake(channel));
        }
    }

    /** Runs the server's handshake and queues the connection; on failure logs and closes the socket. */
    private void handshake(SocketChannel channel) {
        TcpTls tls = transport.tls();
        String peer = "an unknown peer";
        boolean queued = false;
        try {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            peer = peerOf(channel);
            SSLSocket s = tls.server(channel.socket());
            s.setSoTimeout(TcpTransport.millis(tls.handshakeTimeout()));
            s.startHandshake();
            s.getOutputStream().write(TcpTls.ACCEPTED);
            s.setSoTimeout(0);
            // Out of the handshaking set before it can be accepted: close() closes what is in that set, and
            // must never close a connection accept() has already handed out (it checks `closed` below).
            handshaking.remove(channel);
            Handshaken h = new Handshaken(channel, peer, s);
            ready.add(h);
            queued = true;
            if (closed && ready.remove(h)) {
                // close() drained the queue before this one arrived, and no accept() took it: ours to close.
                // If the remove fails, accept() (or close()) already took it, and it is no longer ours.
                TcpTransport.closeQuietly(channel);
            }
        } catch (IOException e) {
            TcpTransport.closeQuietly(channel);
            if (!closed) {
                String who = peer;
                String why = TcpTls.isTimeout(e) ? "no complete handshake within " + tls.handshakeTimeout().toMillis() + " ms ("
                        + TcpOptions.TLS_HANDSHAKE_TIMEOUT.name() + "); the client may not speak TLS" : TcpTls.explain(e);
                LOG.log(System.Logger.Level.WARNING, () -> "TLS handshake with " + who + " on data-access port " + port + " (TCP "
                        + local + ") failed: " + why + "; connection closed, the listener keeps accepting");
            }
        } finally {
            handshaking.remove(channel);
            if (!queued) {
                pending.release();
            }
        }
    }

    private UnderstudyException acceptFailed(IOException e) {
        return new UnderstudyException(ErrorCode.TRANSPORT_IO, "accept on data-access port " + port + " (TCP " + local
                + ") failed: " + e + "; the listener stays open", e);
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    @Override
    public void close() {
        closed = true;
        TcpTransport.closeQuietly(server);
        if (transport.tls() != null) {
            for (SocketChannel c : handshaking) {
                TcpTransport.closeQuietly(c);
            }
            // Take each waiting connection out before closing it, so that none is both closed here and
            // handed out by a concurrent accept().
            for (Object o; (o = ready.poll()) != null; ) {
                if (o instanceof Handshaken h) {
                    TcpTransport.closeQuietly(h.channel());
                }
            }
            ready.add(CLOSED_MARK);
            pending.release(MAX_PENDING); // wakes the acceptor thread if it waits for a permit
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
