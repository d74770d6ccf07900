package io.understudy.testkit;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.understudy.api.DataAccessPort;
import io.understudy.api.Endpoint;
import io.understudy.api.FailoverNaming;
import io.understudy.api.InetEndpoint;
import io.understudy.api.ServerName;
import io.understudy.api.spi.Availability;
import io.understudy.spi.naming.NameQuery;
import io.understudy.spi.naming.NameResolver;
import io.understudy.spi.naming.NameResolverProvider;
import io.understudy.spi.naming.Resolution;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The conformance suite for name resolvers that produce {@link InetEndpoint}s (hosts files, DNS, a user's
 * own directory). A plugin subclasses it, says which provider it tests, and says how to open a resolver
 * whose source holds given records (write a hosts file, write a DNS zone and start a server); the suite
 * then checks the contract of {@link NameResolverProvider}, {@link NameResolver} and {@link Resolution}:
 *
 * <ul>
 *   <li>provider basics: a well-formed id, an availability that never throws and does not change, a
 *       priority of 0-10, declared endpoint types, a {@code toString} naming id and priority;</li>
 *   <li>the seed's names resolve: {@code FilerA}, and its failover name {@code FilerA-failover} as the
 *       default naming convention computes it, for either data-access port;</li>
 *   <li>several addresses for one name come back as ranked candidates in the order the source gives them
 *       (unless {@link #preservesOrder()} says the source cannot keep an order); IPv6 records work;</li>
 *   <li>an unknown name is {@link Resolution.NotFound} with a reason, not {@code Failed} and not an
 *       exception; names match ignoring case and a trailing dot;</li>
 *   <li>TTLs are not negative; {@code resolve} never returns null; many threads resolving at once agree;
 *       {@code close} is idempotent.</li>
 * </ul>
 *
 * <p>Each test opens a fresh resolver with {@link #open(Map)} over {@link #RECORDS} and closes it afterwards
 * ({@code closeIsIdempotent} opens a second one). The source may hold other names too (a hosts file has
 * {@code localhost}), but none of {@link #UNKNOWN}. Tests call the resolver from the JUnit thread, except
 * {@code concurrentResolvesAgree}, which uses eight threads and waits for them with bounded timeouts; nothing
 * sleeps, so a resolver that depends on time should be given a {@link ManualClock}. A subclass may switch a
 * test off by overriding its method without {@code @Test}, and should say why.
 *
 * <p>Usage:
 * <pre>{@code
 * class MyResolverTest extends AbstractNameResolverTest {
 *     @Override protected NameResolverProvider provider() { return new MyResolverProvider(); }
 *     @Override protected NameResolver open(Map<ServerName, List<InetAddress>> records) {
 *         // put the records where the provider will look, then:
 *         return provider().open(ProviderContext.builder().option(MyOptions.SOURCE, ...).build());
 *     }
 * }
 * }</pre>
 *
 * @since 0.1
 */
public abstract class AbstractNameResolverTest {

    /** A primary server name, as the seed writes it. */
    public static final ServerName FILER_A = ServerName.of("FilerA");
    /** Its failover name under the default convention. */
    public static final ServerName FILER_A_FAILOVER = FailoverNaming.DEFAULT.failoverName(FILER_A);
    /** A second primary. */
    public static final ServerName FILER_B = ServerName.of("FilerB");
    /** A failover name with three candidates: IPv4, IPv6, IPv4, in that rank order. */
    public static final ServerName FILER_B_FAILOVER = FailoverNaming.DEFAULT.failoverName(FILER_B);
    /** A fully qualified failover name with an IPv6 address only. */
    public static final ServerName FILER_C_FAILOVER = ServerName.of("filerc-failover.example.com");
    /** Names that must not be in the source. */
    public static final List<ServerName> UNKNOWN = List.of(ServerName.of("FilerZ-failover"), ServerName.of("nothere.example.com"));

    /**
     * The records each test's source holds, in insertion order; addresses in rank order. Addresses are from
     * the documentation ranges (RFC 5737, RFC 3849).
     */
    public static final Map<ServerName, List<InetAddress>> RECORDS = records();

    private NameResolver resolver;

    /** For subclasses. */
    protected AbstractNameResolverTest() {
    }

    /** {@return the provider under test; a new or shared instance} */
    protected abstract NameResolverProvider provider();

    /**
     * Opens a resolver from {@link #provider()} whose source holds exactly these records (and possibly other
     * names, but none in {@link #UNKNOWN}).
     *
     * @param records each name and its addresses in rank order; names as written, in mixed case
     * @return an open resolver; the suite closes it
     * @throws Exception if the source cannot be set up
     */
    protected abstract NameResolver open(Map<ServerName, List<InetAddress>> records) throws Exception;

    /**
     * {@return whether the source keeps the order of a name's addresses} True by default; a DNS server that
     * rotates its answers returns false, and the suite then compares candidates as sets.
     */
    protected boolean preservesOrder() {
        return true;
    }

    /** {@return the resolver opened for the current test} */
    protected final NameResolver resolver() {
        return resolver;
    }

    /**
     * Opens the resolver for a test.
     *
     * @throws Exception if {@link #open(Map)} does
     */
    @BeforeEach
    protected final void openResolver() throws Exception {
        resolver = open(RECORDS);
        assertNotNull(resolver, "open(records) returned null");
    }

    /** Closes the resolver after a test. */
    @AfterEach
    protected final void closeResolver() {
        if (resolver != null) {
            resolver.close();
        }
    }

    // ---- provider basics --------------------------------------------------------------------------------

    /** The id is what configuration selects by: 1-32 lower-case letters, digits and hyphens. */
    @Test
    public void providerIdIsLowerCaseLettersDigitsAndHyphens() {
        String id = provider().id();
        assertNotNull(id, "id()");
        assertTrue(id.matches("[a-z0-9][a-z0-9-]{0,31}"), () -> "id '" + id + "' is not 1-32 lower-case letters, digits and hyphens");
    }

    /** {@code availability()} does not throw, is not null, does not change between calls, and is available. */
    @Test
    public void providerAvailabilityNeverThrowsAndIsStable() {
        NameResolverProvider p = provider();
        Availability first = assertDoesNotThrow(p::availability, "availability() must not throw");
        assertNotNull(first, "availability()");
        assertEquals(first.isAvailable(), p.availability().isAvailable(), "availability changed between calls");
        assertTrue(first.isAvailable(), () -> "the suite runs only against an available provider, but: " + first);
    }

    /** The priority is within 0-10. */
    @Test
    public void providerPriorityIsZeroToTen() {
        int priority = provider().priority();
        assertTrue(priority >= 0 && priority <= 10, () -> "priority " + priority + " is outside 0-10");
    }

    /** The provider declares what it produces, and that includes {@link InetEndpoint}. */
    @Test
    public void providerProducesInetEndpoints() {
        var types = provider().producedTypes();
        assertNotNull(types, "producedTypes()");
        assertFalse(types.isEmpty(), "producedTypes() is empty; a resolver must say what it produces");
        assertTrue(types.stream().anyMatch(t -> t.isAssignableFrom(InetEndpoint.class)),
                () -> "this suite is for resolvers that produce InetEndpoint; the provider declares " + types);
    }

    /** {@code toString()} shows the id and the priority, for diagnostics. */
    @Test
    public void providerToStringShowsIdAndPriority() {
        NameResolverProvider p = provider();
        String s = p.toString();
        assertTrue(s.contains(p.id()), () -> "toString '" + s + "' does not show the id " + p.id());
        assertTrue(s.contains("priority " + p.priority()), () -> "toString '" + s + "' does not show the priority");
    }

    // ---- resolving --------------------------------------------------------------------------------------

    /** A primary server name resolves to its address. */
    @Test
    public void resolvesPrimaryName() {
        assertResolvesTo(FILER_A, RECORDS.get(FILER_A), resolve(FILER_A));
    }

    /** The failover name computed by {@link FailoverNaming#DEFAULT} resolves (Fig. 6 of the seed). */
    @Test
    public void resolvesFailoverNameComputedByTheDefaultConvention() {
        ServerName failover = FailoverNaming.DEFAULT.failoverName(ServerName.of("FilerA"));
        assertEquals("FilerA-failover", failover.value(), "the default convention");
        assertResolvesTo(failover, RECORDS.get(FILER_A_FAILOVER), resolve(failover));
    }

    /** The failover name resolves for the primary and the secondary data-access port alike. */
    @Test
    public void resolvesTheSameCandidatesForEitherDataAccessPort() {
        Resolution primary = resolver.resolve(new NameQuery(FILER_A_FAILOVER, DataAccessPort.DAFS));
        Resolution secondary = resolver.resolve(new NameQuery(FILER_A_FAILOVER, DataAccessPort.PDAF));
        assertResolvesTo(FILER_A_FAILOVER, RECORDS.get(FILER_A_FAILOVER), primary);
        assertResolvesTo(FILER_A_FAILOVER, RECORDS.get(FILER_A_FAILOVER), secondary);
    }

    /** A name with three addresses gives three candidates, in the source's order. */
    @Test
    public void severalAddressesAreRankedCandidatesInSourceOrder() {
        List<InetAddress> expected = RECORDS.get(FILER_B_FAILOVER);
        assertEquals(3, expected.size(), "fixture");
        assertResolvesTo(FILER_B_FAILOVER, expected, resolve(FILER_B_FAILOVER));
    }

    /** A fully qualified name with only an IPv6 address resolves to an {@link Inet6Address}. */
    @Test
    public void resolvesIpv6OnlyName() {
        Resolution r = resolve(FILER_C_FAILOVER);
        assertResolvesTo(FILER_C_FAILOVER, RECORDS.get(FILER_C_FAILOVER), r);
        Resolution.Resolved ok = (Resolution.Resolved) r;
        assertInstanceOf(Inet6Address.class, ((InetEndpoint) ok.candidates().getFirst()).address());
    }

    /** An unknown name is {@code NotFound} with a reason: not {@code Failed}, not an exception. */
    @Test
    public void unknownNameIsNotFoundWithAReason() {
        for (ServerName name : UNKNOWN) {
            Resolution r = assertDoesNotThrow(() -> resolver.resolve(NameQuery.of(name)), "resolve must not throw for an unknown name");
            assertNotFound(name, r);
        }
    }

    /** Names match ignoring case, as name services compare them. */
    @Test
    public void namesMatchIgnoringCase() {
        for (String spelling : List.of("filera-failover", "FILERA-FAILOVER", "fIlErA-FaIlOvEr")) {
            ServerName name = ServerName.of(spelling);
            Resolution r = resolve(name);
            assertResolvesTo(name, RECORDS.get(FILER_A_FAILOVER), r);
        }
        assertResolvesTo(ServerName.of("FILERC-FAILOVER.EXAMPLE.COM"), RECORDS.get(FILER_C_FAILOVER),
                resolve(ServerName.of("FILERC-FAILOVER.EXAMPLE.COM")));
    }

    /** An absolute name (trailing dot) matches the same record. */
    @Test
    public void namesMatchIgnoringATrailingDot() {
        ServerName absolute = ServerName.of("filerc-failover.example.com.");
        assertResolvesTo(absolute, RECORDS.get(FILER_C_FAILOVER), resolve(absolute));
    }

    /** Every answer, found or not, carries a TTL that is not negative. */
    @Test
    public void ttlsAreNotNegative() {
        for (ServerName name : names()) {
            switch (resolve(name)) {
                case Resolution.Resolved r -> assertFalse(r.ttl().isNegative(), () -> name + ": negative TTL " + r.ttl());
                case Resolution.NotFound n -> assertFalse(n.ttl().isNegative(), () -> name + ": negative TTL " + n.ttl());
                case Resolution.Failed f -> fail(name + ": resolution failed: " + f.reason(), f.cause());
            }
        }
    }

    /** {@code resolve} never returns null, for any name and port, and the answer names the name asked. */
    @Test
    public void resolveNeverReturnsNullAndNamesTheQuery() {
        for (ServerName name : names()) {
            for (DataAccessPort port : List.of(DataAccessPort.DAFS, DataAccessPort.PDAF, DataAccessPort.of("vol7"))) {
                Resolution r = resolver.resolve(new NameQuery(name, port));
                assertNotNull(r, () -> "resolve(" + name + ", " + port + ") returned null");
                assertEquals(name, r.name(), "a resolution names the query's name, as written");
            }
        }
    }

    /** Every candidate is an instance of a type the provider declares it produces. */
    @Test
    public void candidatesAreOfADeclaredType() {
        var types = provider().producedTypes();
        for (ServerName name : RECORDS.keySet()) {
            if (resolve(name) instanceof Resolution.Resolved r) {
                for (Endpoint e : r.candidates()) {
                    assertTrue(types.stream().anyMatch(t -> t.isInstance(e)),
                            () -> name + ": candidate " + e + " is a " + e.getClass().getName() + ", not one of the declared " + types);
                }
            } else {
                fail(name + " did not resolve");
            }
        }
    }

    /**
     * Eight threads resolving every name at once get the same answers as one thread.
     *
     * @throws Exception if the test is interrupted or a worker fails
     */
    @Test
    public void concurrentResolvesAgree() throws Exception {
        int threads = 8;
        int rounds = 50;
        Map<ServerName, String> expected = new LinkedHashMap<>();
        for (ServerName name : names()) {
            expected.put(name, summary(resolve(name)));
        }
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<List<String>>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Callable<List<String>> task = () -> {
                    assertTrue(start.await(30, TimeUnit.SECONDS), "start gate");
                    List<String> mismatches = new ArrayList<>();
                    for (int i = 0; i < rounds; i++) {
                        for (Map.Entry<ServerName, String> e : expected.entrySet()) {
                            String got = summary(resolver.resolve(NameQuery.of(e.getKey())));
                            if (!got.equals(e.getValue())) {
                                mismatches.add(e.getKey() + ": expected " + e.getValue() + " but got " + got);
                            }
                        }
                    }
                    return mismatches;
                };
                results.add(pool.submit(task));
            }
            start.countDown();
            for (Future<List<String>> f : results) {
                List<String> mismatches = f.get(60, TimeUnit.SECONDS);
                assertTrue(mismatches.isEmpty(), () -> mismatches.size() + " answers disagreed, first: " + mismatches.getFirst());
            }
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS), "resolver threads did not finish");
        }
    }

    /**
     * {@code close} may be called twice, on a resolver that was used.
     *
     * @throws Exception if the test is interrupted or a worker fails
     */
    @Test
    public void closeIsIdempotent() throws Exception {
        NameResolver extra = open(RECORDS);
        assertResolvesTo(FILER_A, RECORDS.get(FILER_A), extra.resolve(NameQuery.of(FILER_A)));
        assertDoesNotThrow(extra::close, "first close");
        assertDoesNotThrow(extra::close, "second close");
        assertDoesNotThrow(resolver::close, "closing the per-test resolver early");
        assertDoesNotThrow(resolver::close, "and again");
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    /**
     * {@return the resolver's answer for a name on the primary port, checked to be non-null}
     *
     * @param name the name
     */
    protected final Resolution resolve(ServerName name) {
        Resolution r = resolver.resolve(NameQuery.of(name));
        assertNotNull(r, () -> "resolve(" + name + ") returned null");
        return r;
    }

    /**
     * Asserts that a resolution is {@link Resolution.Resolved} to exactly these addresses (in order, unless
     * {@link #preservesOrder()} is false), with a non-negative TTL and a source.
     *
     * @param name     the name that was asked
     * @param expected the addresses
     * @param actual   the resolution
     */
    protected final void assertResolvesTo(ServerName name, List<InetAddress> expected, Resolution actual) {
        assertNotNull(actual, () -> "resolve(" + name + ") returned null");
        if (!(actual instanceof Resolution.Resolved r)) {
            fail(name + " should resolve to " + expected + " but the answer was " + actual,
                    actual instanceof Resolution.Failed f ? f.cause() : null);
            return;
        }
        List<InetAddress> got = new ArrayList<>();
        for (Endpoint e : r.candidates()) {
            got.add(assertInstanceOf(InetEndpoint.class, e, () -> name + ": candidate type").address());
        }
        if (preservesOrder()) {
            assertEquals(expected, got, () -> name + ": candidates, in rank order");
        } else {
            assertEquals(new HashSet<>(expected), new HashSet<>(got), () -> name + ": candidates, in any order");
            assertEquals(expected.size(), got.size(), () -> name + ": duplicate candidates in " + got);
        }
        assertAll(
                () -> assertTrue(r.name().matches(name), () -> "answer names " + r.name() + ", asked " + name),
                () -> assertFalse(r.ttl().isNegative(), () -> name + ": negative TTL " + r.ttl()),
                () -> assertFalse(r.source().isBlank(), () -> name + ": the answer does not say where it came from"));
    }

    /**
     * Asserts that a resolution is {@link Resolution.NotFound} for the name, with a reason and a TTL that is
     * not negative.
     *
     * @param name   the name that was asked
     * @param actual the resolution
     */
    protected static void assertNotFound(ServerName name, Resolution actual) {
        assertNotNull(actual, () -> "resolve(" + name + ") returned null");
        Resolution.NotFound nf = assertInstanceOf(Resolution.NotFound.class, actual,
                () -> name + " is not in the source, so the answer must be NotFound (so the next resolver is tried), not " + actual);
        assertEquals(name, nf.name(), "NotFound names the query");
        assertFalse(nf.reason().isBlank(), "NotFound says what was looked at");
        assertFalse(nf.ttl().isNegative(), "negative TTL");
    }

    /**
     * {@return an address from its bytes, without any lookup}
     *
     * @param bytes 4 or 16 bytes, as ints 0-255
     */
    protected static InetAddress address(int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            b[i] = (byte) bytes[i];
        }
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("an address has 4 or 16 bytes, got " + bytes.length, e);
        }
    }

    private static List<ServerName> names() {
        List<ServerName> all = new ArrayList<>(RECORDS.keySet());
        all.addAll(UNKNOWN);
        return all;
    }

    /**
     * Outcome and addresses, comparable across threads; candidates in order, or sorted where
     * {@link #preservesOrder()} says the source may rotate them (a DNS server's round robin).
     */
    private String summary(Resolution r) {
        return switch (r) {
            case null -> "null";
            case Resolution.Resolved ok -> "resolved " + (preservesOrder() ? ok.candidates().toString()
                    : ok.candidates().stream().map(Endpoint::describe).sorted().toList().toString());
            case Resolution.NotFound nf -> "not found";
            case Resolution.Failed f -> "failed: " + f.reason();
        };
    }

    private static Map<ServerName, List<InetAddress>> records() {
        Map<ServerName, List<InetAddress>> m = new LinkedHashMap<>();
        m.put(FILER_A, List.of(address(192, 0, 2, 10)));
        m.put(FILER_A_FAILOVER, List.of(address(192, 0, 2, 11)));
        m.put(FILER_B, List.of(address(192, 0, 2, 20)));
        m.put(FILER_B_FAILOVER, List.of(address(192, 0, 2, 21),
                address(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x21),
                address(192, 0, 2, 22)));
        m.put(FILER_C_FAILOVER, List.of(address(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x31)));
        return Collections.unmodifiableMap(m);
    }
}
