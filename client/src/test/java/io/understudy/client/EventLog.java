package io.understudy.client;

import io.understudy.api.event.ClientStep;
import io.understudy.api.event.EventListener;
import io.understudy.api.event.UnderstudyEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/** Records a client's events and lets a test wait, with a bound, for a step. */
final class EventLog implements EventListener {

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final List<ClientStep> events = new ArrayList<>();

    @Override
    public void onEvent(UnderstudyEvent event) {
        lock.lock();
        try {
            events.add((ClientStep) event);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** {@return the steps so far, in order} */
    List<ClientStep.Step> steps() {
        return events().stream().map(ClientStep::step).toList();
    }

    /** {@return the events so far, in order} */
    List<ClientStep> events() {
        lock.lock();
        try {
            return List.copyOf(events);
        } finally {
            lock.unlock();
        }
    }

    /** {@return the detail of the last event of a step} */
    String detail(ClientStep.Step step) {
        List<ClientStep> all = events();
        for (int i = all.size() - 1; i >= 0; i--) {
            if (all.get(i).step() == step) {
                return all.get(i).detail();
            }
        }
        throw new AssertionError("no " + step + " in " + steps());
    }

    /** Waits until {@code count} events of {@code step} have been published; fails after {@code millis}. */
    void await(ClientStep.Step step, int count, long millis) {
        long left = TimeUnit.MILLISECONDS.toNanos(millis);
        lock.lock();
        try {
            while (events.stream().filter(e -> e.step() == step).count() < count) {
                if (left <= 0) {
                    throw new AssertionError("no " + count + "x " + step + " within " + millis + " ms; saw " + steps());
                }
                left = changed.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } finally {
            lock.unlock();
        }
    }

    void await(ClientStep.Step step, long millis) {
        await(step, 1, millis);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (ClientStep e : events()) {
            sb.append("\n  ").append(e.step()).append(' ').append(e.detail());
        }
        return sb.toString();
    }
}
