package io.understudy.config;

import io.understudy.api.spi.ProviderContext;
import java.util.Map;
import java.util.Optional;

/**
 * Which ownership provider claims and fences the shared disks, and its options (the {@code ownership}
 * section). Whether a provider with that id is installed is the registry's question at run time, not the
 * configuration's; the configuration checks only that the id is well formed.
 *
 * <p>Immutable and thread-safe. No component is null.
 *
 * @param provider the provider id, such as {@code file}; empty to let the registry choose by priority
 * @param options  provider options as text, by {@link io.understudy.api.spi.Option} name
 *                 ({@code file.directory}); parsed by the provider's typed options when it asks for them
 * @since 0.1
 */
public record OwnershipConfig(Optional<String> provider, Map<String, String> options) {

    /**
     * Validates the values.
     *
     * @throws InvalidConfigurationException naming the key ({@code ownership.…}) and the reason
     */
    public OwnershipConfig {
        Checks.required("ownership.provider", provider).ifPresent(id -> Checks.id("ownership.provider", id));
        options = Checks.options("ownership.options", options);
    }

    /** {@return the configuration used when the {@code ownership} section is absent} */
    public static OwnershipConfig defaults() {
        return new OwnershipConfig(Optional.empty(), Map.of());
    }

    /**
     * {@return a context builder holding the options as text settings}
     * The caller adds the clock, executor and node name and builds it.
     */
    public ProviderContext.Builder contextBuilder() {
        return ProviderContext.builder().settings(options);
    }

    /** {@return a provider context with the options as text settings, and the SDK's default clock and executor} */
    public ProviderContext providerContext() {
        return contextBuilder().build();
    }

    /**
     * {@return a provider context for the provider serving {@code nodeName}}
     *
     * @param nodeName the node's name, such as {@code FilerA}, not null
     */
    public ProviderContext providerContext(String nodeName) {
        return contextBuilder().nodeName(Checks.required("nodeName", nodeName)).build();
    }
}
