package io.understudy.cli.chaos;

import java.time.Instant;
import java.util.Objects;

/**
 * One line of a chaos history, Jepsen style: an operation's invocation, or its completion as
 * {@link Type#OK ok}, {@link Type#FAIL fail} (definitely not applied) or {@link Type#INFO info}
 * (indeterminate: it may or may not have been applied). An invocation and its completion share the client
 * and the op number.
 *
 * @param type    what this line records
 * @param client  the client, e.g. {@code c2}
 * @param op      the client's operation counter, from 0
 * @param f       the operation, {@code append}
 * @param log     the log the operation appends to, e.g. {@code filera-vol0/chaos/log}
 * @param payload the unique record appended, {@code <client>-<op>}
 * @param time    when the client invoked the operation, or when it completed
 * @param offset  for an {@code ok}: the byte offset the server reported for the record; otherwise null
 * @param node    for a completion: the node whose connection the client was on when the call returned, if
 *                the client knows (FilerA, FilerB), else null
 * @param port    for a completion: the data-access port of that connection (DAFS, pDAF), or null
 * @param error   for {@code fail}/{@code info}: the error, e.g. {@code US-6003 ...}; otherwise null
 * @since 0.1
 */
public record HistoryEntry(Type type, String client, long op, String f, String log, String payload, Instant time,
        Long offset, String node, String port, String error) {

    /** The kind of a history line. */
    public enum Type {
        /** The client sent the operation. */
        INVOKE,
        /** The operation was acknowledged. */
        OK,
        /** The operation failed with an error that means it was not applied. */
        FAIL,
        /** The operation's outcome is unknown (timeout, connection lost, gave up, closed). */
        INFO
    }

    /** Validates the fields. */
    public HistoryEntry {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(f, "f");
        Objects.requireNonNull(log, "log");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(time, "time");
        if (op < 0) {
            throw new IllegalArgumentException("op must be >= 0, not " + op);
        }
    }

    /** {@return an invocation line} */
    public static HistoryEntry invoke(String client, long op, String log, String payload, Instant at) {
        return new HistoryEntry(Type.INVOKE, client, op, "append", log, payload, at, null, null, null, null);
    }

    /** {@return the completion of this invocation} */
    public HistoryEntry complete(Type outcome, Instant at, Long offset, String node, String port, String error) {
        if (outcome == Type.INVOKE) {
            throw new IllegalArgumentException("a completion cannot be an invocation");
        }
        return new HistoryEntry(outcome, client, op, f, log, payload, at, offset, node, port, error);
    }

    /** {@return "client/op"} */
    public String key() {
        return client + "/" + op;
    }
}
