package io.understudy.client;

import io.understudy.api.Clock;
import io.understudy.api.DataAccessPort;
import io.understudy.api.ServerName;
import io.understudy.spi.naming.NameQuery;
import io.understudy.spi.naming.Resolution;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The client's own cache of name-service answers, so the SDK never depends on the JVM's
 * {@code InetAddress} cache (whose TTL is a process-wide security property). Times come from the
 * injected {@link Clock}.
 *
 * <ul>
 *   <li>A {@link Resolution.Resolved} answer lives for its TTL, capped at {@code maxTtl}.</li>
 *   <li>A {@link Resolution.NotFound} answer lives for its TTL, capped at {@code negativeTtl} (short: a
 *       failover name added to the name service should be seen soon).</li>
 *   <li>{@link Resolution.Failed} is never cached: the next attempt asks again.</li>
 *   <li>A TTL or cap of zero means "do not cache".</li>
 * </ul>
 *
 * <p>Entries are kept per resolver (by its position in the configured order), per name (compared as
 * name services do, ignoring case) and per data-access port (resolvers may publish per-port locations).
 * Both tables are bounded; the least recently used entry goes first. {@link #invalidate} drops every entry
 * of a name, which the client does when a connect to one of its candidates fails.
 *
 * <p>Thread-safe.
 */
final class NameCache {

    /** The default bound on positive entries. */
    static final int DEFAULT_MAX_ENTRIES = 1024;
    /** The default bound on negative entries. */
    static final int DEFAULT_MAX_NEGATIVE_ENTRIES = 256;

    private record Key(int resolver, String name, DataAccessPort port) {
    }

    private record Cached(Resolution value, long storedAt, long lifetimeNanos) {
    }

    private final Clock clock;
    private final long maxTtlNanos;
    private final long negativeTtlNanos;
    private final Map<Key, Cached> positive;
    private final Map<Key, Cached> negative;

    /**
     * @param clock              the time source
     * @param maxTtl             the cap on positive lifetimes, not negative
     * @param negativeTtl        the cap on negative lifetimes, not negative
     * @param maxEntries         the bound on positive entries, positive
     * @param maxNegativeEntries the bound on negative entries, positive
     */
    NameCache(Clock clock, Duration maxTtl, Duration negativeTtl, int maxEntries, int maxNegativeEntries) {
        this.clock = Objects.requireNonNull(clock, "clock");
        if (maxTtl.isNegative() || negativeTtl.isNegative() || maxEntries < 1 || maxNegativeEntries < 1) {
            throw new IllegalArgumentException("name cache needs TTL caps >= 0 and bounds >= 1, got " + maxTtl + ", "
                    + negativeTtl + ", " + maxEntries + ", " + maxNegativeEntries);
        }
        this.maxTtlNanos = saturatedNanos(maxTtl);
        this.negativeTtlNanos = saturatedNanos(negativeTtl);
        this.positive = lru(maxEntries);
        this.negative = lru(maxNegativeEntries);
    }

    /**
     * {@return the live cached answer of one resolver, or null if none}
     *
     * @param resolver the resolver's position in the configured order
     * @param query    the query
     */
    synchronized Resolution get(int resolver, NameQuery query) {
        Key k = key(resolver, query);
        long now = clock.nanoTime();
        Resolution r = live(positive, k, now);
        return r != null ? r : live(negative, k, now);
    }

    /**
     * Stores an answer, if it may be cached.
     *
     * @param resolver the resolver's position in the configured order
     * @param query    the query
     * @param answer   the answer
     */
    synchronized void put(int resolver, NameQuery query, Resolution answer) {
        Key k = key(resolver, query);
        long now = clock.nanoTime();
        switch (answer) {
            case Resolution.Resolved r -> {
                long life = Math.min(saturatedNanos(r.ttl()), maxTtlNanos);
                negative.remove(k);
                if (life > 0) {
                    positive.put(k, new Cached(r, now, life));
                } else {
                    positive.remove(k);
                }
            }
            case Resolution.NotFound n -> {
                long life = Math.min(saturatedNanos(n.ttl()), negativeTtlNanos);
                positive.remove(k);
                if (life > 0) {
                    negative.put(k, new Cached(n, now, life));
                } else {
                    negative.remove(k);
                }
            }
            case Resolution.Failed f -> {
                // Not cached: a resolver that could not answer is asked again next time.
            }
        }
    }

    /**
     * Drops every entry (positive and negative, every resolver, every port) for a name.
     *
     * @param name the name
     * @return how many entries were dropped
     */
    synchronized int invalidate(ServerName name) {
        String c = name.canonical();
        int before = positive.size() + negative.size();
        positive.keySet().removeIf(k -> k.name().equals(c));
        negative.keySet().removeIf(k -> k.name().equals(c));
        return before - positive.size() - negative.size();
    }

    /** {@return how many positive entries are stored (live or not yet purged)} */
    synchronized int size() {
        return positive.size();
    }

    /** {@return how many negative entries are stored (live or not yet purged)} */
    synchronized int negativeSize() {
        return negative.size();
    }

    private static Resolution live(Map<Key, Cached> table, Key k, long now) {
        Cached e = table.get(k);
        if (e == null) {
            return null;
        }
        if (now - e.storedAt() >= e.lifetimeNanos()) {
            table.remove(k);
            return null;
        }
        return e.value();
    }

    private static Key key(int resolver, NameQuery q) {
        return new Key(resolver, q.name().canonical(), q.port());
    }

    private static Map<Key, Cached> lru(int max) {
        return new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, Cached> eldest) {
                return size() > max;
            }
        };
    }

    private static long saturatedNanos(Duration d) {
        if (d.isNegative()) {
            return 0;
        }
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }
}
