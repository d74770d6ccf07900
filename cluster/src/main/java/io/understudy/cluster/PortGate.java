package io.understudy.cluster;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Admission to one data-access port: requests {@link #enter} and {@link #exit}; giveback and shutdown
 * {@link #close} the gate (new requests are refused with NOT_SERVING) and {@link #awaitDrained} waits
 * until the requests already running have finished (Fig. 5, 505-510). Thread-safe.
 */
final class PortGate {

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition drained = lock.newCondition();
    private boolean open = true;
    private int inFlight;

    boolean enter() {
        lock.lock();
        try {
            if (!open) {
                return false;
            }
            inFlight++;
            return true;
        } finally {
            lock.unlock();
        }
    }

    void exit() {
        lock.lock();
        try {
            if (--inFlight == 0) {
                drained.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    void close() {
        lock.lock();
        try {
            open = false;
        } finally {
            lock.unlock();
        }
    }

    void reopen() {
        lock.lock();
        try {
            open = true;
        } finally {
            lock.unlock();
        }
    }

    int inFlight() {
        lock.lock();
        try {
            return inFlight;
        } finally {
            lock.unlock();
        }
    }

    /** {@return whether every admitted request finished within the timeout} */
    boolean awaitDrained(long timeoutNanos) throws InterruptedException {
        lock.lock();
        try {
            long left = timeoutNanos;
            while (inFlight > 0) {
                if (left <= 0) {
                    return false;
                }
                left = drained.awaitNanos(left);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    boolean isOpen() {
        lock.lock();
        try {
            return open;
        } finally {
            lock.unlock();
        }
    }
}
