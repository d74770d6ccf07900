package io.understudy.transport.vi;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A completion queue ({@code VipCQDone}, {@code VipCQWait}): the work queues of several VIs report their
 * completions here, so one thread can wait for any of them. An entry names the VI and which of its queues
 * completed a descriptor; reap the descriptor with {@link Vi#sendDone()} or {@link Vi#receiveDone()}.
 * Entries are preallocated per VI, so polling allocates nothing.
 *
 * <p>Progress is made by the waiter: polling drives the shared-memory rings of the attached VIs.
 * Thread-safe.
 *
 * @since 0.1
 */
public final class CompletionQueue {

    /**
     * A completion notice.
     *
     * @param vi      the VI
     * @param receive true for its receive queue, false for its send queue
     */
    public record Entry(Vi vi, boolean receive) {
    }

    private final ArrayDeque<Entry> entries = new ArrayDeque<>();
    private final List<Vi> attached = new CopyOnWriteArrayList<>();
    private final long maxParkNanos;

    CompletionQueue(long maxParkNanos) {
        this.maxParkNanos = maxParkNanos;
    }

    void attach(Vi vi) {
        attached.add(vi);
    }

    void detach(Vi vi) {
        attached.remove(vi);
    }

    void notify(Entry e) {
        synchronized (entries) {
            entries.add(e);
        }
    }

    /** {@return the oldest completion notice, or null if none} */
    public Entry poll() {
        for (Vi vi : attached) {
            vi.progress();
        }
        synchronized (entries) {
            return entries.poll();
        }
    }

    /**
     * Waits for a completion notice.
     *
     * @param timeout how long; {@link Duration#ZERO} waits without limit
     * @return the notice, or null if none came in time
     */
    public Entry await(Duration timeout) {
        long deadline = timeout.isZero() ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
        Idle idle = new Idle(maxParkNanos);
        idle.reset();
        while (true) {
            Entry e = poll();
            if (e != null || System.nanoTime() - deadline >= 0) {
                return e;
            }
            idle.idle();
        }
    }
}
