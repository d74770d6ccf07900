package io.understudy.bench.datapath;

import io.understudy.api.DataAccessPort;
import io.understudy.api.InetEndpoint;
import io.understudy.api.spi.ProviderContext;
import io.understudy.spi.transport.Connection;
import io.understudy.spi.transport.Transport;
import io.understudy.transport.tcp.TcpTransportProvider;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The {@code tcp} transport: a 64-byte frame sent with {@link Connection#send} and its echo taken with
 * {@link Connection#receive}; the server echoes on one platform thread per connection, as the raw floor
 * does. Each benchmark thread has its own connection with one frame outstanding.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class TcpBench {

    /** The echo server and the client transport, one per trial. */
    @State(Scope.Benchmark)
    public static class Server {
        /** The server's threads per connection: {@code platform} or {@code virtual}; the runner uses platform threads, as the raw floor. */
        @Param("platform")
        public String serverThreads;

        Echo.TransportServer server;
        Transport client;

        /** Starts the server and opens the client transport. */
        @Setup(Level.Trial)
        public void start() {
            ProviderContext ctx = ProviderContext.builder().portNumber(DataAccessPort.DAFS, Echo.freePort())
                    .setting("tcp.bindAddress", "127.0.0.1").build();
            server = new Echo.TransportServer(new TcpTransportProvider(), ctx, false, "virtual".equals(serverThreads));
            client = new TcpTransportProvider().open(ctx);
        }

        /** Stops both. */
        @TearDown(Level.Trial)
        public void stop() throws InterruptedException {
            client.close();
            server.close();
        }
    }

    /** One connection per benchmark thread. */
    @State(Scope.Thread)
    public static class Client {
        Connection connection;
        final ByteBuffer request = ByteBuffer.allocate(Echo.PAYLOAD);

        /** Connects. */
        @Setup(Level.Trial)
        public void connect(Server s) {
            connection = s.client.connect(InetEndpoint.of(InetAddress.getLoopbackAddress()), DataAccessPort.DAFS, Echo.CONNECT);
        }

        /** Disconnects. */
        @TearDown(Level.Trial)
        public void close() {
            connection.close();
        }
    }

    /** {@return the echo} after one round trip */
    @Benchmark
    public ByteBuffer roundTrip(Client c) {
        c.connection.send(c.request.clear());
        return c.connection.receive(Duration.ZERO);
    }

    /**
     * Pipelined: {@value Echo#DEPTH} frames sent, then their {@value Echo#DEPTH} echoes received; one
     * operation is one request.
     *
     * @return the bytes echoed
     */
    @Benchmark
    @OperationsPerInvocation(Echo.DEPTH)
    public int pipelined(Client c) {
        for (int i = 0; i < Echo.DEPTH; i++) {
            c.connection.send(c.request.clear());
        }
        int n = 0;
        for (int i = 0; i < Echo.DEPTH; i++) {
            n += c.connection.receive(Duration.ZERO).remaining();
        }
        return n;
    }
}
