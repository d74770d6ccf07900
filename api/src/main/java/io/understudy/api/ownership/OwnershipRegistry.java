package io.understudy.api.ownership;

import io.understudy.api.spi.ProviderRegistry;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Finds {@link OwnershipProvider}s with {@link ServiceLoader} and selects one: by id from configuration,
 * else by the system property {@value #PROPERTY}, else the highest-priority available provider.
 * Unavailable providers are skipped with their reasons; providers that fail to load are logged with their
 * class names and listed in every error.
 *
 * <p>It lives in the api module (there is no separate ownership SPI module) and mirrors the transport and
 * naming registries. Immutable and thread-safe. {@link #getDefault()} loads once through this class's
 * class loader, which finds providers both on the module path and on the class path.
 *
 * @since 0.1
 */
public final class OwnershipRegistry {

    /** The system property that selects an ownership provider by id. */
    public static final String PROPERTY = "understudy.ownership";

    private static final String HINT = "Add an ownership provider to the class path (understudy-impl-ownership-file is the"
            + " embedded default), or select one with ownership.provider in the deployment configuration or -D" + PROPERTY + "=ID.";

    private final ProviderRegistry<OwnershipProvider> registry;

    private OwnershipRegistry(ProviderRegistry<OwnershipProvider> registry) {
        this.registry = registry;
    }

    /** {@return the registry of the providers visible to this library's class loader or module layer} */
    public static OwnershipRegistry getDefault() {
        return Holder.DEFAULT;
    }

    /**
     * {@return a registry of the providers visible to a class loader (class path)}
     *
     * @param loader the class loader
     */
    public static OwnershipRegistry load(ClassLoader loader) {
        return new OwnershipRegistry(ProviderRegistry.load(ServiceLoader.load(OwnershipProvider.class, loader), "ownership", PROPERTY, HINT));
    }

    /**
     * {@return a registry of the providers in a module layer (module path) and its parents}
     *
     * @param layer the layer
     */
    public static OwnershipRegistry load(ModuleLayer layer) {
        return new OwnershipRegistry(ProviderRegistry.load(ServiceLoader.load(layer, OwnershipProvider.class), "ownership", PROPERTY, HINT));
    }

    /**
     * {@return a registry of explicit providers, bypassing discovery}
     *
     * @param providers the providers
     */
    public static OwnershipRegistry of(List<? extends OwnershipProvider> providers) {
        return new OwnershipRegistry(ProviderRegistry.of("ownership", PROPERTY, HINT, providers, List.of()));
    }

    /** {@return every provider that loaded, highest priority first} */
    public List<OwnershipProvider> providers() {
        return registry.providers();
    }

    /** {@return every listed provider that failed to load, with its class name and cause} */
    public List<ProviderRegistry.LoadFailure> failures() {
        return registry.failures();
    }

    /**
     * Selects a provider.
     *
     * @param id the id from configuration, or null to use the system property or priority
     * @return the provider
     * @throws io.understudy.api.UnderstudyException {@code NO_PROVIDER} or {@code PROVIDER_UNAVAILABLE},
     *                                               listing every provider and why
     */
    public OwnershipProvider select(String id) {
        return registry.select(id, ProviderRegistry.Fit.any());
    }

    /** {@return a listing of every provider and its availability, and every load failure} */
    public String describe() {
        return registry.describe(ProviderRegistry.Fit.any());
    }

    @Override
    public String toString() {
        return registry.toString();
    }

    private static final class Holder {
        // Loading through the class loader finds providers in named modules defined to it (module path)
        // and then META-INF/services entries on the class path, so one call serves both.
        static final OwnershipRegistry DEFAULT = load(OwnershipRegistry.class.getClassLoader());
    }
}
