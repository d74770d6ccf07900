package io.understudy.naming.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.DataAccessPort;
import io.understudy.api.Endpoint;
import io.understudy.api.InetEndpoint;
import io.understudy.api.ServerName;
import io.understudy.api.spi.ProviderContext;
import io.understudy.spi.naming.NameQuery;
import io.understudy.spi.naming.Resolution;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;

/**
 * What the DNS resolver does beyond the conformance suite, against dnsmasq (SRV ranking and ports, search
 * domains, TCP fallback, NXDOMAIN and NODATA, a record that changes) and against a fake server for what
 * dnsmasq will not do on demand (silence, garbage, SERVFAIL, an SOA with a negative TTL).
 */
class DnsResolverBehaviourTest {

    static final DataAccessPort PDAF = DataAccessPort.PDAF;
    static final DataAccessPort DAFS = DataAccessPort.DAFS;

    private static Path dir;
    private static Dnsmasq dnsmasq;
    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @BeforeAll
    static void startDnsmasq() throws Exception {
        dir = Files.createTempDirectory("understudy-dns-behaviour");
        List<String> hosts = new ArrayList<>(List.of(
                "192.0.2.10 FilerA", "192.0.2.11 FilerA-failover",
                "127.0.0.12 filerb.test", "127.0.0.13 filerc.test",
                "192.0.2.50 short.corp.test", "192.0.2.60 changing.example.com"));
        for (int i = 1; i <= 100; i++) {
            hosts.add("198.51.100." + i + " big.example.com");
        }
        dnsmasq = Dnsmasq.start(dir, hosts,
                "--srv-host=_pdaf._tcp.FilerA-failover,filerc.test,7002,20,0",
                "--srv-host=_pdaf._tcp.FilerA-failover,filerb.test,7001,10,0",
                "--txt-record=txtonly.example.com,hello");
    }

    @AfterAll
    static void stopDnsmasq() {
        if (dnsmasq != null) {
            dnsmasq.close();
        }
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : cleanup.reversed()) {
            c.close();
        }
    }

    // ---- against dnsmasq ---------------------------------------------------------------------------------

    @Test
    void srvCandidatesComeByPriorityAndCarryTheSrvPort() {
        DnsResolver r = open(dnsmasq.server());
        Resolution.Resolved ok = resolved(r.resolve(new NameQuery(ServerName.of("FilerA-failover"), PDAF)));
        assertEquals(List.of(endpoint("127.0.0.12", 7001), endpoint("127.0.0.13", 7002)), ok.candidates(), ok.toString());
        assertTrue(ok.source().contains("_pDAF._tcp.FilerA-failover") && ok.source().contains(dnsmasq.server()), ok.source());
        assertTrue(ok.ttl().compareTo(Duration.ofSeconds(Dnsmasq.LOCAL_TTL)) <= 0 && !ok.ttl().isZero(), ok.ttl().toString());
    }

    @Test
    void withoutAnSrvRecordForThePortTheAddressesComeWithoutAPort() {
        DnsResolver r = open(dnsmasq.server());
        Resolution.Resolved ok = resolved(r.resolve(new NameQuery(ServerName.of("FilerA-failover"), DAFS)));
        assertEquals(List.of(InetEndpoint.of(address("192.0.2.11"))), ok.candidates());
        assertFalse(((InetEndpoint) ok.candidates().getFirst()).hasPort());
        assertEquals(Duration.ofSeconds(Dnsmasq.LOCAL_TTL), ok.ttl(), "the TTL dnsmasq gave");
    }

    @Test
    void srvLookupsCanBeSwitchedOff() {
        DnsResolver r = new DnsResolverProvider().open(context(dnsmasq.server()).setting("dns.srv", "false").build());
        Resolution.Resolved ok = resolved(r.resolve(new NameQuery(ServerName.of("FilerA-failover"), PDAF)));
        assertEquals(List.of(InetEndpoint.of(address("192.0.2.11"))), ok.candidates());
    }

    @Test
    void anUnknownNameIsNxdomainNamingServerAndName() {
        Resolution r = open(dnsmasq.server()).resolve(NameQuery.of(ServerName.of("nothere.example.com")));
        Resolution.NotFound nf = assertInstanceOf(Resolution.NotFound.class, r);
        assertEquals(DnsOutcome.NXDOMAIN, DnsOutcome.of(r), nf.reason());
        assertTrue(nf.reason().contains("nothere.example.com.") && nf.reason().contains(dnsmasq.server()), nf.reason());
    }

    @Test
    void aNameWithoutAddressesIsNodata() {
        Resolution r = open(dnsmasq.server()).resolve(NameQuery.of(ServerName.of("txtonly.example.com")));
        Resolution.NotFound nf = assertInstanceOf(Resolution.NotFound.class, r, r.toString());
        assertEquals(DnsOutcome.NODATA, DnsOutcome.of(r), nf.reason());
        assertTrue(nf.reason().contains("txtonly.example.com.") && nf.reason().contains(dnsmasq.server()), nf.reason());
    }

    /** 100 A records do not fit a UDP answer (512 bytes, or dnsmasq's EDNS limit of 1232): dnsmasq truncates and the resolver retries over TCP. */
    @Test
    void aTruncatedAnswerIsFetchedAgainOverTcp() {
        Resolution.Resolved ok = resolved(open(dnsmasq.server()).resolve(NameQuery.of(ServerName.of("big.example.com"))));
        assertEquals(100, ok.candidates().size(), ok.toString());
        assertTrue(ok.candidates().contains(InetEndpoint.of(address("198.51.100.77"))));
    }

    @Test
    void searchDomainsCompleteNamesWithoutADot() {
        DnsResolver with = new DnsResolverProvider().open(context(dnsmasq.server()).setting("dns.search", "other.test, corp.test").build());
        assertEquals(List.of("short.other.test.", "short.corp.test.", "short."), with.candidates(ServerName.of("short")));
        Resolution.Resolved ok = resolved(with.resolve(NameQuery.of(ServerName.of("short"))));
        assertEquals(List.of(InetEndpoint.of(address("192.0.2.50"))), ok.candidates());
        assertEquals(ServerName.of("short"), ok.name(), "the answer names the name as asked");
        Resolution without = open(dnsmasq.server()).resolve(NameQuery.of(ServerName.of("short")));
        assertEquals(DnsOutcome.NXDOMAIN, DnsOutcome.of(without), without.toString());
        Resolution neither = with.resolve(NameQuery.of(ServerName.of("absent")));
        Resolution.NotFound nf = assertInstanceOf(Resolution.NotFound.class, neither);
        assertTrue(nf.reason().contains("absent.other.test.") && nf.reason().contains("absent.corp.test.")
                && nf.reason().contains("absent."), "every name tried is listed: " + nf.reason());
    }

    /** The resolver caches nothing: once the server has the new record, the next lookup sees it; the TTL says how long the SDK may keep the old one. */
    @Test
    void aChangedRecordIsSeenByTheNextLookup() throws Exception {
        DnsResolver r = open(dnsmasq.server());
        ServerName name = ServerName.of("changing.example.com");
        Resolution.Resolved before = resolved(r.resolve(NameQuery.of(name)));
        assertEquals(List.of(InetEndpoint.of(address("192.0.2.60"))), before.candidates());
        assertEquals(Duration.ofSeconds(Dnsmasq.LOCAL_TTL), before.ttl());
        try {
            List<String> hosts = new ArrayList<>(Files.readAllLines(dir.resolve("dnsmasq.hosts")));
            hosts.replaceAll(l -> l.equals("192.0.2.60 changing.example.com") ? "192.0.2.61 changing.example.com" : l);
            dnsmasq.rewriteHosts(hosts, "changing.example.com", address("192.0.2.61"));
            Resolution.Resolved after = resolved(r.resolve(NameQuery.of(name)));
            assertEquals(List.of(InetEndpoint.of(address("192.0.2.61"))), after.candidates());
        } finally {
            List<String> hosts = new ArrayList<>(Files.readAllLines(dir.resolve("dnsmasq.hosts")));
            hosts.replaceAll(l -> l.equals("192.0.2.61 changing.example.com") ? "192.0.2.60 changing.example.com" : l);
            dnsmasq.rewriteHosts(hosts, "changing.example.com", address("192.0.2.60"));
        }
    }

    @Test
    void aSilentFirstServerIsPassedOverForTheNext() throws Exception {
        FakeDnsServer silent = fake(q -> null);
        DnsResolver r = new DnsResolverProvider().open(context(silent.server() + ", " + dnsmasq.server())
                .setting("dns.timeout", "2s").setting("dns.retries", "0").build());
        Resolution.Resolved ok = resolved(r.resolve(NameQuery.of(ServerName.of("FilerA"))));
        assertEquals(List.of(InetEndpoint.of(address("192.0.2.10"))), ok.candidates());
        assertTrue(silent.queries.get() >= 1, "the first server was asked first");
    }

    // ---- failure modes against a fake server -------------------------------------------------------------

    @Test
    void aServerThatNeverAnswersIsATimeoutWithinTheConfiguredTimeout() throws Exception {
        FakeDnsServer silent = fake(q -> null);
        DnsResolver r = new DnsResolverProvider().open(context(silent.server()).setting("dns.timeout", "300ms").setting("dns.retries", "2").build());
        long start = System.nanoTime();
        Resolution res = r.resolve(new NameQuery(ServerName.of("FilerA-failover"), PDAF));
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        Resolution.Failed f = assertInstanceOf(Resolution.Failed.class, res, res.toString());
        assertEquals(DnsOutcome.TIMEOUT, DnsOutcome.of(res), f.reason());
        assertTrue(f.reason().contains(silent.server()) && f.reason().contains("FilerA-failover"), f.reason());
        assertTrue(tookMs >= 250 && tookMs < 300 + 700, "took " + tookMs + " ms; the timeout is 300 ms");
        long end = System.nanoTime() + 2_000_000_000L;
        while (silent.queries.get() < 3 && System.nanoTime() - end < 0) {
            Thread.sleep(2); // polling interval of a bounded wait: the fake server counts on its own thread
        }
        assertEquals(3, silent.queries.get(), "1 try + 2 retries, each with a third of the timeout");
        DnsLookupException e = assertInstanceOf(DnsLookupException.class, f.cause());
        assertEquals(silent.server(), e.server());
    }

    @Test
    void garbageIsAMalformedAnswer() throws Exception {
        FakeDnsServer garbage = fake(q -> new byte[] {1, 2, 3, 4, 5});
        Resolution res = quick(garbage).resolve(NameQuery.of(ServerName.of("FilerA-failover")));
        assertEquals(DnsOutcome.MALFORMED, DnsOutcome.of(res), res.toString());
        assertTrue(((Resolution.Failed) res).reason().contains(garbage.server()), res.toString());
    }

    @Test
    void anAnswerToAnotherQuestionIsMalformed() throws Exception {
        FakeDnsServer liar = fake(q -> {
            Message m = new Message(q.getHeader().getID());
            m.getHeader().setFlag(Flags.QR);
            m.addRecord(org.xbill.DNS.Record.newRecord(name("elsewhere.example.com."), q.getQuestion().getType(), DClass.IN), Section.QUESTION);
            return m.toWire();
        });
        Resolution res = quick(liar).resolve(NameQuery.of(ServerName.of("FilerA-failover")));
        assertEquals(DnsOutcome.MALFORMED, DnsOutcome.of(res), res.toString());
    }

    @Test
    void servfailAndRefusedAreServerFailures() throws Exception {
        for (int rcode : new int[] {Rcode.SERVFAIL, Rcode.REFUSED}) {
            FakeDnsServer failing = fake(q -> reply(q, rcode).toWire());
            Resolution res = quick(failing).resolve(NameQuery.of(ServerName.of("FilerA-failover")));
            Resolution.Failed f = assertInstanceOf(Resolution.Failed.class, res, res.toString());
            assertEquals(DnsOutcome.SERVFAIL, DnsOutcome.of(res), f.reason());
            assertTrue(f.reason().contains(Rcode.string(rcode)) && f.reason().contains(failing.server()), f.reason());
        }
    }

    @Test
    void aPortWithNoServerIsUnreachable() throws Exception {
        int port;
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            port = s.getLocalPort();
        }
        DnsResolver r = new DnsResolverProvider().open(context("127.0.0.1:" + port).setting("dns.timeout", "1s").build());
        long start = System.nanoTime();
        Resolution res = r.resolve(NameQuery.of(ServerName.of("FilerA-failover")));
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertEquals(DnsOutcome.UNREACHABLE, DnsOutcome.of(res), res.toString());
        assertTrue(((Resolution.Failed) res).reason().contains("127.0.0.1:" + port), res.toString());
        assertTrue(tookMs < 1_000 + 700, "took " + tookMs + " ms");
    }

    /** RFC 2308: the negative TTL is the smaller of the SOA record's own TTL and its MINIMUM field. */
    @Test
    void notFoundCarriesTheNegativeTtlOfTheSoa() throws Exception {
        FakeDnsServer authoritative = fake(q -> {
            Message m = reply(q, Rcode.NXDOMAIN);
            m.addRecord(new SOARecord(name("example.com."), DClass.IN, 300, name("ns.example.com."), name("admin.example.com."),
                    1, 3600, 600, 86400, 60), Section.AUTHORITY);
            return m.toWire();
        });
        Resolution res = quick(authoritative).resolve(NameQuery.of(ServerName.of("gone.example.com")));
        Resolution.NotFound nf = assertInstanceOf(Resolution.NotFound.class, res, res.toString());
        assertEquals(Duration.ofSeconds(60), nf.ttl());
        assertEquals(DnsOutcome.NXDOMAIN, DnsOutcome.of(res));
        FakeDnsServer noSoa = fake(q -> reply(q, Rcode.NXDOMAIN).toWire());
        assertEquals(Duration.ZERO, ((Resolution.NotFound) quick(noSoa).resolve(NameQuery.of(ServerName.of("gone.example.com")))).ttl(),
                "no SOA, no negative caching");
    }

    @Test
    void aClosedResolverFailsWithoutAsking() throws Exception {
        FakeDnsServer counting = fake(q -> reply(q, Rcode.NXDOMAIN).toWire());
        DnsResolver r = quick(counting);
        r.close();
        r.close();
        Resolution res = r.resolve(NameQuery.of(ServerName.of("FilerA")));
        assertInstanceOf(Resolution.Failed.class, res);
        assertEquals(0, counting.queries.get());
    }

    // ---- helpers -----------------------------------------------------------------------------------------

    private FakeDnsServer fake(Function<Message, byte[]> answer) throws IOException {
        FakeDnsServer f = new FakeDnsServer(answer);
        cleanup.add(f);
        return f;
    }

    private static Message reply(Message q, int rcode) {
        Message m = new Message(q.getHeader().getID());
        m.getHeader().setFlag(Flags.QR);
        m.getHeader().setRcode(rcode);
        m.addRecord(q.getQuestion(), Section.QUESTION);
        return m;
    }

    private static DnsResolver quick(FakeDnsServer server) {
        return new DnsResolverProvider().open(context(server.server()).setting("dns.timeout", "500ms").setting("dns.retries", "0").build());
    }

    private static DnsResolver open(String servers) {
        return new DnsResolverProvider().open(context(servers).build());
    }

    static ProviderContext.Builder context(String servers) {
        return ProviderContext.builder().setting("dns.servers", servers);
    }

    private static Resolution.Resolved resolved(Resolution r) {
        return assertInstanceOf(Resolution.Resolved.class, r, () -> "expected Resolved, got " + r);
    }

    static InetAddress address(String literal) {
        try {
            return org.xbill.DNS.Address.getByAddress(literal); // a literal only, never a lookup
        } catch (IOException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    static Endpoint endpoint(String literal, int port) {
        return new InetEndpoint(address(literal), port);
    }

    private static Name name(String s) {
        try {
            return Name.fromString(s);
        } catch (IOException e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    @Test
    void outcomesOfResolvedAreNull() {
        assertNull(DnsOutcome.of(new Resolution.Resolved(ServerName.of("a"), List.of(InetEndpoint.of(address("192.0.2.1"))), Duration.ZERO, "x")));
    }
}
