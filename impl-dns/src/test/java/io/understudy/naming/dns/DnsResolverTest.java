package io.understudy.naming.dns;

import io.understudy.api.ServerName;
import io.understudy.api.spi.ProviderContext;
import io.understudy.spi.naming.NameResolver;
import io.understudy.spi.naming.NameResolverProvider;
import io.understudy.testkit.AbstractNameResolverTest;
import io.understudy.testkit.ManualClock;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The naming conformance suite against a real DNS server: dnsmasq on 127.0.0.1, serving
 * {@link AbstractNameResolverTest#RECORDS} from a hosts file, queried with both A and AAAA (and SRV first,
 * which finds nothing here, so the suite also proves the fall-back to addresses).
 */
class DnsResolverTest extends AbstractNameResolverTest {

    private static Path dir;
    private static Dnsmasq dnsmasq;
    private final ManualClock clock = new ManualClock();

    @BeforeAll
    static void startDnsmasq() throws Exception {
        dir = Files.createTempDirectory("understudy-dns-conformance");
        List<String> lines = new ArrayList<>();
        RECORDS.forEach((name, addresses) -> addresses.forEach(a -> lines.add(a.getHostAddress() + " " + name)));
        dnsmasq = Dnsmasq.start(dir, lines);
    }

    @AfterAll
    static void stopDnsmasq() {
        if (dnsmasq != null) {
            dnsmasq.close();
        }
    }

    @Override
    protected NameResolverProvider provider() {
        return new DnsResolverProvider();
    }

    /** The zone is written once for the class (the suite always asks for {@link #RECORDS}). */
    @Override
    protected NameResolver open(Map<ServerName, List<InetAddress>> records) {
        if (!records.equals(RECORDS)) {
            throw new IllegalArgumentException("this test's server holds RECORDS only");
        }
        return provider().open(ProviderContext.builder().clock(clock).setting("dns.servers", dnsmasq.server()).build());
    }

    /** DNS answers A and AAAA separately, so a name's IPv4 and IPv6 addresses cannot keep one interleaved order. */
    @Override
    protected boolean preservesOrder() {
        return false;
    }
}
