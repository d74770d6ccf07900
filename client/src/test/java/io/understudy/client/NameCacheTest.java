package io.understudy.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.understudy.api.DataAccessPort;
import io.understudy.api.Endpoint;
import io.understudy.api.InetEndpoint;
import io.understudy.api.ServerName;
import io.understudy.spi.naming.NameQuery;
import io.understudy.spi.naming.Resolution;
import io.understudy.testkit.ManualClock;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class NameCacheTest {

    private static final ServerName FILER_A = ServerName.of("FilerA");
    private static final ServerName FAILOVER = ServerName.of("FilerA-failover");
    private static final NameQuery Q = new NameQuery(FAILOVER, DataAccessPort.PDAF);

    private final ManualClock clock = new ManualClock();

    @Test
    void aResolvedAnswerLivesForItsTtl() {
        NameCache cache = cache(Duration.ofMinutes(1), Duration.ofSeconds(2));
        Resolution r = resolved(FAILOVER, Duration.ofSeconds(5), 12);
        cache.put(0, Q, r);
        clock.advanceMillis(4_999);
        assertSame(r, cache.get(0, Q));
        clock.advanceMillis(1);
        assertNull(cache.get(0, Q), "expired at exactly its TTL");
        assertEquals(0, cache.size(), "expired entries are purged when looked at");
    }

    @Test
    void theCapShortensALongTtl() {
        NameCache cache = cache(Duration.ofSeconds(10), Duration.ofSeconds(2));
        cache.put(0, Q, resolved(FAILOVER, Duration.ofHours(1), 12));
        clock.advanceMillis(9_999);
        assertInstanceOf(Resolution.Resolved.class, cache.get(0, Q));
        clock.advanceMillis(1);
        assertNull(cache.get(0, Q));
    }

    @Test
    void aZeroTtlOrAZeroCapIsNotCached() {
        NameCache cache = cache(Duration.ofMinutes(1), Duration.ofSeconds(2));
        cache.put(0, Q, resolved(FAILOVER, Duration.ZERO, 12));
        assertNull(cache.get(0, Q));
        NameCache off = cache(Duration.ZERO, Duration.ZERO);
        off.put(0, Q, resolved(FAILOVER, Duration.ofSeconds(5), 12));
        off.put(1, Q, new Resolution.NotFound(FAILOVER, "not in hosts", Duration.ofSeconds(5)));
        assertNull(off.get(0, Q));
        assertNull(off.get(1, Q));
    }

    @Test
    void notFoundIsCachedBrieflyCappedByTheNegativeTtl() {
        NameCache cache = cache(Duration.ofMinutes(1), Duration.ofSeconds(2));
        Resolution nf = new Resolution.NotFound(FAILOVER, "not in hosts", Duration.ofSeconds(5));
        cache.put(0, Q, nf);
        assertSame(nf, cache.get(0, Q));
        clock.advanceMillis(1_999);
        assertSame(nf, cache.get(0, Q));
        clock.advanceMillis(1);
        assertNull(cache.get(0, Q), "the 5 s not-found TTL is capped at the 2 s negative TTL");
        cache.put(0, Q, new Resolution.NotFound(FAILOVER, "not in hosts", Duration.ofMillis(500)));
        clock.advanceMillis(500);
        assertNull(cache.get(0, Q), "a shorter not-found TTL is honoured");
    }

    @Test
    void failuresAreNeverCached() {
        NameCache cache = cache(Duration.ofMinutes(1), Duration.ofSeconds(2));
        cache.put(0, Q, new Resolution.Failed(FAILOVER, "DNS server timed out", null));
        assertNull(cache.get(0, Q));
    }

    @Test
    void entriesAreKeptPerResolverPerPortAndNamesCompareIgnoringCase() {
        NameCache cache = cache(Duration.ofMinutes(1), Duration.ofSeconds(2));
        Resolution r = resolved(FAILOVER, Duration.ofSeconds(5), 12);
        cache.put(1, Q, r);
        assertNull(cache.get(0, Q), "another resolver's answer is not this one's");
        assertNull(cache.get(1, new NameQuery(FAILOVER, DataAccessPort.DAFS)), "another port");
        assertSame(r, cache.get(1, new NameQuery(ServerName.of("filera-FAILOVER."), DataAccessPort.PDAF)));
    }

    @Test
    void aNewAnswerReplacesTheOppositeKind() {
        NameCache cache = cache(Duration.ofMinutes(1), Duration.ofSeconds(2));
        cache.put(0, Q, new Resolution.NotFound(FAILOVER, "not yet", Duration.ofSeconds(5)));
        Resolution r = resolved(FAILOVER, Duration.ofSeconds(5), 12);
        cache.put(0, Q, r);
        assertSame(r, cache.get(0, Q));
        assertEquals(0, cache.negativeSize());
    }

    @Test
    void invalidateDropsEveryEntryOfTheNameOnly() {
        NameCache cache = cache(Duration.ofMinutes(1), Duration.ofSeconds(2));
        cache.put(0, Q, resolved(FAILOVER, Duration.ofSeconds(5), 12));
        cache.put(1, new NameQuery(FAILOVER, DataAccessPort.DAFS), resolved(FAILOVER, Duration.ofSeconds(5), 12));
        cache.put(2, Q, new Resolution.NotFound(FAILOVER, "no", Duration.ofSeconds(5)));
        NameQuery a = new NameQuery(FILER_A, DataAccessPort.DAFS);
        cache.put(0, a, resolved(FILER_A, Duration.ofSeconds(5), 11));
        assertEquals(3, cache.invalidate(ServerName.of("FILERA-failover")));
        assertNull(cache.get(0, Q));
        assertNull(cache.get(2, Q));
        assertInstanceOf(Resolution.Resolved.class, cache.get(0, a), "other names stay");
    }

    @Test
    void bothTablesAreBoundedAndDropTheLeastRecentlyUsed() {
        NameCache cache = new NameCache(clock, Duration.ofMinutes(1), Duration.ofSeconds(2), 3, 2);
        for (int i = 0; i < 3; i++) {
            cache.put(0, query(i), resolved(query(i).name(), Duration.ofSeconds(30), 10 + i));
        }
        cache.get(0, query(0)); // touch 0: 1 is now the least recently used
        cache.put(0, query(3), resolved(query(3).name(), Duration.ofSeconds(30), 13));
        assertEquals(3, cache.size());
        assertNull(cache.get(0, query(1)));
        assertInstanceOf(Resolution.Resolved.class, cache.get(0, query(0)));
        for (int i = 10; i < 15; i++) {
            cache.put(0, query(i), new Resolution.NotFound(query(i).name(), "no", Duration.ofSeconds(2)));
        }
        assertEquals(2, cache.negativeSize());
        assertInstanceOf(Resolution.NotFound.class, cache.get(0, query(14)));
        assertNull(cache.get(0, query(10)));
    }

    private static NameQuery query(int i) {
        return new NameQuery(ServerName.of("filer" + i), DataAccessPort.DAFS);
    }

    private NameCache cache(Duration maxTtl, Duration negativeTtl) {
        return new NameCache(clock, maxTtl, negativeTtl, 16, 16);
    }

    static Resolution.Resolved resolved(ServerName name, Duration ttl, int lastOctet) {
        try {
            List<Endpoint> eps = List.of(InetEndpoint.of(InetAddress.getByAddress(new byte[]{127, 0, 0, (byte) lastOctet})));
            return new Resolution.Resolved(name, eps, ttl, "test table");
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
