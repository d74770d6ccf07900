package io.understudy.client;

/**
 * What a {@link io.understudy.spi.naming.Resolution.NotFound} from one resolver means for the resolvers
 * after it in the configured order. A {@link io.understudy.spi.naming.Resolution.Failed} answer (the
 * resolver could not answer at all) always moves on to the next resolver, whatever the policy.
 *
 * @since 0.1
 */
public enum NotFoundPolicy {
    /**
     * Ask the next resolver: the name may live in another source (a hosts file first, then DNS). The
     * default.
     */
    TRY_NEXT,
    /**
     * Stop: the first resolver that does not know the name is authoritative, and the lookup fails with
     * its reason. For deployments where a later resolver must not answer for names the first one owns.
     */
    FAIL
}
