package io.understudy.spi.naming;

/**
 * Resolves names to ranked candidate endpoints. Resolvers do not cache across calls beyond what their
 * source requires; the SDK caches {@link Resolution.Resolved} results for their TTL itself and never relies
 * on the JVM's {@code InetAddress} cache.
 *
 * <p>Thread-safe. {@link #resolve} may block on I/O up to the resolver's configured timeout, never longer.
 *
 * @since 0.1
 */
public interface NameResolver extends AutoCloseable {

    /**
     * Resolves a name.
     *
     * @param query the name and the data-access port it is wanted for
     * @return {@link Resolution.Resolved} with candidates best first, {@link Resolution.NotFound}, or
     *         {@link Resolution.Failed}; never null, never throws for expected failures
     */
    Resolution resolve(NameQuery query);

    /** Releases resources. Idempotent. */
    @Override
    void close();
}
