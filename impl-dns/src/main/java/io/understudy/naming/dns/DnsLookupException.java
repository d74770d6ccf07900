package io.understudy.naming.dns;

import java.io.IOException;
import java.util.Objects;

/**
 * The cause attached to a {@link io.understudy.spi.naming.Resolution.Failed} from the DNS resolver: which
 * {@link DnsOutcome} it was, for which name and record type, from which server. Never thrown out of
 * {@code resolve}; it is data about a failed lookup.
 *
 * @since 0.1
 */
public final class DnsLookupException extends IOException {

    private static final long serialVersionUID = 1L;

    /** The outcome. */
    private final DnsOutcome outcome;
    /** The server, as {@code host:port}. */
    private final String server;
    /** The name asked, absolute, and its record type, such as {@code FilerA-failover. A}. */
    private final String question;

    /**
     * Creates one.
     *
     * @param outcome  the outcome, one of the failures
     * @param question the name and record type asked
     * @param server   the server, as {@code host:port}
     * @param message  the full message (starts with the outcome's name)
     * @param cause    the underlying exception, or null
     */
    public DnsLookupException(DnsOutcome outcome, String question, String server, String message, Throwable cause) {
        super(message, cause);
        this.outcome = Objects.requireNonNull(outcome, "outcome");
        this.question = Objects.requireNonNull(question, "question");
        this.server = Objects.requireNonNull(server, "server");
    }

    /** {@return the outcome} */
    public DnsOutcome outcome() {
        return outcome;
    }

    /** {@return the server that was asked last, as {@code host:port}} */
    public String server() {
        return server;
    }

    /** {@return the name and record type asked, such as {@code FilerA-failover. A}} */
    public String question() {
        return question;
    }
}
