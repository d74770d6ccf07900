package io.understudy.spi.naming;

import io.understudy.api.Endpoint;
import io.understudy.api.spi.ProviderRegistry;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Finds {@link NameResolverProvider}s with {@link ServiceLoader} and selects the resolvers to consult, in
 * order: the ids from configuration, else the comma-separated ids in the system property {@value #PROPERTY},
 * else the highest-priority available provider. Unavailable providers are skipped with their reasons; providers
 * that fail to load are logged with their class names and listed in every error.
 *
 * <p>Immutable and thread-safe. {@link #getDefault()} loads once through this class's class loader, which
 * finds providers both on the module path and on the class path.
 *
 * @since 0.1
 */
public final class NameResolverRegistry {

    /** The system property that lists name resolvers by id, comma-separated, in the order to try them. */
    public static final String PROPERTY = "understudy.naming";

    private static final String HINT = "Add a naming plugin to the class path (understudy-impl-hosts is the embedded default),"
            + " or list resolvers with naming.resolvers in the deployment configuration or -D" + PROPERTY + "=ID[,ID...].";

    private final ProviderRegistry<NameResolverProvider> registry;

    private NameResolverRegistry(ProviderRegistry<NameResolverProvider> registry) {
        this.registry = registry;
    }

    /** {@return the registry of the providers visible to this library's class loader or module layer} */
    public static NameResolverRegistry getDefault() {
        return Holder.DEFAULT;
    }

    /**
     * {@return a registry of the providers visible to a class loader (class path)}
     *
     * @param loader the class loader
     */
    public static NameResolverRegistry load(ClassLoader loader) {
        return new NameResolverRegistry(ProviderRegistry.load(ServiceLoader.load(NameResolverProvider.class, loader), "name resolver", PROPERTY, HINT));
    }

    /**
     * {@return a registry of the providers in a module layer (module path) and its parents}
     *
     * @param layer the layer
     */
    public static NameResolverRegistry load(ModuleLayer layer) {
        return new NameResolverRegistry(ProviderRegistry.load(ServiceLoader.load(layer, NameResolverProvider.class), "name resolver", PROPERTY, HINT));
    }

    /**
     * {@return a registry of explicit providers, bypassing discovery}
     *
     * @param providers the providers
     */
    public static NameResolverRegistry of(List<? extends NameResolverProvider> providers) {
        return new NameResolverRegistry(ProviderRegistry.of("name resolver", PROPERTY, HINT, providers, List.of()));
    }

    /** {@return every provider that loaded, highest priority first} */
    public List<NameResolverProvider> providers() {
        return registry.providers();
    }

    /** {@return every listed provider that failed to load, with its class name and cause} */
    public List<ProviderRegistry.LoadFailure> failures() {
        return registry.failures();
    }

    /**
     * Selects one provider.
     *
     * @param id           the id from configuration, or null to use the system property or priority
     * @param endpointType the endpoint type it must produce, or null for any
     * @return the provider
     * @throws io.understudy.api.UnderstudyException {@code NO_PROVIDER} or {@code PROVIDER_UNAVAILABLE},
     *                                               listing every provider and why
     */
    public NameResolverProvider select(String id, Class<? extends Endpoint> endpointType) {
        return registry.select(id, fit(endpointType));
    }

    /**
     * Selects the resolvers to consult, in order.
     *
     * @param ids          the ids from configuration in the order to try them; empty to use the system
     *                     property (comma-separated ids) or else the highest-priority available provider
     * @param endpointType the endpoint type each must produce, or null for any
     * @return the providers, in order
     * @throws io.understudy.api.UnderstudyException if any listed id is missing, unavailable or does not fit
     */
    public List<NameResolverProvider> selectAll(List<String> ids, Class<? extends Endpoint> endpointType) {
        List<String> order = ids;
        if (order.isEmpty()) {
            String prop = System.getProperty(PROPERTY);
            order = prop == null || prop.isBlank() ? List.of()
                    : java.util.Arrays.stream(prop.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
        }
        if (order.isEmpty()) {
            return List.of(registry.select(null, fit(endpointType)));
        }
        return order.stream().map(id -> registry.select(id, fit(endpointType))).toList();
    }

    private static ProviderRegistry.Fit<NameResolverProvider> fit(Class<? extends Endpoint> endpointType) {
        return p -> endpointType == null || p.producedTypes().stream().anyMatch(endpointType::isAssignableFrom) ? null
                : "it produces " + names(p) + ", not " + endpointType.getSimpleName();
    }

    /**
     * {@return a listing of every provider and its availability, and every load failure}
     */
    public String describe() {
        return registry.describe(ProviderRegistry.Fit.any());
    }

    @Override
    public String toString() {
        return registry.toString();
    }

    private static String names(NameResolverProvider p) {
        return p.producedTypes().stream().map(Class::getSimpleName).sorted().toList().toString();
    }

    private static final class Holder {
        // Loading through the class loader finds providers in named modules defined to it (module path)
        // and then META-INF/services entries on the class path, so one call serves both.
        static final NameResolverRegistry DEFAULT = load(NameResolverRegistry.class.getClassLoader());
    }
}
