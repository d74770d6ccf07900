package io.understudy.cli.chaos;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A chaos client: appends unique records ({@code <client>-<op>}, the op zero-padded to six digits, newline-terminated) to its store in a loop,
 * recording each invocation and completion in the history, until stopped. Each call finishes (ok, fail or
 * info) before the next starts, so an op's outcome is never left out.
 *
 * @since 0.1
 */
public final class ChaosClient implements Runnable {

    private final String id;
    private final Store store;
    private final History history;
    private final Clock clock;
    private final long pauseNanos;
    private final AtomicLong acks = new AtomicLong();
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile Instant lastAck;
    private volatile boolean stop;

    /**
     * Creates a client.
     *
     * @param id      the client's id, e.g. {@code c0}
     * @param store   where it appends
     * @param history where it records
     * @param clock   the clock of the history's times
     * @param pauseMs how long it waits between operations
     */
    public ChaosClient(String id, Store store, History history, Clock clock, long pauseMs) {
        this.id = Objects.requireNonNull(id, "id");
        this.store = Objects.requireNonNull(store, "store");
        this.history = Objects.requireNonNull(history, "history");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.pauseNanos = TimeUnit.MILLISECONDS.toNanos(pauseMs);
    }

    /** {@return the payload of an operation} */
    public static String payload(String client, long op) {
        return client + "-" + String.format(java.util.Locale.ROOT, "%06d", op);
    }

    @Override
    public void run() {
        try {
            for (long op = 0; !stop; op++) {
                String payload = payload(id, op);
                HistoryEntry inv = HistoryEntry.invoke(id, op, store.log(), payload, clock.instant());
                history.add(inv);
                try {
                    long offset = store.append((payload + "\n").getBytes(StandardCharsets.UTF_8));
                    Instant now = clock.instant();
                    history.add(inv.complete(HistoryEntry.Type.OK, now, offset, store.node(), store.port(), null));
                    lastAck = now;
                    acks.incrementAndGet();
                } catch (RuntimeException e) {
                    history.add(inv.complete(Outcomes.classify(e), clock.instant(), null, store.node(), store.port(),
                            Outcomes.describe(e)));
                }
                if (pauseNanos > 0) {
                    LockSupport.parkNanos(pauseNanos);
                }
            }
        } finally {
            done.countDown();
        }
    }

    /** {@return the client's id} */
    public String id() {
        return id;
    }

    /** {@return how many appends were acknowledged so far} */
    public long acks() {
        return acks.get();
    }

    /** {@return when the last acknowledgement arrived, or null} */
    public Instant lastAck() {
        return lastAck;
    }

    /** Asks the loop to stop after its current operation. */
    public void requestStop() {
        stop = true;
    }

    /**
     * Stops the loop and waits for its current operation to finish.
     *
     * @param timeoutMs how long to wait
     * @return whether it finished in time
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean stop(long timeoutMs) throws InterruptedException {
        stop = true;
        return done.await(timeoutMs, TimeUnit.MILLISECONDS);
    }
}
