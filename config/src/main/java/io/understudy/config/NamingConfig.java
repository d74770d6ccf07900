package io.understudy.config;

import io.understudy.api.ErrorCode;
import io.understudy.api.FailoverNaming;
import io.understudy.api.UnderstudyException;
import io.understudy.api.spi.ProviderContext;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * How a client computes and resolves the failover name (the {@code naming} section; Table 1 of the seed):
 * the naming convention ({@code FilerA} -> {@code FilerA-failover}), the name resolvers to try in order,
 * what a not-found in one resolver means, the bounds of the SDK's own name cache, and the resolvers'
 * options.
 *
 * <p>Whether resolvers with the configured ids are installed is the registry's question at run time, not the
 * configuration's; the configuration checks only that the ids are well formed and not repeated.
 *
 * <p>Immutable and thread-safe. No component is null.
 *
 * @param convention  the naming convention; loaded from {@code naming.convention} and {@code naming.value};
 *                    default {@link FailoverNaming#DEFAULT} ({@code suffix(-failover)})
 * @param resolvers   resolver ids in the order to try them, at least one, no repeats; default {@code [hosts]}
 * @param onNotFound  what a not-found answer from one resolver means; default {@link OnNotFound#NEXT}
 * @param cacheTtlCap the longest the SDK caches a resolved name, whatever TTL the resolver gave; 0 turns
 *                    caching off; default 30s
 * @param negativeTtl how long the SDK remembers that a name was not found; 0 turns it off; default 2s
 * @param options     resolver options as text, by {@link io.understudy.api.spi.Option} name ({@code hosts.file})
 * @since 0.1
 */
public record NamingConfig(FailoverNaming convention, List<String> resolvers, OnNotFound onNotFound,
                           Duration cacheTtlCap, Duration negativeTtl, Map<String, String> options) {

    /** Default of {@code naming.resolvers}. */
    public static final List<String> DEFAULT_RESOLVERS = List.of("hosts");
    /** Default of {@code naming.cacheTtlCap}. */
    public static final Duration DEFAULT_CACHE_TTL_CAP = Duration.ofSeconds(30);
    /** Default of {@code naming.negativeTtl}. */
    public static final Duration DEFAULT_NEGATIVE_TTL = Duration.ofSeconds(2);

    /**
     * What a client does when one resolver says the failover name does not exist.
     *
     * @since 0.1
     */
    public enum OnNotFound {
        /** Ask the next resolver in {@link #resolvers()}; the name is not found only if none knows it. */
        NEXT,
        /** Stop: the first resolver that answers not-found decides. Failures (timeouts) still go on to the next. */
        FAIL;

        /** {@return the form configuration writes: {@code next} or {@code fail}} */
        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * The built-in conventions configuration can name in {@code naming.convention}.
     *
     * @since 0.1
     */
    public enum ConventionKind {
        /** {@link FailoverNaming#suffix(String)}; default value {@code -failover}. */
        SUFFIX("-failover"),
        /** {@link FailoverNaming#prefix(String)}; default value {@code failover-}. */
        PREFIX("failover-"),
        /** {@link FailoverNaming#template(String)}; default value {@code {name}-failover}. */
        TEMPLATE("{name}-failover");

        private final String defaultValue;

        ConventionKind(String defaultValue) {
            this.defaultValue = defaultValue;
        }

        /** {@return the value used when {@code naming.value} is absent} */
        public String defaultValue() {
            return defaultValue;
        }

        /** {@return the form configuration writes: {@code suffix}, {@code prefix} or {@code template}} */
        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /**
         * {@return the convention of this kind}
         *
         * @param value the suffix or prefix text, or the template containing {@code {name}}
         * @throws UnderstudyException with {@link ErrorCode#INVALID_NAMING_CONVENTION} if the value does not fit
         */
        public FailoverNaming convention(String value) {
            return switch (this) {
                case SUFFIX -> FailoverNaming.suffix(value);
                case PREFIX -> FailoverNaming.prefix(value);
                case TEMPLATE -> FailoverNaming.template(value);
            };
        }
    }

    /**
     * Validates the values.
     *
     * @throws InvalidConfigurationException naming the key ({@code naming.…}) and the reason
     */
    public NamingConfig {
        Checks.required("naming.convention", convention);
        resolvers = Checks.list("naming.resolvers", resolvers);
        if (resolvers.isEmpty()) {
            throw Checks.problem("naming.resolvers", "is empty; expected at least one resolver id, such as [hosts] or [hosts, dns]");
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < resolvers.size(); i++) {
            String path = Paths.index("naming.resolvers", i);
            Checks.id(path, resolvers.get(i));
            if (!seen.add(resolvers.get(i))) {
                throw Checks.problem(path, "'" + resolvers.get(i) + "' is listed twice; each resolver is tried once");
            }
        }
        Checks.required("naming.onNotFound", onNotFound);
        Checks.nonNegative("naming.cacheTtlCap", cacheTtlCap);
        Checks.nonNegative("naming.negativeTtl", negativeTtl);
        options = Checks.options("naming.options", options);
    }

    /** {@return the configuration used when the {@code naming} section is absent} */
    public static NamingConfig defaults() {
        return new NamingConfig(FailoverNaming.DEFAULT, DEFAULT_RESOLVERS, OnNotFound.NEXT,
                DEFAULT_CACHE_TTL_CAP, DEFAULT_NEGATIVE_TTL, Map.of());
    }

    /**
     * {@return a context builder holding the resolver options as text settings}
     * The caller adds the clock and executor and builds it.
     */
    public ProviderContext.Builder contextBuilder() {
        return ProviderContext.builder().settings(options);
    }

    /** {@return a provider context for name resolvers, with the options as text settings and the SDK's default clock and executor} */
    public ProviderContext providerContext() {
        return contextBuilder().build();
    }
}
