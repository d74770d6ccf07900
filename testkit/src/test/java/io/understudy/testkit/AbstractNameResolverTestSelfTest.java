package io.understudy.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.Endpoint;
import io.understudy.api.InetEndpoint;
import io.understudy.api.ServerName;
import io.understudy.api.spi.Availability;
import io.understudy.api.spi.ProviderContext;
import io.understudy.spi.naming.NameQuery;
import io.understudy.spi.naming.NameResolver;
import io.understudy.spi.naming.NameResolverProvider;
import io.understudy.spi.naming.Resolution;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * The naming suite passes a correct in-memory resolver and catches each deliberately broken one: a suite
 * that cannot fail would prove nothing about the plugins that pass it.
 */
class AbstractNameResolverTestSelfTest {

    /** How a fake resolver is broken. */
    enum Flaw { NONE, CASE_SENSITIVE, REVERSED, FAILED_FOR_UNKNOWN, THROWS_FOR_UNKNOWN, NULL_FOR_UNKNOWN, NEGATIVE_TTL,
        BAD_ID, CLOSE_TWICE_THROWS, FLAKY, IGNORES_SECOND_ADDRESS }

    @Test
    void aCorrectResolverPassesEverything() {
        TestExecutionSummary s = run(Correct.class);
        assertEquals(0, s.getTotalFailureCount(), () -> failedTests(s).toString());
        long tests = Arrays.stream(AbstractNameResolverTest.class.getDeclaredMethods()).filter(m -> m.isAnnotationPresent(Test.class)).count();
        assertTrue(tests >= 18, "the suite has its tests: " + tests);
        assertEquals(tests, s.getTestsSucceededCount(), "every test ran and passed");
    }

    @Test
    void eachFlawIsCaught() {
        assertCaught(CaseSensitive.class, "namesMatchIgnoringCase", "namesMatchIgnoringATrailingDot");
        assertCaught(Reversed.class, "severalAddressesAreRankedCandidatesInSourceOrder");
        assertCaught(FailedForUnknown.class, "unknownNameIsNotFoundWithAReason", "ttlsAreNotNegative");
        assertCaught(ThrowsForUnknown.class, "unknownNameIsNotFoundWithAReason");
        assertCaught(NullForUnknown.class, "unknownNameIsNotFoundWithAReason", "resolveNeverReturnsNullAndNamesTheQuery");
        assertCaught(NegativeTtl.class, "ttlsAreNotNegative", "resolvesPrimaryName");
        assertCaught(BadId.class, "providerIdIsLowerCaseLettersDigitsAndHyphens");
        assertCaught(CloseTwiceThrows.class, "closeIsIdempotent");
        assertCaught(Flaky.class, "concurrentResolvesAgree");
        assertCaught(IgnoresSecondAddress.class, "severalAddressesAreRankedCandidatesInSourceOrder");
    }

    private static void assertCaught(Class<?> suite, String... tests) {
        TestExecutionSummary s = run(suite);
        Set<String> failed = failedTests(s);
        for (String t : tests) {
            assertTrue(failed.contains(t), () -> suite.getSimpleName() + " should fail " + t + "; failed: " + failed);
        }
    }

    private static TestExecutionSummary run(Class<?> suite) {
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request()
                .selectors(DiscoverySelectors.selectClass(suite)).build(), listener);
        return listener.getSummary();
    }

    private static Set<String> failedTests(TestExecutionSummary s) {
        Set<String> names = new TreeSet<>();
        s.getFailures().forEach(f -> names.add(f.getTestIdentifier().getDisplayName().replace("()", "")));
        return names;
    }

    // ---- the fakes --------------------------------------------------------------------------------------

    abstract static class Fake extends AbstractNameResolverTest {
        abstract Flaw flaw();

        @Override
        protected NameResolverProvider provider() {
            return new MapProvider(flaw(), Map.of());
        }

        @Override
        protected NameResolver open(Map<ServerName, List<InetAddress>> records) {
            return new MapProvider(flaw(), records).open(ProviderContext.builder().clock(new ManualClock()).build());
        }
    }

    static final class Correct extends Fake {
        @Override
        Flaw flaw() {
            return Flaw.NONE;
        }
    }

    static final class CaseSensitive extends Fake {
        @Override
        Flaw flaw() {
            return Flaw.CASE_SENSITIVE;
        }
    }

    static final class Reversed extends Fake {
        @Override
        Flaw flaw() {
            return Flaw.REVERSED;
        }
    }

    static final class FailedForUnknown extends Fake {
        @Override
        Flaw flaw() {
            return Flaw.FAILED_FOR_UNKNOWN;
        }
    }

    static final class ThrowsForUnknown extends Fake {
        @Override
        Flaw flaw() {
            return Flaw.THROWS_FOR_UNKNOWN;
        }
    }

    static final class NullForUnknown extends Fake {
        @Override
        Flaw flaw() {
            return Flaw.NULL_FOR_UNKNOWN;
        }
    }

    static final class NegativeTtl extends Fake {
        @Override
        Flaw flaw() {
            return Flaw.NEGATIVE_TTL;
        }
    }

    static final class BadId extends Fake {
        @Override
        Flaw flaw() {
            return Flaw.BAD_ID;
        }
    }

    static final class CloseTwiceThrows extends Fake {
        @Override
        Flaw flaw() {
            return Flaw.CLOSE_TWICE_THROWS;
        }
    }

    static final class Flaky extends Fake {
        @Override
        Flaw flaw() {
            return Flaw.FLAKY;
        }
    }

    static final class IgnoresSecondAddress extends Fake {
        @Override
        Flaw flaw() {
            return Flaw.IGNORES_SECOND_ADDRESS;
        }
    }

    /** An in-memory resolver over a map, correct unless told to be broken one way. */
    static final class MapProvider extends NameResolverProvider {
        private final Flaw flaw;
        private final Map<ServerName, List<InetAddress>> records;

        MapProvider(Flaw flaw, Map<ServerName, List<InetAddress>> records) {
            this.flaw = flaw;
            this.records = records;
        }

        @Override
        public String id() {
            return flaw == Flaw.BAD_ID ? "Map_Resolver" : "map";
        }

        @Override
        public Availability availability() {
            return Availability.available();
        }

        @Override
        public Set<Class<? extends Endpoint>> producedTypes() {
            return Set.of(InetEndpoint.class);
        }

        @Override
        public NameResolver open(ProviderContext context) {
            AtomicInteger calls = new AtomicInteger();
            AtomicBoolean closed = new AtomicBoolean();
            return new NameResolver() {
                @Override
                public Resolution resolve(NameQuery query) {
                    ServerName name = query.name();
                    List<InetAddress> found = null;
                    for (Map.Entry<ServerName, List<InetAddress>> e : records.entrySet()) {
                        boolean match = flaw == Flaw.CASE_SENSITIVE ? e.getKey().value().equals(name.value()) : e.getKey().matches(name);
                        if (match) {
                            found = e.getValue();
                        }
                    }
                    if (flaw == Flaw.FLAKY && calls.incrementAndGet() % 97 == 0) {
                        found = null;
                    }
                    if (found == null) {
                        return switch (flaw) {
                            case FAILED_FOR_UNKNOWN -> new Resolution.Failed(name, "server failure", null);
                            case THROWS_FOR_UNKNOWN -> throw new IllegalStateException("no such name");
                            case NULL_FOR_UNKNOWN -> null;
                            default -> new Resolution.NotFound(name, "not in the map", Duration.ZERO);
                        };
                    }
                    List<InetAddress> order = new ArrayList<>(found);
                    if (flaw == Flaw.REVERSED) {
                        order = order.reversed();
                    }
                    if (flaw == Flaw.IGNORES_SECOND_ADDRESS && order.size() > 1) {
                        order.remove(1);
                    }
                    List<Endpoint> candidates = order.stream().<Endpoint>map(InetEndpoint::of).toList();
                    return new Resolution.Resolved(name, candidates, flaw == Flaw.NEGATIVE_TTL ? Duration.ofSeconds(-1) : Duration.ofSeconds(1), "map");
                }

                @Override
                public void close() {
                    if (!closed.compareAndSet(false, true) && flaw == Flaw.CLOSE_TWICE_THROWS) {
                        throw new IllegalStateException("already closed");
                    }
                }
            };
        }
    }
}
