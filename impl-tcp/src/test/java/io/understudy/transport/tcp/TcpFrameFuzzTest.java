package io.understudy.transport.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import io.understudy.api.DataAccessPort;
import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.api.spi.ProviderContext;
import io.understudy.spi.transport.Connection;
import io.understudy.spi.transport.Listener;
import io.understudy.spi.transport.Transport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Feeds the frame decoder random byte streams from a raw socket and compares what it reports with a
 * reference parser: the same frames, then the same terminal code (FRAME_TOO_LARGE, FRAME_MALFORMED or
 * CLOSED), never another exception, never a hang. Seeded; the seed is printed, and
 * {@code -Dunderstudy.fuzz.seed=N} replays a run.
 */
class TcpFrameFuzzTest {

    static final int MAX = 64;
    static final int CASES = 150;
    static final Duration BOUND = Duration.ofSeconds(5);

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void decoderAgreesWithTheReferenceOnRandomStreams() throws IOException {
        long seed = Long.getLong("understudy.fuzz.seed", System.nanoTime());
        System.out.println("TcpFrameFuzzTest seed=" + seed + " (replay with -Dunderstudy.fuzz.seed=" + seed + ")");
        Random random = new Random(seed);
        int port = TcpTransportTest.freePorts(1)[0];
        ProviderContext context = ProviderContext.builder()
                .portNumber(DataAccessPort.DAFS, port)
                .option(TcpOptions.BIND_ADDRESS, TcpTransportTest.LOOPBACK)
                .option(TcpOptions.MAX_FRAME_SIZE, MAX)
                .build();
        try (Transport transport = new TcpTransportProvider().open(context)) {
            Listener listener = transport.listen(DataAccessPort.DAFS);
            for (int i = 0; i < CASES; i++) {
                byte[] input = randomStream(random);
                Expected expected = reference(input);
                String at = "case " + i + " of seed " + seed + ", input " + hex(input);
                try (Socket raw = new Socket()) {
                    raw.connect(new InetSocketAddress(TcpTransportTest.LOOPBACK, port), (int) BOUND.toMillis());
                    Connection c = listener.accept();
                    write(raw, input);
                    List<byte[]> frames = new ArrayList<>();
                    ErrorCode ended = null;
                    while (ended == null) {
                        try {
                            ByteBuffer f = c.receive(BOUND);
                            byte[] b = new byte[f.remaining()];
                            f.get(b);
                            frames.add(b);
                        } catch (UnderstudyException e) {
                            ended = e.code();
                        } catch (RuntimeException | Error e) {
                            fail(at + ": the decoder threw " + e, e);
                        }
                        if (frames.size() > input.length) {
                            fail(at + ": more frames than the input can hold");
                        }
                    }
                    assertEquals(expected.frames().size(), frames.size(), at + ": frame count");
                    for (int k = 0; k < frames.size(); k++) {
                        assertArrayEquals(expected.frames().get(k), frames.get(k), at + ": frame " + k);
                    }
                    assertEquals(expected.end(), ended, at + ": terminal code");
                    assertFalse(c.isOpen(), at + ": connection still open after " + ended);
                }
            }
        }
    }

    record Expected(List<byte[]> frames, ErrorCode end) {
    }

    /** The frame format in its plainest form. */
    static Expected reference(byte[] in) {
        List<byte[]> frames = new ArrayList<>();
        ByteBuffer b = ByteBuffer.wrap(in);
        while (true) {
            if (!b.hasRemaining()) {
                return new Expected(frames, ErrorCode.CLOSED);
            }
            if (b.remaining() < 4) {
                return new Expected(frames, ErrorCode.FRAME_MALFORMED);
            }
            int length = b.getInt();
            if (length < 0) {
                return new Expected(frames, ErrorCode.FRAME_MALFORMED);
            }
            if (length > MAX) {
                return new Expected(frames, ErrorCode.FRAME_TOO_LARGE);
            }
            if (b.remaining() < length) {
                return new Expected(frames, ErrorCode.FRAME_MALFORMED);
            }
            byte[] f = new byte[length];
            b.get(f);
            frames.add(f);
        }
    }

    /** Pure noise, or valid frames with lengths near the limit followed by noise, a cut, or a clean end. */
    static byte[] randomStream(Random r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (r.nextInt(4) == 0) {
            byte[] noise = new byte[r.nextInt(24)];
            r.nextBytes(noise);
            out.writeBytes(noise);
            return out.toByteArray();
        }
        int frames = r.nextInt(5);
        for (int i = 0; i < frames; i++) {
            int length = switch (r.nextInt(6)) {
                case 0 -> 0;
                case 1 -> MAX;
                case 2 -> MAX + 1 + r.nextInt(3);
                case 3 -> -1 - r.nextInt(Integer.MAX_VALUE);
                default -> r.nextInt(MAX + 1);
            };
            out.writeBytes(ByteBuffer.allocate(4).putInt(length).array());
            byte[] payload = new byte[Math.max(0, Math.min(length, MAX + 4))];
            r.nextBytes(payload);
            out.writeBytes(payload);
        }
        byte[] all = out.toByteArray();
        return switch (r.nextInt(3)) {
            case 0 -> java.util.Arrays.copyOf(all, r.nextInt(all.length + 1));
            case 1 -> {
                byte[] tail = new byte[1 + r.nextInt(8)];
                r.nextBytes(tail);
                out.writeBytes(tail);
                yield out.toByteArray();
            }
            default -> all;
        };
    }

    /** Writes and half-closes; a decoder that already hung up may reset us, which is fine. */
    static void write(Socket raw, byte[] input) {
        try {
            OutputStream o = raw.getOutputStream();
            o.write(input);
            o.flush();
            raw.shutdownOutput();
        } catch (IOException ignored) {
            // The server closed first (an early bad header); the reference already expects that.
        }
    }

    static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder(b.length * 2);
        for (byte x : b) {
            sb.append(String.format("%02x", x));
        }
        return sb.toString();
    }
}
