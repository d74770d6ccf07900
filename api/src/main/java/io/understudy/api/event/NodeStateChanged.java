package io.understudy.api.event;

import java.time.Instant;
import java.util.Objects;

/**
 * A node engine changed state.
 *
 * @param at     when
 * @param node   the node's name
 * @param from   the old state
 * @param to     the new state
 * @param reason why, in words
 * @since 0.1
 */
public record NodeStateChanged(Instant at, String node, NodeState from, NodeState to, String reason) implements UnderstudyEvent {
    /** Validates the fields. */
    public NodeStateChanged {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(reason, "reason");
    }

    @Override
    public String describe() {
        return node + " " + from + " -> " + to + " (" + reason + ")";
    }
}
