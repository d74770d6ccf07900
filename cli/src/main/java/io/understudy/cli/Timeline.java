package io.understudy.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;

/** Prints timestamped lines: milliseconds since a start, the actor, what happened. Thread-safe. */
final class Timeline {

    private final Instant start;
    private final PrintStream out;

    Timeline(Instant start, PrintStream out) {
        this.start = start;
        this.out = out;
    }

    synchronized void print(Instant at, String who, String what) {
        long ms = Duration.between(start, at).toMillis();
        out.printf("%8d ms  %-10s %s%n", ms, who, what);
        out.flush();
    }

    void now(String who, String what) {
        print(Instant.now(), who, what);
    }

    synchronized void banner(String text) {
        out.println();
        out.println("== " + text);
        out.flush();
    }
}
