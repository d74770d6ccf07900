package io.understudy.spi.naming;

import io.understudy.api.Endpoint;
import io.understudy.api.spi.Provider;
import io.understudy.api.spi.ProviderContext;
import java.util.Set;

/**
 * Provides a {@link NameResolver}: a hosts file, DNS, or a user's own directory. Found with
 * {@link java.util.ServiceLoader} ({@code META-INF/services/io.understudy.spi.naming.NameResolverProvider}
 * and {@code provides} in {@code module-info.java}); see {@link Provider} for the contract.
 *
 * @since 0.1
 */
public abstract class NameResolverProvider extends Provider {

    /** For subclasses. */
    protected NameResolverProvider() {
    }

    /** {@return the endpoint types this resolver produces, such as {@code InetEndpoint.class}} */
    public abstract Set<Class<? extends Endpoint>> producedTypes();

    /**
     * Opens a resolver.
     *
     * @param context the SDK's context: clock, executor and typed options (a hosts file's path, DNS servers)
     * @return the resolver
     * @throws io.understudy.api.UnderstudyException if the options are invalid
     */
    public abstract NameResolver open(ProviderContext context);
}
