package io.understudy.spi.transport;

import io.understudy.api.Endpoint;
import io.understudy.api.spi.Provider;
import io.understudy.api.spi.ProviderContext;
import java.util.Set;

/**
 * Provides a {@link Transport}: TCP, the VI emulation, InfiniBand verbs, or a user's own. Found with
 * {@link java.util.ServiceLoader} (list the class in {@code META-INF/services/io.understudy.spi.transport.TransportProvider}
 * and in {@code provides} of your {@code module-info.java}); see {@link Provider} for what every provider
 * must keep: a cheap no-argument constructor, an {@link #availability()} that never throws.
 *
 * <p>There is deliberately no operation that moves, adds or takes over an address: failover works by the
 * client computing a different destination, so transports on fabrics that cannot move addresses work as
 * they are.
 *
 * @since 0.1
 */
public abstract class TransportProvider extends Provider {

    /** For subclasses. */
    protected TransportProvider() {
    }

    /** {@return the endpoint types this transport can connect to, such as {@code InetEndpoint.class}} */
    public abstract Set<Class<? extends Endpoint>> endpointTypes();

    /**
     * Opens a transport. May be called more than once; each transport is independent.
     *
     * @param context the SDK's context: clock, executor, data-access port mapping, typed options
     * @return the transport
     * @throws io.understudy.api.UnderstudyException if the provider is unavailable or the options are invalid
     */
    public abstract Transport open(ProviderContext context);

    /**
     * {@return whether this transport reaches endpoints of this type}
     *
     * @param type the endpoint type
     */
    public final boolean reaches(Class<? extends Endpoint> type) {
        return endpointTypes().stream().anyMatch(t -> t.isAssignableFrom(type));
    }
}
