package io.understudy.bench.datapath;

import io.understudy.api.DataAccessPort;
import io.understudy.api.InetEndpoint;
import io.understudy.api.ServerName;
import io.understudy.api.spi.ProviderContext;
import io.understudy.client.FailoverClient;
import io.understudy.spi.naming.NameQuery;
import io.understudy.spi.naming.NameResolver;
import io.understudy.spi.naming.Resolution;
import io.understudy.transport.tcp.TcpTransportProvider;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The figure users feel: {@link FailoverClient#call} (the session layer's 24-byte frame header, the
 * pending-request table, the client's reader thread) over the {@code tcp} transport, against a server that
 * decodes each request frame and answers {@code OK} with its payload, on a virtual thread per connection
 * as the node engine serves. Each benchmark thread has its own client (its own session and connection)
 * with one call outstanding.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ClientBench {

    /** The session-level echo server, one per trial. */
    @State(Scope.Benchmark)
    public static class Server {
        /** The server's threads per connection: {@code platform} or {@code virtual}; the runner uses virtual threads, as the node engine. */
        @Param("virtual")
        public String serverThreads;

        Echo.TransportServer server;
        ProviderContext context;

        /** Starts the server. */
        @Setup(Level.Trial)
        public void start() {
            context = ProviderContext.builder().portNumber(DataAccessPort.DAFS, Echo.freePort())
                    .portNumber(DataAccessPort.PDAF, Echo.freePort()).setting("tcp.bindAddress", "127.0.0.1").build();
            server = new Echo.TransportServer(new TcpTransportProvider(), context, true, "virtual".equals(serverThreads));
        }

        /** Stops it. */
        @TearDown(Level.Trial)
        public void stop() throws InterruptedException {
            server.close();
        }
    }

    /** One failover client per benchmark thread, connected before measuring. */
    @State(Scope.Thread)
    public static class Client {
        FailoverClient client;
        final ByteBuffer request = ByteBuffer.allocate(Echo.PAYLOAD);

        /** Builds and connects the client. */
        @Setup(Level.Trial)
        public void connect(Server s) {
            client = FailoverClient.builder()
                    .server(ServerName.of("bench"))
                    .transport(new TcpTransportProvider(), s.context)
                    .resolver(new Loopback())
                    .connectTimeout(Echo.CONNECT)
                    .build();
            client.connect();
        }

        /** Closes the client. */
        @TearDown(Level.Trial)
        public void close() {
            client.close();
        }
    }

    /** {@return the reply} after one call */
    @Benchmark
    public ByteBuffer call(Client c) {
        return c.client.call(c.request.clear());
    }

    /** Every name is 127.0.0.1: the benchmark never fails over. */
    static final class Loopback implements NameResolver {
        @Override
        public Resolution resolve(NameQuery query) {
            return new Resolution.Resolved(query.name(), List.of(InetEndpoint.of(InetAddress.getLoopbackAddress())),
                    Duration.ofHours(1), "bench loopback");
        }

        @Override
        public void close() {
        }
    }
}
