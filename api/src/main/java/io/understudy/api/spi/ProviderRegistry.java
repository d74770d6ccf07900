package io.understudy.api.spi;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The discovery engine shared by every SPI registry: it drains a {@link ServiceLoader} once, keeps the
 * providers that load (sorted by priority, highest first, then by id, then by class name, so the order is
 * deterministic), records every one that fails to load with its class name and cause, and selects a
 * provider by explicit id, by system property, or by priority among those available that fit.
 *
 * <p>Failures are never swallowed: each is logged at WARNING when the registry loads, listed by
 * {@link #failures()}, and repeated in every "no provider" error. When the explicitly selected id
 * belongs to nothing that loaded, the error names the classes that failed to load.
 *
 * <p>The SPI modules wrap this class ({@code TransportRegistry}, {@code NameResolverRegistry}); the
 * {@code ServiceLoader} is created there because the module that calls {@link ServiceLoader#load} must
 * declare {@code uses}. Instances are immutable and thread-safe.
 *
 * @param <P> the provider type
 * @since 0.1
 */
public final class ProviderRegistry<P extends Provider> {

    private static final System.Logger LOG = System.getLogger(ProviderRegistry.class.getName());
    private static final Pattern PROVIDER_CLASS = Pattern.compile("Provider ([\\w.$]+)");
    private static final int MAX_FAILURES = 1000;

    private final String kind;
    private final String property;
    private final String hint;
    private final List<P> providers;
    private final List<LoadFailure> failures;

    /**
     * A provider that is listed but could not be loaded.
     *
     * @param className the provider's class name as listed, or {@code "?"} if the error did not say
     * @param cause     why
     */
    public record LoadFailure(String className, Throwable cause) {
        /** Validates the fields. */
        public LoadFailure {
            Objects.requireNonNull(className, "className");
            Objects.requireNonNull(cause, "cause");
        }

        @Override
        public String toString() {
            Throwable root = cause;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            return className + " failed to load: " + root;
        }
    }

    /**
     * Says whether a provider fits a request.
     *
     * @param <P> the provider type
     */
    @FunctionalInterface
    public interface Fit<P> {
        /**
         * {@return null if the provider fits, else why not}
         *
         * @param provider an available provider
         */
        String whyNot(P provider);

        /**
         * {@return a fit that accepts every provider}
         *
         * @param <P> the provider type
         */
        static <P> Fit<P> any() {
            return p -> null;
        }
    }

    private ProviderRegistry(String kind, String property, String hint, List<P> providers, List<LoadFailure> failures) {
        this.kind = kind;
        this.property = property;
        this.hint = hint;
        List<P> sorted = new ArrayList<>(providers);
        sorted.sort(Comparator.<P>comparingInt(p -> -p.priority())
                .thenComparing(Provider::id)
                .thenComparing(p -> p.getClass().getName()));
        this.providers = List.copyOf(sorted);
        this.failures = List.copyOf(failures);
    }

    /**
     * Drains a service loader into a registry.
     *
     * @param loader   the loader, created by the SPI module
     * @param kind     what the providers are, for messages ("transport", "name resolver")
     * @param property the system property that selects a provider by id, such as {@code understudy.transport}
     * @param hint     what to tell the user when nothing fits, such as "add understudy-impl-tcp to the class path"
     * @param <P>      the provider type
     * @return the registry
     */
    public static <P extends Provider> ProviderRegistry<P> load(ServiceLoader<P> loader, String kind, String property, String hint) {
        List<P> loaded = new ArrayList<>();
        List<LoadFailure> failures = new ArrayList<>();
        Iterator<P> it = loader.iterator();
        while (failures.size() < MAX_FAILURES) {
            try {
                if (!it.hasNext()) {
                    break;
                }
                P p = it.next();
                String problem = checkWellBehaved(p);
                if (problem != null) {
                    failures.add(new LoadFailure(p.getClass().getName(), new IllegalStateException(problem)));
                } else {
                    loaded.add(p);
                }
            } catch (ServiceConfigurationError | LinkageError | RuntimeException e) {
                failures.add(new LoadFailure(classNameIn(e), e));
            }
        }
        return of(kind, property, hint, loaded, failures);
    }

    /**
     * Builds a registry from explicit providers (for tests and for users who wire providers by hand).
     *
     * @param kind      what the providers are
     * @param property  the selecting system property
     * @param hint      what to tell the user when nothing fits
     * @param providers the providers
     * @param failures  load failures to report
     * @param <P>       the provider type
     * @return the registry
     */
    public static <P extends Provider> ProviderRegistry<P> of(String kind, String property, String hint,
                                                              List<? extends P> providers, List<LoadFailure> failures) {
        Map<String, P> byId = new LinkedHashMap<>();
        List<P> kept = new ArrayList<>();
        for (P p : providers) {
            P previous = byId.putIfAbsent(p.id(), p);
            if (previous == null || previous.getClass() != p.getClass()) {
                kept.add(p);
            }
        }
        for (LoadFailure f : failures) {
            LOG.log(System.Logger.Level.WARNING, () -> "Understudy " + kind + " provider " + f
                    + "; it is listed in META-INF/services or a module's 'provides' but cannot be used", f.cause());
        }
        return new ProviderRegistry<>(kind, property, hint, kept, failures);
    }

    /** {@return every provider that loaded, highest priority first, ties by id and then class name} */
    public List<P> providers() {
        return providers;
    }

    /** {@return every listed provider that failed to load} */
    public List<LoadFailure> failures() {
        return failures;
    }

    /** {@return the system property that selects a provider by id} */
    public String property() {
        return property;
    }

    /**
     * {@return the first loaded provider with this id, if any (whether available or not)}
     *
     * @param id the id
     */
    public Optional<P> find(String id) {
        return providers.stream().filter(p -> p.id().equals(id)).findFirst();
    }

    /**
     * Selects a provider. The explicit id wins; without one, the system property; without that, the
     * highest-priority available provider that fits.
     *
     * @param explicitId the id from configuration, or null
     * @param fit        what the caller needs of the provider
     * @return the provider
     * @throws UnderstudyException {@link ErrorCode#PROVIDER_UNAVAILABLE} if the selected provider is
     *                             unavailable, {@link ErrorCode#NO_PROVIDER} if nothing fits; the message
     *                             lists every provider and why
     */
    public P select(String explicitId, Fit<? super P> fit) {
        String id = explicitId;
        String source = "configuration";
        if (id == null || id.isBlank()) {
            id = System.getProperty(property);
            source = "system property " + property;
        }
        if (id != null && !id.isBlank()) {
            return selectExplicit(id.trim(), source, fit);
        }
        for (P p : providers) {
            if (p.availability().isAvailable() && fit.whyNot(p) == null) {
                return p;
            }
        }
        throw new UnderstudyException(ErrorCode.NO_PROVIDER,
                "no " + kind + " provider fits. " + describe(fit) + ". " + hint);
    }

    private P selectExplicit(String id, String source, Fit<? super P> fit) {
        Optional<P> found = find(id);
        if (found.isEmpty()) {
            throw new UnderstudyException(ErrorCode.NO_PROVIDER,
                    "no " + kind + " provider has id '" + id + "' (selected by " + source + "). " + describe(fit) + ". " + hint);
        }
        P p = found.get();
        if (p.availability() instanceof Availability.Unavailable u) {
            throw new UnderstudyException(ErrorCode.PROVIDER_UNAVAILABLE,
                    kind + " provider '" + id + "' (selected by " + source + ") is unavailable: " + u.reason(), u.cause());
        }
        String why = fit.whyNot(p);
        if (why != null) {
            throw new UnderstudyException(ErrorCode.NO_PROVIDER,
                    kind + " provider '" + id + "' (selected by " + source + ") does not fit: " + why);
        }
        return p;
    }

    /**
     * {@return a listing of every provider and why each does or does not fit, then every load failure}
     *
     * @param fit the caller's requirement
     */
    public String describe(Fit<? super P> fit) {
        StringBuilder sb = new StringBuilder();
        if (providers.isEmpty()) {
            sb.append("No ").append(kind).append(" providers were found");
        } else {
            sb.append("Providers: ");
            for (int i = 0; i < providers.size(); i++) {
                P p = providers.get(i);
                if (i > 0) {
                    sb.append("; ");
                }
                sb.append(p.id()).append(" (priority ").append(p.priority()).append(", ").append(p.getClass().getName()).append("): ");
                Availability a = p.availability();
                String why = a.isAvailable() ? fit.whyNot(p) : null;
                sb.append(!a.isAvailable() ? a.toString() : why != null ? "does not fit: " + why : "fits");
            }
        }
        if (!failures.isEmpty()) {
            sb.append(". Failed to load: ");
            for (int i = 0; i < failures.size(); i++) {
                if (i > 0) {
                    sb.append("; ");
                }
                sb.append(failures.get(i));
            }
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return kind + " registry " + providers + (failures.isEmpty() ? "" : " failures=" + failures);
    }

    private static String checkWellBehaved(Provider p) {
        try {
            String id = p.id();
            if (id == null || !id.matches("[a-z0-9][a-z0-9-]{0,31}")) {
                return "its id " + (id == null ? "null" : "'" + id + "'") + " is not 1-32 lower-case letters, digits and hyphens";
            }
            int prio = p.priority();
            if (prio < 0 || prio > 10) {
                return "its priority " + prio + " is outside 0-10";
            }
            if (p.availability() == null) {
                return "availability() returned null";
            }
            return null;
        } catch (RuntimeException | LinkageError e) {
            return "id(), priority() or availability() threw " + e;
        }
    }

    private static String classNameIn(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = t.getMessage();
            if (m != null) {
                Matcher matcher = PROVIDER_CLASS.matcher(m);
                if (matcher.find()) {
                    return matcher.group(1);
                }
            }
        }
        return "?";
    }
}
