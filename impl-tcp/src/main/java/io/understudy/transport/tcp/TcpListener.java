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

/**
 * A listening TCP socket for one data-access port. Closing the channel wakes a blocked {@link #accept()}
 * (the JDK signals the blocked thread) and makes the kernel refuse later connection attempts.
 */
final class TcpListener implements Listener {

    private final TcpTransport transport;
    private final DataAccessPort port;
    private final ServerSocketChannel server;
    private final String local;
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
                throw new UnderstudyException(ErrorCode.TRANSPORT_IO, "accept on data-access port " + port + " (TCP " + local
                        + ") failed: " + e + "; the listener stays open", e);
            }
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
