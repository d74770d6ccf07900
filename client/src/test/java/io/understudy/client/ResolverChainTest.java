package io.understudy.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.DataAccessPort;
import io.understudy.api.ServerName;
import io.understudy.spi.naming.NameQuery;
import io.understudy.spi.naming.NameResolver;
import io.understudy.spi.naming.Resolution;
import io.understudy.testkit.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The resolver order, the not-found policy and the cache, with scripted in-memory resolvers. */
class ResolverChainTest {

    private static final ServerName NAME = ServerName.of("FilerA-failover");

    private final ManualClock clock = new ManualClock();
    private final NameCache cache = new NameCache(clock, Duration.ofMinutes(1), Duration.ofSeconds(2), 16, 16);

    /** A resolver that answers from a function and counts its calls. */
    static final class Scripted implements NameResolver {
        final String label;
        final Function<NameQuery, Resolution> answer;
        final List<NameQuery> asked = new ArrayList<>();

        Scripted(String label, Function<NameQuery, Resolution> answer) {
            this.label = label;
            this.answer = answer;
        }

        @Override
        public synchronized Resolution resolve(NameQuery query) {
            asked.add(query);
            return answer.apply(query);
        }

        @Override
        public void close() {
        }

        @Override
        public String toString() {
            return label;
        }
    }

    @Test
    void theFirstResolverThatKnowsTheNameAnswersAndLaterOnesAreNotAsked() {
        Scripted hosts = new Scripted("hosts", q -> new Resolution.NotFound(q.name(), "not in /etc/hosts", Duration.ofSeconds(5)));
        Scripted dns = new Scripted("dns", q -> NameCacheTest.resolved(q.name(), Duration.ofSeconds(30), 12));
        Scripted third = new Scripted("third", q -> { throw new AssertionError("not reached"); });
        ResolverChain chain = new ResolverChain(List.of(hosts, dns, third), NotFoundPolicy.TRY_NEXT, cache);

        ResolverChain.Found f = assertInstanceOf(ResolverChain.Found.class, chain.lookup(NAME, DataAccessPort.PDAF));
        assertEquals("127.0.0.12", f.candidates().getFirst().describe());
        assertTrue(f.source().startsWith("dns: "), f.source());
        assertEquals(List.of(new NameQuery(NAME, DataAccessPort.PDAF)), dns.asked, "asked with the port it is wanted for");
        assertEquals(0, third.asked.size());
    }

    @Test
    void answersComeFromTheCacheUntilTheyExpireOrAreInvalidated() {
        Scripted hosts = new Scripted("hosts", q -> new Resolution.NotFound(q.name(), "not in /etc/hosts", Duration.ofSeconds(5)));
        Scripted dns = new Scripted("dns", q -> NameCacheTest.resolved(q.name(), Duration.ofSeconds(30), 12));
        ResolverChain chain = new ResolverChain(List.of(hosts, dns), NotFoundPolicy.TRY_NEXT, cache);
        chain.lookup(NAME, DataAccessPort.PDAF);
        ResolverChain.Found again = assertInstanceOf(ResolverChain.Found.class, chain.lookup(NAME, DataAccessPort.PDAF));
        assertTrue(again.source().startsWith("dns (cached): "), again.source());
        assertEquals(1, hosts.asked.size(), "negative answer cached");
        assertEquals(1, dns.asked.size(), "positive answer cached");

        clock.advanceMillis(2_000); // the negative entry (capped at 2 s) expires, the positive one (30 s) does not
        chain.lookup(NAME, DataAccessPort.PDAF);
        assertEquals(2, hosts.asked.size());
        assertEquals(1, dns.asked.size());

        chain.invalidate(NAME);
        chain.lookup(NAME, DataAccessPort.PDAF);
        assertEquals(3, hosts.asked.size());
        assertEquals(2, dns.asked.size());
    }

    @Test
    void withPolicyFailTheFirstNotFoundIsFinal() {
        Scripted hosts = new Scripted("hosts", q -> new Resolution.NotFound(q.name(), "not in /etc/hosts", Duration.ofSeconds(5)));
        Scripted dns = new Scripted("dns", q -> NameCacheTest.resolved(q.name(), Duration.ofSeconds(30), 12));
        ResolverChain chain = new ResolverChain(List.of(hosts, dns), NotFoundPolicy.FAIL, cache);
        ResolverChain.Missing m = assertInstanceOf(ResolverChain.Missing.class, chain.lookup(NAME, DataAccessPort.PDAF));
        assertTrue(m.why().contains("hosts not found: not in /etc/hosts"), m.why());
        assertTrue(m.why().contains("later resolvers not asked"), m.why());
        assertEquals(0, dns.asked.size());
    }

    @Test
    void aFailedOrThrowingResolverIsSkippedWhateverThePolicy() {
        Scripted broken = new Scripted("dns-1", q -> new Resolution.Failed(q.name(), "SERVFAIL from 127.0.0.1:5353", null));
        Scripted throwing = new Scripted("buggy", q -> { throw new IllegalStateException("boom"); });
        Scripted nulls = new Scripted("nulls", q -> null);
        Scripted hosts = new Scripted("hosts", q -> NameCacheTest.resolved(q.name(), Duration.ofSeconds(5), 12));
        ResolverChain chain = new ResolverChain(List.of(broken, throwing, nulls, hosts), NotFoundPolicy.FAIL, cache);
        assertInstanceOf(ResolverChain.Found.class, chain.lookup(NAME, DataAccessPort.PDAF));
        chain.lookup(NAME, DataAccessPort.PDAF);
        assertEquals(2, broken.asked.size(), "failures are not cached");
    }

    @Test
    void whenNothingResolvesTheAnswerSaysWhatEachResolverSaidInOrder() {
        Scripted hosts = new Scripted("hosts", q -> new Resolution.NotFound(q.name(), "'" + q.name() + "' is not in /tmp/hosts", Duration.ofSeconds(5)));
        Scripted dns = new Scripted("dns", q -> new Resolution.Failed(q.name(), "timed out asking 127.0.0.1:5353", null));
        ResolverChain chain = new ResolverChain(List.of(hosts, dns), NotFoundPolicy.TRY_NEXT, cache);
        ResolverChain.Missing m = assertInstanceOf(ResolverChain.Missing.class, chain.lookup(NAME, DataAccessPort.PDAF));
        assertEquals("hosts not found: 'FilerA-failover' is not in /tmp/hosts; dns failed: timed out asking 127.0.0.1:5353", m.why());
        assertEquals(List.of("hosts", "dns"), chain.labels());
    }
}
