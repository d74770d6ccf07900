package io.understudy.spi.naming;

import io.understudy.api.Endpoint;
import io.understudy.api.ServerName;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The outcome of resolving a name: handled with a pattern-matching {@code switch}.
 *
 * @since 0.1
 */
public sealed interface Resolution {

    /** {@return the name that was resolved} */
    ServerName name();

    /**
     * The name resolved to one or more candidates, best first.
     *
     * @param name       the name
     * @param candidates endpoints in rank order, not empty
     * @param ttl        how long the answer may be cached
     * @param source     which resolver answered, and from where (a file and line, a DNS server)
     */
    record Resolved(ServerName name, List<Endpoint> candidates, Duration ttl, String source) implements Resolution {
        /** Validates the fields. */
        public Resolved {
            Objects.requireNonNull(name, "name");
            candidates = List.copyOf(candidates);
            if (candidates.isEmpty()) {
                throw new IllegalArgumentException("a resolved name needs at least one candidate; return NotFound instead");
            }
            Objects.requireNonNull(ttl, "ttl");
            Objects.requireNonNull(source, "source");
        }
    }

    /**
     * The name does not exist in this resolver's source. The next resolver in the configured order is tried.
     *
     * @param name   the name
     * @param reason what was looked at ("not in /etc/hosts", "NXDOMAIN from 127.0.0.1:5353")
     * @param ttl    how long the absence may be cached (negative caching), may be zero
     */
    record NotFound(ServerName name, String reason, Duration ttl) implements Resolution {
        /** Validates the fields. */
        public NotFound {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(ttl, "ttl");
        }
    }

    /**
     * The resolver could not answer (server failure, timeout, unreadable source, malformed answer).
     *
     * @param name   the name
     * @param reason what went wrong, naming the source
     * @param cause  the underlying exception, or null
     */
    record Failed(ServerName name, String reason, Throwable cause) implements Resolution {
        /** Validates the fields. */
        public Failed {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(reason, "reason");
        }
    }
}
