package io.understudy.naming.dns;

import io.understudy.api.spi.Option;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.xbill.DNS.Address;

/**
 * The typed settings of the DNS resolver. Set them in code with
 * {@code ProviderContext.builder().option(DnsOptions.SERVERS, List.of(...))} or as text in the deployment
 * configuration under the same names ({@code dns.servers: "10.0.0.2, 10.0.0.3:5353"}).
 *
 * <p><b>SRV naming convention.</b> For a query for name {@code N} and data-access port {@code P} the resolver
 * first asks for SRV records at {@code _P._tcp.N} (the port name as written, compared ignoring case as DNS
 * does; the protocol label is {@link #SRV_PROTOCOL}). So a deployment publishes where FilerA's clients go
 * during takeover, and on which TCP port, as
 * <pre>
 * _pdaf._tcp.FilerA-failover.example.com. 30 IN SRV 10 0 7001 filerb.example.com.
 * _pdaf._tcp.FilerA-failover.example.com. 30 IN SRV 20 0 7001 filerc.example.com.
 * </pre>
 * Candidates come back ordered by priority (lowest first) and, within one priority, by the weighted random
 * order of RFC 2782; each carries the SRV port, which the transport uses instead of its own mapping. When
 * there is no SRV record (NXDOMAIN or NODATA at the SRV name), the resolver asks for A and then AAAA records of
 * {@code N} itself, and the candidates carry no port. A port name containing {@code .} cannot be one DNS label,
 * so such ports are looked up by address only. A failed SRV query (SERVFAIL, timeout) fails the lookup rather
 * than falling back to addresses, so a broken server is reported, not hidden; set {@link #SRV} to false for
 * servers that mishandle SRV queries.
 *
 * <p><b>Time.</b> One {@code resolve} call takes at most {@link #TIMEOUT}, all servers, tries, search domains
 * and record types included. Each query is sent to each server in turn, {@link #RETRIES} + 1 rounds, each
 * try waiting its share of the timeout.
 *
 * @since 0.1
 */
public final class DnsOptions {

    /**
     * The DNS servers to ask, in order, as IP literals with an optional port (53 by default):
     * {@code 10.0.0.2, 10.0.0.3:5353, [2001:db8::53]:53}. Host names are rejected: the resolver must not need
     * a resolver. Empty (the default) means the {@code nameserver} lines of {@link #RESOLV_CONF}.
     */
    public static final Option<List<InetSocketAddress>> SERVERS = new Option<>("dns.servers", List.of(),
            DnsOptions::parseServers, "the DNS servers to ask, comma-separated IP literals with optional :port");

    /**
     * Domains appended to a name that has no dot: {@code FilerA-failover} with {@code example.com} is asked
     * as {@code FilerA-failover.example.com.} first and then as {@code FilerA-failover.}; a name with a dot
     * is asked as given first, then with each domain; a name ending in a dot only as given. Empty (the
     * default) means the {@code search} or {@code domain} line of {@link #RESOLV_CONF} when {@link #SERVERS}
     * is empty too, and no search domains otherwise.
     */
    public static final Option<List<String>> SEARCH = new Option<>("dns.search", List.of(), DnsOptions::parseSearch,
            "the search domains, comma-separated, for names without a dot");

    /** The resolver configuration file read when {@link #SERVERS} is empty: {@code /etc/resolv.conf}. */
    public static final Option<Path> RESOLV_CONF = new Option<>("dns.resolvConf", Path.of("/etc/resolv.conf"), Path::of,
            "the resolv.conf read for servers and search domains when dns.servers is empty");

    /** The most one {@code resolve} may take, all tries included: 2 seconds by default. Positive. */
    public static final Option<Duration> TIMEOUT = Option.duration("dns.timeout", Duration.ofSeconds(2),
            "the most one name lookup may take, all servers and tries included");

    /**
     * How many more rounds over the servers a query gets after a round without a usable answer (timeout,
     * SERVFAIL, unreachable, malformed): 1 by default, 0-10.
     */
    public static final Option<Integer> RETRIES = Option.integer("dns.retries", 1,
            "how many more rounds over the servers a query gets after one without a usable answer");

    /** Whether SRV records are asked for first (see the class comment): true by default. */
    public static final Option<Boolean> SRV = Option.bool("dns.srv", true,
            "whether to look up _<port>._<protocol>.<name> SRV records before A/AAAA");

    /** The protocol label of SRV names, without the underscore: {@code tcp} by default. */
    public static final Option<String> SRV_PROTOCOL = new Option<>("dns.srvProtocol", "tcp", DnsOptions::parseLabel,
            "the protocol label of SRV names (tcp gives _pdaf._tcp.<name>)");

    /** {@return every option of this resolver, for documentation and validation of configuration keys} */
    public static List<Option<?>> all() {
        return List.of(SERVERS, SEARCH, RESOLV_CONF, TIMEOUT, RETRIES, SRV, SRV_PROTOCOL);
    }

    private DnsOptions() {
    }

    /**
     * Parses a comma-separated server list.
     *
     * @param text such as {@code 127.0.0.1:5353, [::1]}
     * @return the servers, in order
     */
    static List<InetSocketAddress> parseServers(String text) {
        List<InetSocketAddress> out = new ArrayList<>();
        for (String item : text.split(",")) {
            String s = item.strip();
            if (!s.isEmpty()) {
                out.add(parseServer(s));
            }
        }
        return List.copyOf(out);
    }

    /**
     * Parses one server: an IP literal with an optional port.
     *
     * @param s {@code 10.0.0.2}, {@code 10.0.0.2:5353}, {@code ::1}, {@code [::1]:5353}
     * @return the socket address, unresolved never
     */
    static InetSocketAddress parseServer(String s) {
        String host = s;
        int port = 53;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("'" + s + "' has '[' without ']'; expected [IPv6]:port");
            }
            host = s.substring(1, close);
            String rest = s.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    throw new IllegalArgumentException("'" + s + "': expected ':port' after ']'");
                }
                port = parsePort(s, rest.substring(1));
            }
        } else if (s.indexOf(':') >= 0 && s.indexOf(':') == s.lastIndexOf(':')) {
            host = s.substring(0, s.indexOf(':'));
            port = parsePort(s, s.substring(s.indexOf(':') + 1));
        }
        try {
            InetAddress address = Address.getByAddress(host); // a literal only; never a lookup
            return new InetSocketAddress(address, port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + host + "' is not an IP literal; DNS servers are given by address", e);
        }
    }

    private static int parsePort(String whole, String p) {
        try {
            int port = Integer.parseInt(p);
            if (port >= 1 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // fall through to the message below
        }
        throw new IllegalArgumentException("'" + whole + "': port '" + p + "' is not 1-65535");
    }

    static List<String> parseSearch(String text) {
        return Arrays.stream(text.split("[,\\s]+")).map(String::strip).filter(s -> !s.isEmpty()).map(d -> {
            String domain = d.endsWith(".") ? d.substring(0, d.length() - 1) : d;
            if (!domain.matches("[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62}))*")) {
                throw new IllegalArgumentException("'" + d + "' is not a domain name");
            }
            return domain;
        }).toList();
    }

    private static String parseLabel(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        if (!t.matches("[a-z0-9][a-z0-9-]{0,30}")) {
            throw new IllegalArgumentException("expected a protocol label such as tcp or udp");
        }
        return t;
    }
}
