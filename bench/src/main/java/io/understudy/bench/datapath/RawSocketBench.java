package io.understudy.bench.datapath;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The floor: a 64-byte request echoed over blocking loopback sockets with a 4-byte length prefix. Each
 * benchmark thread has its own connection with one request outstanding.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class RawSocketBench {

    /** The echo server, one per trial. */
    @State(Scope.Benchmark)
    public static class Server {
        Echo.RawServer server;

        /** Starts the server. */
        @Setup(Level.Trial)
        public void start() throws IOException {
            server = new Echo.RawServer();
        }

        /** Stops it. */
        @TearDown(Level.Trial)
        public void stop() throws Exception {
            server.close();
        }
    }

    /** One connection per benchmark thread. */
    @State(Scope.Thread)
    public static class Client {
        Echo.RawClient client;

        /** Connects. */
        @Setup(Level.Trial)
        public void connect(Server s) throws IOException {
            client = new Echo.RawClient(s.server.port());
        }

        /** Disconnects. */
        @TearDown(Level.Trial)
        public void close() throws IOException {
            client.close();
        }
    }

    /** {@return the echo's length} after one round trip */
    @Benchmark
    public int roundTrip(Client c) throws IOException {
        return c.client.roundTrip();
    }

    /**
     * Pipelined: {@value Echo#DEPTH} requests written (one write each), then their {@value Echo#DEPTH}
     * echoes read; one operation is one request.
     *
     * @return the bytes echoed
     */
    @Benchmark
    @OperationsPerInvocation(Echo.DEPTH)
    public int pipelined(Client c) throws IOException {
        return c.client.pipelined(Echo.DEPTH);
    }
}
