package io.understudy.client;

import io.understudy.api.DataAccessPort;
import io.understudy.api.Endpoint;
import io.understudy.api.ServerName;
import io.understudy.spi.naming.NameQuery;
import io.understudy.spi.naming.NameResolver;
import io.understudy.spi.naming.Resolution;
import java.util.List;
import java.util.Objects;

/**
 * The configured resolvers, consulted in order through the {@link NameCache}: the first
 * {@link Resolution.Resolved} wins; a {@link Resolution.NotFound} moves on or stops as the
 * {@link NotFoundPolicy} says; a {@link Resolution.Failed} (or a resolver that throws, which it must not)
 * moves on. When nothing resolves, the answer says what every resolver that was asked said.
 *
 * <p>Thread-safe if the resolvers are (the SPI requires it).
 */
final class ResolverChain {

    /** The outcome of a lookup. */
    sealed interface Lookup {
        /** {@return the name that was looked up} */
        ServerName name();
    }

    /**
     * The name resolved.
     *
     * @param name       the name
     * @param candidates endpoints, best first
     * @param source     which resolver answered and from where; "(cached)" when it came from the cache
     */
    record Found(ServerName name, List<Endpoint> candidates, String source) implements Lookup {
    }

    /**
     * Nothing resolved the name.
     *
     * @param name the name
     * @param why  what each resolver that was asked said, in order
     */
    record Missing(ServerName name, String why) implements Lookup {
    }

    private final List<NameResolver> resolvers;
    private final NotFoundPolicy policy;
    private final NameCache cache;

    /**
     * @param resolvers the resolvers in the order to ask them, not empty
     * @param policy    what a not-found means for the next resolver
     * @param cache     the cache
     */
    ResolverChain(List<NameResolver> resolvers, NotFoundPolicy policy, NameCache cache) {
        this.resolvers = List.copyOf(resolvers);
        if (this.resolvers.isEmpty()) {
            throw new IllegalArgumentException("at least one resolver is needed");
        }
        this.policy = Objects.requireNonNull(policy, "policy");
        this.cache = Objects.requireNonNull(cache, "cache");
    }

    /**
     * Resolves a name.
     *
     * @param name the name
     * @param port the data-access port it is wanted for
     * @return {@link Found} or {@link Missing}; never throws for a resolver's failure
     */
    Lookup lookup(ServerName name, DataAccessPort port) {
        NameQuery query = new NameQuery(name, port);
        StringBuilder why = new StringBuilder();
        for (int i = 0; i < resolvers.size(); i++) {
            Resolution r = cache.get(i, query);
            boolean cached = r != null;
            if (!cached) {
                r = ask(resolvers.get(i), query);
                cache.put(i, query, r);
            }
            String from = label(resolvers.get(i)) + (cached ? " (cached)" : "");
            switch (r) {
                case Resolution.Resolved ok -> {
                    return new Found(name, ok.candidates(), from + ": " + ok.source());
                }
                case Resolution.NotFound nf -> {
                    append(why, from, "not found: " + nf.reason());
                    if (policy == NotFoundPolicy.FAIL) {
                        if (i + 1 < resolvers.size()) {
                            why.append(" (not-found policy FAIL: later resolvers not asked)");
                        }
                        return new Missing(name, why.toString());
                    }
                }
                case Resolution.Failed f -> append(why, from, "failed: " + f.reason()
                        + (f.cause() == null ? "" : " (" + f.cause() + ")"));
            }
        }
        return new Missing(name, why.toString());
    }

    /**
     * Drops the cached answers for a name, so the next lookup asks the resolvers again.
     *
     * @param name the name
     */
    void invalidate(ServerName name) {
        cache.invalidate(name);
    }

    /** {@return the resolvers' labels, in order, for messages} */
    List<String> labels() {
        return resolvers.stream().map(ResolverChain::label).toList();
    }

    private static Resolution ask(NameResolver resolver, NameQuery query) {
        try {
            Resolution r = resolver.resolve(query);
            return r != null ? r
                    : new Resolution.Failed(query.name(), "resolver returned null, which it must not", null);
        } catch (RuntimeException e) {
            return new Resolution.Failed(query.name(), "resolver threw, which it must not: " + e.getMessage(), e);
        }
    }

    private static void append(StringBuilder sb, String from, String what) {
        if (!sb.isEmpty()) {
            sb.append("; ");
        }
        sb.append(from).append(' ').append(what);
    }

    /** A resolver's own {@code toString} if it has one, else its class name. */
    static String label(NameResolver r) {
        String s = String.valueOf(r);
        String identity = r.getClass().getName() + "@" + Integer.toHexString(System.identityHashCode(r));
        return s.equals(identity) ? r.getClass().getSimpleName().isEmpty() ? r.getClass().getName() : r.getClass().getSimpleName() : s;
    }
}
