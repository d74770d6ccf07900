package io.understudy.naming.hosts;

import io.understudy.api.Endpoint;
import io.understudy.api.InetEndpoint;
import io.understudy.api.spi.Availability;
import io.understudy.api.spi.ProviderContext;
import io.understudy.spi.naming.NameResolverProvider;
import java.util.Set;

/**
 * The embedded default name resolver: names from a hosts-format file ({@code /etc/hosts} unless
 * {@link HostsOptions#FILE} says otherwise), producing {@link InetEndpoint}s. Select it with the id
 * {@value #ID}. It is always available: it needs no native code, and a missing file is an answer
 * ({@code Failed}, naming the file) at resolve time rather than a reason to hide the provider.
 *
 * <p>Found by {@link java.util.ServiceLoader} on the module path ({@code provides} in this module) and on the
 * class path ({@code META-INF/services}). Stateless, cheap to construct, thread-safe; no method throws
 * except {@link #open} on invalid options.
 *
 * @since 0.1
 */
public final class HostsFileResolverProvider extends NameResolverProvider {

    /** The id that selects this provider. */
    public static final String ID = "hosts";

    /** For {@link java.util.ServiceLoader}; does no I/O. */
    public HostsFileResolverProvider() {
    }

    /** {@return {@value #ID}} */
    @Override
    public String id() {
        return ID;
    }

    /** {@return available, always} */
    @Override
    public Availability availability() {
        return Availability.available();
    }

    /** {@return the default priority, {@value io.understudy.api.spi.Provider#DEFAULT_PRIORITY}} */
    @Override
    public int priority() {
        return DEFAULT_PRIORITY;
    }

    /** {@return {@link InetEndpoint}} */
    @Override
    public Set<Class<? extends Endpoint>> producedTypes() {
        return Set.of(InetEndpoint.class);
    }

    /**
     * Opens a resolver over the file named by {@link HostsOptions#FILE} and reads it once. A missing or
     * unreadable file does not fail here; the resolver answers {@code Failed} naming it until it can be read.
     *
     * @param context the options ({@link HostsOptions}) and the clock that paces re-checks of the file
     * @return the resolver
     * @throws io.understudy.api.UnderstudyException with {@code INVALID_CONFIGURATION} if an option is
     *                                               malformed or out of range
     */
    @Override
    public HostsFileResolver open(ProviderContext context) {
        return new HostsFileResolver(context);
    }
}
