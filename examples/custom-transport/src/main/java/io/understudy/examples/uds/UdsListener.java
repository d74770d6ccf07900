package io.understudy.examples.uds;

import io.understudy.api.DataAccessPort;
import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.spi.transport.Connection;
import io.understudy.spi.transport.Listener;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A listening Unix domain socket for one data-access port. Closing it deletes the socket file first, so
 * new connections are refused at once, then closes the channel, which wakes a blocked {@link #accept()}.
 */
final class UdsListener implements Listener {

    private final UdsTransport transport;
    private final DataAccessPort port;
    private final ServerSocketChannel server;
    private final Path file;
    private volatile boolean closed;

    UdsListener(UdsTransport transport, DataAccessPort port, ServerSocketChannel server, Path file) {
        this.transport = transport;
        this.port = port;
        this.server = server;
        this.file = file;
    }

    @Override
    public DataAccessPort port() {
        return port;
    }

    @Override
    public Connection accept() {
        if (closed) {
            throw closedError(null);
        }
        SocketChannel channel = null;
        try {
            channel = server.accept();
            return transport.register(new UdsConnection(transport, port, channel, "local client of " + file));
        } catch (ClosedChannelException e) {
            UdsTransport.close(channel);
            close();
            throw closedError(e);
        } catch (IOException e) {
            UdsTransport.close(channel);
            if (closed) {
                throw closedError(e);
            }
            throw new UnderstudyException(ErrorCode.TRANSPORT_IO, "accept on " + file + " failed: " + e, e);
        }
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // the next listen treats a file nobody accepts on as stale and replaces it
        }
        UdsTransport.close(server);
        transport.forget(this);
    }

    @Override
    public String toString() {
        return "uds listener " + port + " at " + file + (closed ? " (closed)" : "");
    }

    private UnderstudyException closedError(Throwable cause) {
        return new UnderstudyException(ErrorCode.CLOSED, "the listener on data-access port " + port + " (" + file + ") is closed", cause);
    }
}
