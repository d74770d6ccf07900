package io.understudy.bench.failover;

import io.understudy.api.UnderstudyException;
import io.understudy.api.event.ClientStep;
import io.understudy.api.event.UnderstudyEvent;
import io.understudy.api.ownership.DiskId;
import io.understudy.cli.ProcessPair;
import io.understudy.client.FailoverClient;
import io.understudy.examples.fileservice.FileServiceClient;
import io.understudy.spi.transport.Transport;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;

/**
 * Clients writing continuously to one server of the pair, each a {@link FailoverClient} of its own on a
 * virtual thread, writing a small record to a file of its own through the example file service. Each
 * client keeps, for a measurement window, its longest gap between two acknowledged writes, its first
 * acknowledgement through the partner (secondary port) and through the server itself, and its errors.
 */
final class ClientLoad implements AutoCloseable {

    /** The most client steps a window's trace keeps. */
    static final int TRACE_LIMIT = 64;

    private static String abbreviate(String detail) {
        return detail.length() <= 160 ? detail : detail.substring(0, 157) + "...";
    }

    /** One client. Window fields are guarded by the client's monitor. */
    static final class Client implements Runnable {
        final int id;
        final DiskId volume;
        final String path;
        final FailoverClient failover;
        final FileServiceClient files;
        final long thinkNanos;
        final LongConsumer ackSink;
        volatile boolean onSecondary;
        volatile boolean stop;
        final CountDownLatch done = new CountDownLatch(1);
        final AtomicReference<String> lastError = new AtomicReference<>();

        private long lastAck;
        private long acks;
        private long errors;
        private boolean windowOpen;
        private long windowStart;
        private long maxGap;
        private long firstSecondaryAck;
        private long firstPrimaryAck;
        private long windowErrors;
        /** This window's client steps, relative to its start; guarded by this. */
        private final List<String> trace = new java.util.ArrayList<>();

        Client(int id, DiskId volume, FailoverClient failover, long thinkNanos, LongConsumer ackSink) {
            this.id = id;
            this.volume = volume;
            this.path = "bench/c" + id;
            this.failover = failover;
            this.files = new FileServiceClient(failover);
            this.thinkNanos = thinkNanos;
            this.ackSink = ackSink;
        }

        void onEvent(UnderstudyEvent e) {
            if (e instanceof ClientStep s) {
                synchronized (this) {
                    if (windowOpen && trace.size() < TRACE_LIMIT) {
                        trace.add(String.format(java.util.Locale.ROOT, "%+8.1f ms %s%s", (System.nanoTime() - windowStart) / 1e6,
                                s.step(), s.detail().isEmpty() ? "" : " " + abbreviate(s.detail())));
                    }
                }
                switch (s.step()) {
                    case CONNECTED_SECONDARY -> onSecondary = true;
                    case CONNECTED_PRIMARY, RETURNED_TO_PRIMARY -> onSecondary = false;
                    default -> {
                    }
                }
            }
        }

        @Override
        public void run() {
            byte[] record = ("client " + id + " ").repeat(2).getBytes(StandardCharsets.UTF_8);
            try {
                boolean created = false;
                while (!stop) {
                    try {
                        if (!created) {
                            files.create(volume, path);
                            created = true;
                        }
                        files.write(volume, path, 0, record);
                        long now = System.nanoTime();
                        onAck(now);
                        if (ackSink != null) {
                            ackSink.accept(now);
                        }
                    } catch (UnderstudyException e) {
                        onError(e);
                        LockSupport.parkNanos(20_000_000);
                    }
                    if (thinkNanos > 0) {
                        LockSupport.parkNanos(thinkNanos);
                    }
                }
            } finally {
                done.countDown();
            }
        }

        private synchronized void onAck(long now) {
            if (windowOpen && now >= windowStart) {
                if (lastAck != 0) {
                    maxGap = Math.max(maxGap, now - lastAck);
                }
                if (onSecondary) {
                    if (firstSecondaryAck == 0) {
                        firstSecondaryAck = now;
                    }
                } else if (firstPrimaryAck == 0) {
                    firstPrimaryAck = now;
                }
            }
            lastAck = now;
            acks++;
        }

        private synchronized void onError(UnderstudyException e) {
            errors++;
            if (windowOpen) {
                windowErrors++;
            }
            lastError.set(e.getMessage());
        }

        synchronized void openWindow(long start) {
            windowOpen = true;
            windowStart = start;
            maxGap = 0;
            firstSecondaryAck = 0;
            firstPrimaryAck = 0;
            windowErrors = 0;
            trace.clear();
        }

        /** {@return the client's failover steps in the current (or last) window, relative to its start} */
        synchronized List<String> trace() {
            return List.copyOf(trace);
        }

        /** Closes the window; the gap still open at {@code end} (no ack since) counts as a stall too. */
        synchronized void closeWindow(long end) {
            if (windowOpen && lastAck != 0) {
                maxGap = Math.max(maxGap, end - Math.max(lastAck, windowStart));
            }
            windowOpen = false;
        }

        synchronized long acks() {
            return acks;
        }

        synchronized long errors() {
            return errors;
        }

        synchronized long maxGap() {
            return maxGap;
        }

        synchronized long firstSecondaryAck() {
            return firstSecondaryAck;
        }

        synchronized long firstPrimaryAck() {
            return firstPrimaryAck;
        }

        synchronized long windowErrors() {
            return windowErrors;
        }
    }

    private final List<Client> clients = new ArrayList<>();
    private final Transport transport;

    /**
     * Starts the clients.
     *
     * @param pair       the running pair
     * @param server     the server every client names
     * @param count      how many clients
     * @param volumes    the server's volumes; client i writes to volume i mod size
     * @param thinkNanos pause after each write
     * @param ackSink    receives the instant ({@link System#nanoTime}) of every acknowledged write, or null
     */
    ClientLoad(ProcessPair pair, String server, int count, List<DiskId> volumes, long thinkNanos, LongConsumer ackSink) {
        this.transport = pair.clientTransport();
        for (int i = 0; i < count; i++) {
            Client[] self = new Client[1];
            FailoverClient fc = pair.client(server, transport).listener(e -> {
                Client c = self[0];
                if (c != null) {
                    c.onEvent(e);
                }
            }).build();
            self[0] = new Client(i, volumes.get(i % volumes.size()), fc, thinkNanos, ackSink);
            clients.add(self[0]);
        }
        for (Client c : clients) {
            Thread.ofVirtual().name("bench-client-" + c.id).start(c);
        }
    }

    List<Client> clients() {
        return clients;
    }

    void openWindow(long start) {
        clients.forEach(c -> c.openWindow(start));
    }

    void closeWindow(long end) {
        clients.forEach(c -> c.closeWindow(end));
    }

    long totalErrors() {
        return clients.stream().mapToLong(Client::errors).sum();
    }

    long windowErrors() {
        return clients.stream().mapToLong(Client::windowErrors).sum();
    }

    /** {@return the longest gap of any client in the window, in nanoseconds} */
    long maxStall() {
        return clients.stream().mapToLong(Client::maxGap).max().orElse(0);
    }

    /** {@return a client's last error message, if any client had one} */
    String anyError() {
        return clients.stream().map(c -> c.lastError.get()).filter(java.util.Objects::nonNull).findFirst().orElse(null);
    }

    @Override
    public void close() {
        for (Client c : clients) {
            c.stop = true;
        }
        for (Client c : clients) {
            try {
                c.done.await(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (Client c : clients) {
            try {
                c.failover.close();
            } catch (RuntimeException e) {
                // Best effort: the pair may already be gone.
            }
        }
        transport.close();
    }
}
