package io.understudy.config;

import io.understudy.api.DataAccessPort;
import io.understudy.api.ServerName;
import java.time.Duration;

/**
 * How a failover client reaches its server (the {@code client} section; Fig. 6 of the seed): the primary
 * server's name, the primary and secondary data-access ports, how often to retry the primary before
 * computing the failover name, the backoff between attempts and the overall budget. The failover name
 * itself comes from {@link NamingConfig#convention()}.
 *
 * <p>Immutable and thread-safe. No component is null.
 *
 * @param server         the primary server this client uses, such as {@code FilerA}
 * @param primaryPort    the data-access port on the primary server; default {@link DataAccessPort#DAFS}
 * @param secondaryPort  the data-access port the partner opens during takeover; default {@link DataAccessPort#PDAF};
 *                       must differ from {@code primaryPort}
 * @param primaryRetries how many times to retry the primary before failing over, 0-100; default 2
 * @param retryBackoff   the first wait between attempts, doubled (with jitter) after each, 0 to 24h; default 50ms
 * @param maxBackoff     the longest wait between attempts, at least {@code retryBackoff}; default 1s
 * @param failoverBudget how long the client keeps trying before it gives up, positive; default 30s
 * @since 0.1
 */
public record ClientConfig(ServerName server, DataAccessPort primaryPort, DataAccessPort secondaryPort,
                           int primaryRetries, Duration retryBackoff, Duration maxBackoff, Duration failoverBudget) {

    /** Default of {@code client.primaryRetries}. */
    public static final int DEFAULT_PRIMARY_RETRIES = 2;
    /** The most {@code client.primaryRetries} accepts. */
    public static final int MAX_PRIMARY_RETRIES = 100;
    /** Default of {@code client.retryBackoff}. */
    public static final Duration DEFAULT_RETRY_BACKOFF = Duration.ofMillis(50);
    /** Default of {@code client.maxBackoff}. */
    public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(1);
    /** Default of {@code client.failoverBudget}. */
    public static final Duration DEFAULT_FAILOVER_BUDGET = Duration.ofSeconds(30);

    /**
     * Validates the values.
     *
     * @throws InvalidConfigurationException naming the key ({@code client.…}) and the reason
     */
    public ClientConfig {
        Checks.required("client.server", server);
        Checks.required("client.primaryPort", primaryPort);
        Checks.required("client.secondaryPort", secondaryPort);
        if (primaryPort.equals(secondaryPort)) {
            throw Checks.problem("client.secondaryPort", "is " + secondaryPort + ", the same as client.primaryPort; "
                    + "the partner serves this client on a different port (by default DAFS and pDAF)");
        }
        Checks.range("client.primaryRetries", primaryRetries, 0, MAX_PRIMARY_RETRIES, "a retry count");
        Checks.nonNegative("client.retryBackoff", retryBackoff);
        Checks.positive("client.maxBackoff", maxBackoff);
        if (maxBackoff.compareTo(retryBackoff) < 0) {
            throw Checks.problem("client.maxBackoff", Checks.format(maxBackoff) + " is shorter than client.retryBackoff ("
                    + Checks.format(retryBackoff) + "); expected at least the initial backoff");
        }
        Checks.positive("client.failoverBudget", failoverBudget);
    }

    /**
     * {@return a client configuration for {@code server} with every other value at its default}
     *
     * @param server the primary server, not null
     */
    public static ClientConfig of(ServerName server) {
        return new ClientConfig(server, DataAccessPort.DAFS, DataAccessPort.PDAF, DEFAULT_PRIMARY_RETRIES,
                DEFAULT_RETRY_BACKOFF, DEFAULT_MAX_BACKOFF, DEFAULT_FAILOVER_BUDGET);
    }
}
