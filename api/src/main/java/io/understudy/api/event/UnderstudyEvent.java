package io.understudy.api.event;

import java.time.Instant;

/**
 * Something an engine did, with the time it happened. The node engine publishes
 * {@link NodeStateChanged} and {@link NodeStep}; the failover client publishes {@link ClientStep}.
 * Subscribe with an {@link EventListener}. Events are immutable.
 *
 * @since 0.1
 */
public sealed interface UnderstudyEvent permits NodeStateChanged, NodeStep, ClientStep {

    /** {@return when it happened} */
    Instant at();

    /** {@return a one-line description for timelines and logs} */
    String describe();
}
