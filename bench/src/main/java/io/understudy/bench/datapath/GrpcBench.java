package io.understudy.bench.datapath;

import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ClientCalls;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
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
 * gRPC-java unary calls over loopback (Netty, plaintext HTTP/2): a 64-byte request echoed by a unary
 * method whose messages are plain {@code byte[]} (no protobuf). The server runs the echo on the Netty
 * event loop ({@code directExecutor}), as the other echo servers answer on the reading thread. Each
 * benchmark thread has its own {@link ManagedChannel} (its own HTTP/2 connection) and blocks on one call.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class GrpcBench {

    /** {@code byte[]} messages as they are. */
    static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    /** The echo method. */
    static final MethodDescriptor<byte[], byte[]> ECHO = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(MethodDescriptor.generateFullMethodName("understudy.bench.Echo", "Echo"))
            .setRequestMarshaller(BYTES)
            .setResponseMarshaller(BYTES)
            .build();

    /** The gRPC server, one per trial. */
    @State(Scope.Benchmark)
    public static class Service {
        Server server;

        /** Starts the server on an ephemeral port of 127.0.0.1. */
        @Setup(Level.Trial)
        public void start() throws IOException {
            ServerServiceDefinition echo = ServerServiceDefinition.builder("understudy.bench.Echo")
                    .addMethod(ECHO, ServerCalls.asyncUnaryCall((request, reply) -> {
                        reply.onNext(request);
                        reply.onCompleted();
                    }))
                    .build();
            server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                            InsecureServerCredentials.create())
                    .addService(echo)
                    .directExecutor()
                    .build()
                    .start();
        }

        /** Stops it. */
        @TearDown(Level.Trial)
        public void stop() throws InterruptedException {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** One channel (one HTTP/2 connection) per benchmark thread, connected before measuring. */
    @State(Scope.Thread)
    public static class Client {
        ManagedChannel channel;
        final byte[] request = new byte[Echo.PAYLOAD];

        /** Opens the channel and makes one call so the connection is up. */
        @Setup(Level.Trial)
        public void connect(Service s) {
            channel = Grpc.newChannelBuilderForAddress("127.0.0.1", s.server.getPort(), InsecureChannelCredentials.create())
                    .build();
            ClientCalls.blockingUnaryCall(channel, ECHO, CallOptions.DEFAULT, request);
        }

        /** Closes the channel. */
        @TearDown(Level.Trial)
        public void close() throws InterruptedException {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** {@return the reply} after one unary call */
    @Benchmark
    public byte[] roundTrip(Client c) {
        return ClientCalls.blockingUnaryCall(c.channel, ECHO, CallOptions.DEFAULT, c.request);
    }
}
