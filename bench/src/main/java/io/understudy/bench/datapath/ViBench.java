package io.understudy.bench.datapath;

import io.understudy.api.DataAccessPort;
import io.understudy.api.ViEndpoint;
import io.understudy.api.spi.ProviderContext;
import io.understudy.spi.transport.Connection;
import io.understudy.spi.transport.Transport;
import io.understudy.transport.vi.ViTransportProvider;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The {@code vi} transport on its shared-memory fabric (a directory under {@code /dev/shm}): a 64-byte
 * frame echoed, as {@code impl-vi/bench.sh} measures it, between two threads of this JVM. Compare with
 * {@link ShmBench}, the raw shared-memory floor.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ViBench {

    /** The fabric, the echo server and the client transport, one per trial. */
    @State(Scope.Benchmark)
    public static class Server {
        Path dir;
        Echo.TransportServer server;
        Transport client;

        /** Creates the fabric and starts the server. */
        @Setup(Level.Trial)
        public void start() throws IOException {
            dir = ShmBench.tempDir("understudy-vi-bench-");
            ProviderContext ctx = ProviderContext.builder().setting("vi.directory", dir.resolve("fabric").toString())
                    .setting("vi.bindAddress", "bench/nic0").build();
            server = new Echo.TransportServer(new ViTransportProvider(), ctx, false, false);
            client = new ViTransportProvider().open(ctx);
        }

        /** Stops everything and removes the fabric. */
        @TearDown(Level.Trial)
        public void stop() throws Exception {
            client.close();
            server.close();
            ShmBench.delete(dir);
        }
    }

    /** One VI connection per benchmark thread. */
    @State(Scope.Thread)
    public static class Client {
        Connection connection;
        final ByteBuffer request = ByteBuffer.allocate(Echo.PAYLOAD);

        /** Connects. */
        @Setup(Level.Trial)
        public void connect(Server s) {
            connection = s.client.connect(new ViEndpoint("bench/nic0"), DataAccessPort.DAFS, Echo.CONNECT);
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
}
