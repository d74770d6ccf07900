package io.understudy.bench.datapath;

import io.understudy.api.DataAccessPort;
import io.understudy.api.UnderstudyException;
import io.understudy.api.spi.ProviderContext;
import io.understudy.session.Frame;
import io.understudy.session.Status;
import io.understudy.spi.transport.Connection;
import io.understudy.spi.transport.Listener;
import io.understudy.spi.transport.Transport;
import io.understudy.spi.transport.TransportProvider;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The echo servers the data-path benchmarks talk to, all on 127.0.0.1, each stopping everything it
 * started on {@link #close()}.
 */
final class Echo {

    /** The request size of every benchmark: a small request, echoed. */
    static final int PAYLOAD = 64;
    /** Requests in flight per connection in the pipelined benchmarks. */
    static final int DEPTH = 16;
    /** Bytes of the raw floor's length prefix. */
    static final int PREFIX = 4;
    /** Generous bound on connecting. */
    static final Duration CONNECT = Duration.ofSeconds(30);

    private Echo() {
    }

    /** {@return a TCP port on the loopback that was free a moment ago} */
    static int freePort() {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port: " + e.getMessage(), e);
        }
    }

    /**
     * The floor: blocking {@link java.net.Socket}s with a 4-byte big-endian length prefix, one platform
     * thread per connection, {@code TCP_NODELAY}, one write per frame and buffered reads.
     */
    static final class RawServer implements AutoCloseable {
        private final ServerSocket server;
        private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
        private final Thread acceptor;

        RawServer() throws IOException {
            server = new ServerSocket();
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
            acceptor = Thread.ofPlatform().daemon().name("raw-accept").start(this::acceptLoop);
        }

        int port() {
            return server.getLocalPort();
        }

        private void acceptLoop() {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    s.setTcpNoDelay(true);
                    sockets.add(s);
                    Thread.ofPlatform().daemon().name("raw-echo").start(() -> serve(s));
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void serve(Socket s) {
            try (s) {
                DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream(), 64 * 1024));
                OutputStream out = s.getOutputStream();
                byte[] buf = new byte[PREFIX + PAYLOAD];
                while (true) {
                    int n = in.readInt();
                    if (buf.length < PREFIX + n) {
                        buf = new byte[PREFIX + n];
                    }
                    in.readFully(buf, PREFIX, n);
                    buf[0] = (byte) (n >>> 24);
                    buf[1] = (byte) (n >>> 16);
                    buf[2] = (byte) (n >>> 8);
                    buf[3] = (byte) n;
                    out.write(buf, 0, PREFIX + n);
                }
            } catch (EOFException | java.net.SocketException e) {
                // The client went away or the server is closing.
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                sockets.remove(s);
            }
        }

        @Override
        public void close() throws Exception {
            server.close();
            for (Socket s : sockets) {
                s.close();
            }
            acceptor.join(Duration.ofSeconds(5));
        }
    }

    /** A client of {@link RawServer}: one write of prefix and payload, a buffered read of the echo. */
    static final class RawClient implements AutoCloseable {
        private final Socket socket;
        private final OutputStream out;
        private final DataInputStream in;
        private final byte[] frame = new byte[PREFIX + PAYLOAD];
        private final byte[] reply = new byte[PAYLOAD];

        RawClient(int port) throws IOException {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), (int) CONNECT.toMillis());
            out = socket.getOutputStream();
            in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 64 * 1024));
            frame[3] = (byte) PAYLOAD;
        }

        /** {@return the echoed payload's length} after one round trip */
        int roundTrip() throws IOException {
            out.write(frame);
            int n = in.readInt();
            in.readFully(reply, 0, n);
            return n;
        }

        /** {@return the bytes echoed} after {@code depth} requests written, then their echoes read */
        int pipelined(int depth) throws IOException {
            for (int i = 0; i < depth; i++) {
                out.write(frame);
            }
            int total = 0;
            for (int i = 0; i < depth; i++) {
                int n = in.readInt();
                in.readFully(reply, 0, n);
                total += n;
            }
            return total;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /**
     * A transport-level echo server: every connection accepted on {@code DAFS} gets a thread that sends
     * back each frame it receives. With {@code session} set it works at the session layer instead, as a
     * node engine does: decodes the request {@link Frame} and answers {@code OK} with the request's payload.
     */
    static final class TransportServer implements AutoCloseable {
        private final Transport transport;
        private final Listener listener;
        private final Thread acceptor;
        private final Set<Connection> connections = ConcurrentHashMap.newKeySet();

        TransportServer(TransportProvider provider, ProviderContext context, boolean session, boolean virtual) {
            transport = provider.open(context);
            listener = transport.listen(DataAccessPort.DAFS);
            Thread.Builder threads = virtual ? Thread.ofVirtual().name("echo") : Thread.ofPlatform().daemon().name("echo");
            acceptor = Thread.ofPlatform().daemon().name("echo-accept").start(() -> {
                while (true) {
                    Connection c;
                    try {
                        c = listener.accept();
                    } catch (UnderstudyException e) {
                        return;
                    }
                    connections.add(c);
                    threads.start(() -> serve(c, session));
                }
            });
        }

        Transport transport() {
            return transport;
        }

        private void serve(Connection c, boolean session) {
            try (c) {
                while (true) {
                    ByteBuffer in = c.receive(Duration.ZERO);
                    if (session) {
                        Frame request = Frame.decode(in);
                        c.send(request.reply(Status.OK, request.payload()).encode());
                    } else {
                        c.send(in);
                    }
                }
            } catch (UnderstudyException e) {
                // CLOSED: the client went away or the server is closing.
            } finally {
                connections.remove(c);
            }
        }

        @Override
        public void close() throws InterruptedException {
            listener.close();
            connections.forEach(Connection::close);
            transport.close();
            acceptor.join(Duration.ofSeconds(5));
        }
    }
}
