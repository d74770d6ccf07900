package io.understudy.naming.dns;

import io.understudy.api.Endpoint;
import io.understudy.api.InetEndpoint;
import io.understudy.api.spi.Availability;
import io.understudy.api.spi.ProviderContext;
import io.understudy.spi.naming.NameResolverProvider;
import java.util.Set;

/**
 * Names from DNS: A, AAAA and SRV records from the servers in {@link DnsOptions#SERVERS}, producing
 * {@link InetEndpoint}s (with the SRV port when one was published). Select it with the id {@value #ID},
 * typically after the hosts file: {@code naming.resolvers: [hosts, dns]}.
 *
 * <p>Queries go out through dnsjava resolvers built for each {@link #open} from its context; the JVM's
 * {@code InetAddress} cache and dnsjava's process-wide default resolver are never used, and nothing is cached
 * across calls: the SDK caches answers for the TTLs the resolver reports.
 *
 * <p>Found by {@link java.util.ServiceLoader} on the module path ({@code provides} in this module) and on the
 * class path ({@code META-INF/services}). Stateless, cheap to construct, thread-safe; no method throws
 * except {@link #open} on invalid options.
 *
 * @since 0.1
 */
public final class DnsResolverProvider extends NameResolverProvider {

    /** The id that selects this provider. */
    public static final String ID = "dns";

    /** For {@link java.util.ServiceLoader}; does no I/O. */
    public DnsResolverProvider() {
    }

    /** {@return {@value #ID}} */
    @Override
    public String id() {
        return ID;
    }

    /**
     * {@return available when dnsjava can be loaded; otherwise unavailable, saying which artifact is missing}
     * Probed once. A server that does not answer is not a reason to hide the provider: it is an answer
     * ({@code Failed}, naming the server) at resolve time.
     */
    @Override
    public Availability availability() {
        return Probe.AVAILABILITY;
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
     * Opens a resolver with the servers, search domains, timeout and retries of {@link DnsOptions}. Reads
     * {@code resolv.conf} once if no servers are given; sends nothing.
     *
     * @param context the options ({@link DnsOptions}) and the clock that measures each lookup's timeout
     * @return the resolver
     * @throws io.understudy.api.UnderstudyException with {@code INVALID_CONFIGURATION} if an option is
     *                                               malformed or out of range, or no server is configured
     *                                               anywhere
     */
    @Override
    public DnsResolver open(ProviderContext context) {
        return new DnsResolver(context);
    }

    private static final class Probe {
        static final Availability AVAILABILITY = probe();

        private static Availability probe() {
            try {
                Class.forName("org.xbill.DNS.SimpleResolver", false, DnsResolverProvider.class.getClassLoader());
                return Availability.available();
            } catch (ClassNotFoundException | LinkageError e) {
                return Availability.unavailable("dnsjava (dnsjava:dnsjava) is not on the class path or module path;"
                        + " add understudy-impl-dns with its dependencies", e);
            }
        }
    }
}
