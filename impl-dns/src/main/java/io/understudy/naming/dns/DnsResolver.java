package io.understudy.naming.dns;

import io.understudy.api.Clock;
import io.understudy.api.DataAccessPort;
import io.understudy.api.Endpoint;
import io.understudy.api.ErrorCode;
import io.understudy.api.InetEndpoint;
import io.understudy.api.ServerName;
import io.understudy.api.UnderstudyException;
import io.understudy.api.spi.ProviderContext;
import io.understudy.spi.naming.NameQuery;
import io.understudy.spi.naming.NameResolver;
import io.understudy.spi.naming.Resolution;
import java.io.IOException;
import java.io.Reader;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.random.RandomGenerator;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;
import org.xbill.DNS.WireParseException;

/**
 * Resolves names with DNS queries to the configured servers: SRV at {@code _<port>._tcp.<name>} first, then
 * A and AAAA (see {@link DnsOptions} for the convention, the search domains and the time bounds). Each query
 * starts at the server that answered last, so a dead first server costs one wait, not one per query. Answers
 * carry the smallest TTL of the records used; not-found answers carry the negative TTL of the SOA record in
 * the authority section (RFC 2308: the smaller of its TTL and its MINIMUM), or zero when there is none.
 * Outcomes are described by {@link DnsOutcome}.
 *
 * <p>Thread-safe; {@link #resolve} blocks for at most {@link DnsOptions#TIMEOUT} (measured with the context's
 * clock; each single wait is also bounded in real time) and caches nothing.
 *
 * @since 0.1
 */
public final class DnsResolver implements NameResolver {

    private final List<InetSocketAddress> servers;
    private final List<SimpleResolver> resolvers;
    private final List<String> search;
    private final Duration timeout;
    private final int retries;
    private final boolean srv;
    private final String srvProtocol;
    private final Clock clock;
    private final RandomGenerator random;
    /** The server that answered last: each query starts there, so a dead first server costs one wait, not one per query. */
    private final java.util.concurrent.atomic.AtomicInteger preferred = new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean closed;

    DnsResolver(ProviderContext context) {
        this(context, null);
    }

    /**
     * @param random the source of SRV weight choices, or null for {@link ThreadLocalRandom}
     */
    DnsResolver(ProviderContext context, RandomGenerator random) {
        this.clock = context.clock();
        this.random = random;
        List<InetSocketAddress> configured = context.option(DnsOptions.SERVERS);
        List<String> domains = context.option(DnsOptions.SEARCH);
        if (configured.isEmpty()) {
            Path conf = context.option(DnsOptions.RESOLV_CONF);
            ResolvConf rc;
            try (Reader in = Files.newBufferedReader(conf, StandardCharsets.UTF_8)) {
                rc = ResolvConf.parse(in);
            } catch (IOException e) {
                throw config("dns.servers is empty and " + conf + " cannot be read (" + e + "); set dns.servers", e);
            }
            if (rc.servers().isEmpty()) {
                throw config("dns.servers is empty and " + conf + " has no usable nameserver line; set dns.servers", null);
            }
            configured = rc.servers();
            if (domains.isEmpty()) {
                domains = rc.search();
            }
        }
        this.servers = List.copyOf(configured);
        this.search = List.copyOf(domains);
        this.timeout = context.option(DnsOptions.TIMEOUT);
        if (timeout.isZero() || timeout.isNegative()) {
            throw config("option dns.timeout: " + timeout + " must be positive", null);
        }
        this.retries = context.option(DnsOptions.RETRIES);
        if (retries < 0 || retries > 10) {
            throw config("option dns.retries: " + retries + " is out of range; expected 0-10", null);
        }
        this.srv = context.option(DnsOptions.SRV);
        this.srvProtocol = context.option(DnsOptions.SRV_PROTOCOL);
        List<SimpleResolver> rs = new ArrayList<>();
        for (InetSocketAddress server : servers) {
            SimpleResolver r = new SimpleResolver(server);
            // dnsjava's own timeout is a backstop; each wait below is bounded by this resolver's budget.
            r.setTimeout(timeout);
            rs.add(r); // TCP fallback on a truncated UDP answer is SimpleResolver's default
        }
        this.resolvers = List.copyOf(rs);
    }

    /** {@return the servers asked, in order} */
    public List<InetSocketAddress> servers() {
        return servers;
    }

    /** {@return the search domains, in order} */
    public List<String> searchDomains() {
        return search;
    }

    @Override
    public Resolution resolve(NameQuery query) {
        ServerName name = query.name();
        if (closed) {
            return new Resolution.Failed(name, "dns resolver is closed; asked for " + name, null);
        }
        long deadline = clock.nanoTime() + timeout.toNanos();
        List<String> misses = new ArrayList<>();
        Duration negativeTtl = null;
        for (String absolute : candidates(name)) {
            Step step;
            try {
                step = resolveOne(query, absolute, deadline);
            } catch (DnsLookupException e) {
                return new Resolution.Failed(name, e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Resolution.Failed(name, "interrupted while resolving " + absolute, e);
            }
            switch (step) {
                case Found f -> {
                    return new Resolution.Resolved(name, f.endpoints(), f.ttl(), f.source());
                }
                case Miss m -> {
                    misses.add(m.reason());
                    negativeTtl = negativeTtl == null || m.ttl().compareTo(negativeTtl) < 0 ? m.ttl() : negativeTtl;
                }
            }
        }
        return new Resolution.NotFound(name, String.join("; ", misses), negativeTtl == null ? Duration.ZERO : negativeTtl);
    }

    @Override
    public void close() {
        closed = true; // dnsjava's sockets live per query; nothing else to release
    }

    @Override
    public String toString() {
        return "DnsResolver" + servers.stream().map(DnsResolver::hostPort).toList() + (search.isEmpty() ? "" : " search " + search);
    }

    // ---- one candidate name ------------------------------------------------------------------------------

    private sealed interface Step permits Found, Miss {
    }

    private record Found(List<Endpoint> endpoints, Duration ttl, String source) implements Step {
    }

    /** NXDOMAIN or NODATA; reason starts with the outcome's name. */
    private record Miss(String reason, Duration ttl) implements Step {
    }

    /** The absolute names to ask, in order (search domains: see {@link DnsOptions#SEARCH}). */
    List<String> candidates(ServerName name) {
        String v = name.value();
        if (v.endsWith(".")) {
            return List.of(v);
        }
        List<String> out = new ArrayList<>();
        boolean dotted = v.indexOf('.') >= 0;
        if (dotted) {
            out.add(v + ".");
        }
        for (String d : search) {
            out.add(v + "." + d + ".");
        }
        if (!dotted) {
            out.add(v + ".");
        }
        return out;
    }

    private Step resolveOne(NameQuery query, String absolute, long deadline) throws DnsLookupException, InterruptedException {
        Name name = parse(query.name(), absolute);
        DataAccessPort port = query.port();
        if (srv && port.name().indexOf('.') < 0) {
            Name srvName = parse(query.name(), "_" + port.name() + "._" + srvProtocol + "." + absolute);
            Reply reply = query(srvName, Type.SRV, deadline);
            List<SRVRecord> records = reply.records(SRVRecord.class);
            if (reply.rcode() == Rcode.NOERROR && !records.isEmpty()) {
                return fromSrv(query, srvName, reply, records, deadline);
            }
            // No SRV records: the deployment publishes addresses only. Fall through to A/AAAA.
        }
        Reply a = query(name, Type.A, deadline);
        if (a.rcode() == Rcode.NXDOMAIN) {
            return miss(DnsOutcome.NXDOMAIN, name + " does not exist (answer from " + a.server() + ")", a.negativeTtl());
        }
        List<Endpoint> endpoints = new ArrayList<>();
        long ttl = Long.MAX_VALUE;
        for (ARecord r : a.records(ARecord.class)) {
            endpoints.add(InetEndpoint.of(r.getAddress()));
            ttl = Math.min(ttl, a.ttl());
        }
        Reply aaaa;
        try {
            aaaa = query(name, Type.AAAA, deadline);
        } catch (DnsLookupException e) {
            if (endpoints.isEmpty()) {
                throw e;
            }
            return new Found(endpoints, Duration.ofSeconds(ttl), "dns " + a.server() + " (" + name + " A; AAAA failed: " + e.getMessage() + ")");
        }
        for (AAAARecord r : aaaa.records(AAAARecord.class)) {
            endpoints.add(InetEndpoint.of(r.getAddress()));
            ttl = Math.min(ttl, aaaa.ttl());
        }
        if (endpoints.isEmpty()) {
            Duration neg = min(a.negativeTtl(), aaaa.negativeTtl());
            return miss(DnsOutcome.NODATA, name + " has no A or AAAA record (answer from " + a.server() + ")", neg);
        }
        return new Found(List.copyOf(new LinkedHashSet<>(endpoints)), Duration.ofSeconds(ttl), "dns " + a.server() + " (" + name + " A/AAAA)");
    }

    private Step fromSrv(NameQuery query, Name srvName, Reply reply, List<SRVRecord> records, long deadline)
            throws DnsLookupException, InterruptedException {
        if (records.size() == 1 && records.getFirst().getTarget().equals(Name.root)) {
            // RFC 2782: a target of "." means the service is decidedly not offered at this name.
            return miss(DnsOutcome.NODATA, srvName + " SRV says the service is not offered (target '.') (answer from "
                    + reply.server() + ")", Duration.ofSeconds(reply.ttl()));
        }
        long ttl = reply.ttl();
        Set<Endpoint> endpoints = new LinkedHashSet<>();
        List<String> problems = new ArrayList<>();
        DnsLookupException lastFailure = null;
        for (SRVRecord r : SrvOrder.order(records, random == null ? ThreadLocalRandom.current() : random)) {
            Name target = r.getTarget();
            List<InetAddress> addresses = new ArrayList<>();
            long targetTtl = Long.MAX_VALUE;
            // Use addresses the server sent along (additional section) before asking again.
            for (Record extra : reply.message().getSection(Section.ADDITIONAL)) {
                if (extra.getName().equals(target) && extra instanceof ARecord ar) {
                    addresses.add(ar.getAddress());
                    targetTtl = Math.min(targetTtl, extra.getTTL());
                } else if (extra.getName().equals(target) && extra instanceof AAAARecord ar) {
                    addresses.add(ar.getAddress());
                    targetTtl = Math.min(targetTtl, extra.getTTL());
                }
            }
            if (addresses.isEmpty()) {
                try {
                    for (int type : new int[] {Type.A, Type.AAAA}) {
                        Reply t = query(target, type, deadline);
                        for (Record x : t.message().getSection(Section.ANSWER)) {
                            if (x instanceof ARecord ar) {
                                addresses.add(ar.getAddress());
                            } else if (x instanceof AAAARecord ar) {
                                addresses.add(ar.getAddress());
                            }
                        }
                        if (!t.records(Record.class).isEmpty()) {
                            targetTtl = Math.min(targetTtl, t.ttl());
                        }
                    }
                } catch (DnsLookupException e) {
                    lastFailure = e;
                    problems.add(target + ": " + e.getMessage());
                    continue;
                }
            }
            if (addresses.isEmpty()) {
                problems.add(target + " has no address");
                continue;
            }
            ttl = Math.min(ttl, targetTtl);
            for (InetAddress address : addresses) {
                endpoints.add(new InetEndpoint(address, r.getPort()));
            }
        }
        if (endpoints.isEmpty()) {
            if (lastFailure != null) {
                throw lastFailure;
            }
            return miss(DnsOutcome.NODATA, srvName + " SRV targets have no address: " + String.join("; ", problems)
                    + " (answer from " + reply.server() + ")", Duration.ZERO);
        }
        String source = "dns " + reply.server() + " (" + srvName + " SRV" + (problems.isEmpty() ? "" : "; skipped " + problems) + ")";
        return new Found(List.copyOf(endpoints), Duration.ofSeconds(ttl), source);
    }

    private static Miss miss(DnsOutcome outcome, String detail, Duration ttl) {
        return new Miss(outcome.name() + ": " + detail, ttl);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static Name parse(ServerName asked, String absolute) throws DnsLookupException {
        try {
            return Name.fromString(absolute);
        } catch (TextParseException e) {
            throw new DnsLookupException(DnsOutcome.MALFORMED, absolute, "-", "MALFORMED: cannot ask for " + absolute
                    + " (from " + asked + "): " + e.getMessage(), e);
        }
    }

    // ---- one query ---------------------------------------------------------------------------------------

    /** A NOERROR or NXDOMAIN answer to one question. */
    private record Reply(Message message, String server) {
        int rcode() {
            return message.getRcode();
        }

        <R extends Record> List<R> records(Class<R> type) {
            List<R> out = new ArrayList<>();
            for (Record r : message.getSection(Section.ANSWER)) {
                if (type.isInstance(r)) {
                    out.add(type.cast(r));
                }
            }
            return out;
        }

        /** The smallest TTL in the answer section (CNAMEs included), in seconds. */
        long ttl() {
            long ttl = Long.MAX_VALUE;
            for (Record r : message.getSection(Section.ANSWER)) {
                ttl = Math.min(ttl, r.getTTL());
            }
            return ttl == Long.MAX_VALUE ? 0 : ttl;
        }

        /** RFC 2308: the smaller of the SOA record's TTL and its MINIMUM field; zero without an SOA. */
        Duration negativeTtl() {
            for (Record r : message.getSection(Section.AUTHORITY)) {
                if (r instanceof SOARecord soa) {
                    return Duration.ofSeconds(Math.min(soa.getTTL(), soa.getMinimum()));
                }
            }
            return Duration.ZERO;
        }
    }

    /**
     * Asks one question, server by server, {@code retries + 1} rounds, each try waiting its share of the
     * timeout and never past the deadline.
     */
    private Reply query(Name name, int type, long deadline) throws DnsLookupException, InterruptedException {
        String question = name + " " + Type.string(type);
        int tries = (retries + 1) * resolvers.size();
        long perTry = Math.max(TimeUnit.MILLISECONDS.toNanos(1), timeout.toNanos() / tries);
        DnsOutcome last = DnsOutcome.TIMEOUT;
        String lastDetail = "no try made before the deadline";
        String lastServer = hostPort(servers.getFirst());
        Throwable lastCause = null;
        int made = 0;
        int first = preferred.get();
        for (int i = 0; i < tries; i++) {
            long remaining = deadline - clock.nanoTime();
            if (remaining <= 0) {
                break;
            }
            long wait = Math.min(perTry, remaining);
            int s = (first + i) % resolvers.size();
            String server = hostPort(servers.get(s));
            made++;
            Message q = Message.newQuery(Record.newRecord(name, type, DClass.IN));
            CompletableFuture<Message> pending = resolvers.get(s).sendAsync(q).toCompletableFuture();
            lastServer = server;
            try {
                Message m = pending.get(wait, TimeUnit.NANOSECONDS);
                int rcode = m.getRcode();
                if (rcode == Rcode.NOERROR || rcode == Rcode.NXDOMAIN) {
                    Record asked = m.getQuestion();
                    if (asked == null || !asked.getName().equals(name) || asked.getType() != type) {
                        last = DnsOutcome.MALFORMED;
                        lastDetail = "the answer is for " + (asked == null ? "no question" : asked.getName() + " " + Type.string(asked.getType()));
                        lastCause = null;
                        continue;
                    }
                    preferred.set(s);
                    return new Reply(m, server);
                }
                last = DnsOutcome.SERVFAIL;
                lastDetail = "the server answered " + Rcode.string(rcode);
                lastCause = null;
            } catch (TimeoutException e) {
                pending.cancel(true);
                last = DnsOutcome.TIMEOUT;
                lastDetail = "no answer within " + TimeUnit.NANOSECONDS.toMillis(wait) + " ms";
                lastCause = e;
            } catch (ExecutionException e) {
                Throwable c = e.getCause() == null ? e : e.getCause();
                last = classify(c);
                lastDetail = last == DnsOutcome.TIMEOUT ? "no answer (" + c.getMessage() + ")"
                        : last == DnsOutcome.MALFORMED ? "the answer cannot be parsed (" + c.getMessage() + ")"
                        : "cannot reach the server (" + c + ")";
                lastCause = c;
            }
        }
        String message = last.name() + ": " + lastDetail + " for " + question + " from " + lastServer
                + (servers.size() > 1 ? " (servers " + servers.stream().map(DnsResolver::hostPort).toList() + ")" : "")
                + ", " + made + (made == 1 ? " try" : " tries") + " within the " + timeout.toMillis() + " ms timeout";
        throw new DnsLookupException(last, question, lastServer, message, lastCause);
    }

    private static DnsOutcome classify(Throwable c) {
        for (Throwable t = c; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException || t instanceof TimeoutException) {
                return DnsOutcome.TIMEOUT;
            }
            if (t instanceof WireParseException) {
                return DnsOutcome.MALFORMED;
            }
            if (t instanceof PortUnreachableException || t instanceof ConnectException || t instanceof NoRouteToHostException) {
                return DnsOutcome.UNREACHABLE;
            }
        }
        return DnsOutcome.UNREACHABLE;
    }

    private static String hostPort(InetSocketAddress a) {
        String h = a.getAddress().getHostAddress();
        return (h.indexOf(':') >= 0 ? "[" + h + "]" : h) + ":" + a.getPort();
    }

    private static UnderstudyException config(String message, Throwable cause) {
        return new UnderstudyException(ErrorCode.INVALID_CONFIGURATION, message, cause);
    }
}
