package io.understudy.config;

/**
 * How the two nodes of a pair talk to each other: heartbeats, "I am failing", "Please Shutdown" (the
 * {@code cluster.interconnect} section). Each node's own interconnect endpoint is
 * {@link NodeConfig#interconnect()}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param transport the id of the transport provider the interconnect runs over; default {@code tcp}
 * @since 0.1
 */
public record InterconnectConfig(String transport) {

    /** Default of {@code cluster.interconnect.transport}. */
    public static final String DEFAULT_TRANSPORT = "tcp";

    /**
     * Validates the id.
     *
     * @throws InvalidConfigurationException at {@code cluster.interconnect.transport} if it is not a provider id
     */
    public InterconnectConfig {
        Checks.id("cluster.interconnect.transport", transport);
    }

    /** {@return the configuration used when the {@code cluster.interconnect} section is absent} */
    public static InterconnectConfig defaults() {
        return new InterconnectConfig(DEFAULT_TRANSPORT);
    }
}
