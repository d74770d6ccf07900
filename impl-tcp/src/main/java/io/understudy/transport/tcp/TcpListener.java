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
                channel = server.accept();
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
