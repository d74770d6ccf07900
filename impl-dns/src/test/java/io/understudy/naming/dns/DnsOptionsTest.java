package io.understudy.naming.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.api.spi.ProviderContext;
import java.io.StringReader;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Option parsing and validation, and resolv.conf as the fallback source of servers. */
class DnsOptionsTest {

    @TempDir
    Path dir;

    @Test
    void serversAreIpLiteralsWithOptionalPorts() {
        List<InetSocketAddress> s = DnsOptions.parseServers(" 10.0.0.2, 10.0.0.3:5353 ,[2001:db8::53]:54, ::1 ");
        assertEquals(List.of(53, 5353, 54, 53), s.stream().map(InetSocketAddress::getPort).toList());
        assertEquals("10.0.0.2", s.getFirst().getAddress().getHostAddress());
        assertEquals("2001:db8:0:0:0:0:0:53", s.get(2).getAddress().getHostAddress());
        assertEquals("0:0:0:0:0:0:0:1", s.get(3).getAddress().getHostAddress());
    }

    @Test
    void badOptionsAreConfigurationErrorsNamingTheOption() {
        for (var bad : List.of(List.of("dns.servers", "ns.example.com"), List.of("dns.servers", "10.0.0.1:0"),
                List.of("dns.servers", "[::1"), List.of("dns.timeout", "0s"), List.of("dns.retries", "11"),
                List.of("dns.search", "bad..domain"), List.of("dns.srvProtocol", "_tcp"), List.of("dns.timeout", "5"))) {
            UnderstudyException e = assertThrows(UnderstudyException.class,
                    () -> new DnsResolverProvider().open(ProviderContext.builder().setting("dns.servers", "127.0.0.1")
                            .setting(bad.get(0), bad.get(1)).build()), bad::toString);
            assertEquals(ErrorCode.INVALID_CONFIGURATION, e.code(), bad.toString());
            assertTrue(e.getMessage().contains(bad.get(0)), e.getMessage());
        }
    }

    @Test
    void withoutServersResolvConfGivesServersAndSearchDomains() throws Exception {
        Path conf = dir.resolve("resolv.conf");
        Files.writeString(conf, "# generated\nnameserver 192.0.2.53\nnameserver fe80::1%eth0\nnameserver bogus\noptions ndots:1\nsearch corp.example.com example.com\n");
        DnsResolver r = new DnsResolverProvider().open(ProviderContext.builder().option(DnsOptions.RESOLV_CONF, conf)
                .option(DnsOptions.TIMEOUT, Duration.ofMillis(100)).build());
        assertEquals(List.of("192.0.2.53", "fe80:0:0:0:0:0:0:1"), r.servers().stream().map(a -> a.getAddress().getHostAddress()).toList());
        assertEquals(List.of("corp.example.com", "example.com"), r.searchDomains());
        DnsResolver explicit = new DnsResolverProvider().open(ProviderContext.builder().option(DnsOptions.RESOLV_CONF, conf)
                .setting("dns.search", "a.test").build());
        assertEquals(List.of("a.test"), explicit.searchDomains(), "dns.search wins over resolv.conf");
    }

    @Test
    void noServerAnywhereIsAConfigurationError() throws Exception {
        Path conf = dir.resolve("resolv.conf");
        Files.writeString(conf, "search example.com\n");
        UnderstudyException e = assertThrows(UnderstudyException.class,
                () -> new DnsResolverProvider().open(ProviderContext.builder().option(DnsOptions.RESOLV_CONF, conf).build()));
        assertTrue(e.getMessage().contains("dns.servers") && e.getMessage().contains(conf.toString()), e.getMessage());
        UnderstudyException missing = assertThrows(UnderstudyException.class,
                () -> new DnsResolverProvider().open(ProviderContext.builder().option(DnsOptions.RESOLV_CONF, dir.resolve("none")).build()));
        assertTrue(missing.getMessage().contains("cannot be read"), missing.getMessage());
    }

    @Test
    void resolvConfTakesTheLastSearchOrDomainLine() throws Exception {
        ResolvConf rc = ResolvConf.parse(new StringReader("domain one.test\nsearch two.test three.test\n; comment\n"));
        assertEquals(List.of("two.test", "three.test"), rc.search());
        assertEquals(List.of(), rc.servers());
    }

    @Test
    void everyOptionIsListedOnceWithTheDnsPrefix() {
        List<String> names = DnsOptions.all().stream().map(o -> o.name()).toList();
        assertEquals(names.size(), names.stream().distinct().count());
        assertTrue(names.stream().allMatch(n -> n.startsWith("dns.")), names::toString);
    }
}
