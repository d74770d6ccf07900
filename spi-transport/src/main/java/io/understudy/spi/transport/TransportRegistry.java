package io.understudy.spi.transport;

import io.understudy.api.Endpoint;
import io.understudy.api.spi.ProviderRegistry;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Finds {@link TransportProvider}s with {@link ServiceLoader} and selects one: by id from configuration,
 * else by the system property {@value #PROPERTY}, else the highest-priority available provider that
 * reaches the required endpoint type. Unavailable providers are skipped with their reasons; providers
 * that fail to load are logged with their class names and listed in every error.
 *
 * <p>Immutable and thread-safe. {@link #getDefault()} loads once through this class's class loader, which
 * finds providers both on the module path and on the class path.
 *
 * @since 0.1
 */
public final class TransportRegistry {

    /** The system property that selects a transport by id. */
    public static final String PROPERTY = "understudy.transport";

    private static final String HINT = "Add a transport to the class path (understudy-impl-tcp is the embedded default),"
            + " or select one with transport.provider in the deployment configuration or -D" + PROPERTY + "=ID.";

    private final ProviderRegistry<TransportProvider> registry;

    private TransportRegistry(ProviderRegistry<TransportProvider> registry) {
        this.registry = registry;
    }

    /** {@return the registry of the providers visible to this library's class loader or module layer} */
    public static TransportRegistry getDefault() {
        return Holder.DEFAULT;
    }

    /**
     * {@return a registry of the providers visible to a class loader (class path)}
     *
     * @param loader the class loader
     */
    public static TransportRegistry load(ClassLoader loader) {
        return new TransportRegistry(ProviderRegistry.load(ServiceLoader.load(TransportProvider.class, loader), "transport", PROPERTY, HINT));
    }

    /**
     * {@return a registry of the providers in a module layer (module path) and its parents}
     *
     * @param layer the layer
     */
    public static TransportRegistry load(ModuleLayer layer) {
        return new TransportRegistry(ProviderRegistry.load(ServiceLoader.load(layer, TransportProvider.class), "transport", PROPERTY, HINT));
    }

    /**
     * {@return a registry of explicit providers, bypassing discovery}
     *
     * @param providers the providers
     */
    public static TransportRegistry of(List<? extends TransportProvider> providers) {
        return new TransportRegistry(ProviderRegistry.of("transport", PROPERTY, HINT, providers, List.of()));
    }

    /** {@return every provider that loaded, highest priority first} */
    public List<TransportProvider> providers() {
        return registry.providers();
    }

    /** {@return every listed provider that failed to load, with its class name and cause} */
    public List<ProviderRegistry.LoadFailure> failures() {
        return registry.failures();
    }

    /**
     * Selects a provider.
     *
     * @param id           the id from configuration, or null to use the system property or priority
     * @param endpointType the endpoint type the transport must reach, or null for any
     * @return the provider
     * @throws io.understudy.api.UnderstudyException {@code NO_PROVIDER} or {@code PROVIDER_UNAVAILABLE},
     *                                               listing every provider and why
     */
    public TransportProvider select(String id, Class<? extends Endpoint> endpointType) {
        return registry.select(id, p -> endpointType == null || p.reaches(endpointType) ? null
                : "it reaches " + names(p) + ", not " + endpointType.getSimpleName());
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

    private static String names(TransportProvider p) {
        return p.endpointTypes().stream().map(Class::getSimpleName).sorted().toList().toString();
    }

    private static final class Holder {
        // Loading through the class loader finds providers in named modules defined to it (module path)
        // and then META-INF/services entries on the class path, so one call serves both.
        static final TransportRegistry DEFAULT = load(TransportRegistry.class.getClassLoader());
    }
}
