package io.understudy.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How the two nodes of a pair talk to each other: heartbeats, "I am failing", "Please Shutdown" (the
 * {@code cluster.interconnect} section), and how those messages and the admin requests are authenticated.
 * Each node's own interconnect endpoint is {@link NodeConfig#interconnect()}.
 *
 * <p>The key file is not read here: a configuration loads without it (a client-only machine needs no key);
 * a node and the admin commands read it when they start, and refuse to run with {@code hmac-sha256} and no
 * key file.
 *
 * <p>Immutable and thread-safe.
 *
 * @param transport      the id of the transport provider the interconnect runs over; default {@code tcp}
 * @param authentication how messages are authenticated; default {@link Authentication#HMAC_SHA256}
 * @param keyFile        the file holding the shared key (base64 of at least 32 bytes), as written in the
 *                       configuration (a relative path is relative to the configuration file's directory);
 *                       empty if not given
 * @param maxClockSkew   the largest difference tolerated between a message's send time and the receiver's
 *                       clock; positive; default 30s
 * @since 0.1
 */
public record InterconnectConfig(String transport, Authentication authentication, Optional<Path> keyFile,
                                 Duration maxClockSkew) {

    /** Default of {@code cluster.interconnect.transport}. */
    public static final String DEFAULT_TRANSPORT = "tcp";

    /** Default of {@code cluster.interconnect.maxClockSkew}. */
    public static final Duration DEFAULT_MAX_CLOCK_SKEW = Duration.ofSeconds(30);

    /** The values of {@code cluster.interconnect.authentication}. */
    public enum Authentication {
        /** Every message and admin request carries an HMAC-SHA256 tag made with the shared key. */
        HMAC_SHA256,
        /** Nothing is authenticated: anyone who reaches the ports is believed. */
        NONE;

        /** {@return the name used in configuration files: {@code hmac-sha256} or {@code none}} */
        public String configName() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * Validates the values.
     *
     * @throws InvalidConfigurationException at the offending key
     */
    public InterconnectConfig {
        Checks.id("cluster.interconnect.transport", transport);
        Checks.required("cluster.interconnect.authentication", authentication);
        Checks.required("cluster.interconnect.keyFile", keyFile);
        Checks.required("cluster.interconnect.maxClockSkew", maxClockSkew);
        Checks.positive("cluster.interconnect.maxClockSkew", maxClockSkew);
    }

    /**
     * The defaults but for the transport: {@code hmac-sha256}, no key file, 30s.
     *
     * @param transport the transport provider id
     */
    public InterconnectConfig(String transport) {
        this(transport, Authentication.HMAC_SHA256, Optional.empty(), DEFAULT_MAX_CLOCK_SKEW);
    }

    /** {@return the configuration used when the {@code cluster.interconnect} section is absent} */
    public static InterconnectConfig defaults() {
        return new InterconnectConfig(DEFAULT_TRANSPORT);
    }

    /**
     * {@return a copy with another authentication and key file}
     *
     * @param authentication how messages are authenticated
     * @param keyFile        the key file, or null for none
     */
    public InterconnectConfig withAuthentication(Authentication authentication, Path keyFile) {
        return new InterconnectConfig(transport, Objects.requireNonNull(authentication, "authentication"),
                Optional.ofNullable(keyFile), maxClockSkew);
    }
}
