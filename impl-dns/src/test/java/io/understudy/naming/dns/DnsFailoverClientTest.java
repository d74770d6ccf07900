package io.understudy.naming.dns;

import static io.understudy.api.DataAccessPort.DAFS;
import static io.understudy.api.DataAccessPort.PDAF;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.DataAccessPort;
import io.understudy.api.ServerName;
import io.understudy.api.UnderstudyException;
import io.understudy.api.event.ClientStep;
import io.understudy.api.spi.ProviderContext;
import io.understudy.client.FailoverClient;
import io.understudy.session.Frame;
import io.understudy.session.Status;
import io.understudy.spi.transport.Connection;
import io.understudy.spi.transport.Listener;
import io.understudy.spi.transport.Transport;
import io.understudy.transport.tcp.TcpOptions;
import io.understudy.transport.tcp.TcpTransportProvider;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fig. 6 through DNS: a {@link FailoverClient} on the real TCP transport resolves {@code FilerA} and, when
 * FilerA dies, the SRV records of {@code _pdaf._tcp.FilerA-failover} from dnsmasq; and the client's own cache
 * keeps a DNS answer for its TTL and no longer. The first-ranked location
 * (FilerB, priority 10) is down, so the client connects to the second (FilerC, priority 20) on the port the
 * SRV record publishes, which differs from the transport's own pDAF number.
 */
class DnsFailoverClientTest {

    private static final InetAddress A = loopback(11);
    private static final InetAddress B = loopback(12);
    private static final InetAddress C = loopback(13);

    @TempDir
    Path dir;

    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : cleanup.reversed()) {
            c.close();
        }
    }

    @Test
    void failsOverThroughSrvToTheSecondRankedLocationWhenTheFirstIsDown() throws Exception {
        int[] p = freePorts(4);
        Map<DataAccessPort, Integer> ports = Map.of(DAFS, p[0], PDAF, p[1]);
        int srvPortB = p[2];
        int srvPortC = p[3];
        Dnsmasq dns = Dnsmasq.start(dir, List.of("127.0.0.11 FilerA", "127.0.0.12 filerb.test", "127.0.0.13 filerc.test"),
                "--srv-host=_pdaf._tcp.FilerA-failover,filerb.test," + srvPortB + ",10,0",
                "--srv-host=_pdaf._tcp.FilerA-failover,filerc.test," + srvPortC + ",20,0");
        cleanup.add(dns);

        Server filerA = server("FilerA", A, Map.of(DAFS, p[0]), DAFS);
        // FilerB, ranked first, is down: nothing listens on 127.0.0.12. FilerC serves pDAF on its SRV port.
        Server filerC = server("FilerC", C, Map.of(PDAF, srvPortC), PDAF);

        List<ClientStep> events = new CopyOnWriteArrayList<>();
        FailoverClient client = FailoverClient.builder()
                .server(ServerName.of("FilerA"))
                .transport(new TcpTransportProvider(), ProviderContext.builder().portNumbers(ports).build())
                .resolver(new DnsResolverProvider(), ProviderContext.builder().setting("dns.servers", dns.server())
                        .setting("dns.timeout", "1s").build())
                .retryBackoff(Duration.ofMillis(10))
                .maxBackoff(Duration.ofMillis(50))
                .random(new SplittableRandom(5))
                .connectTimeout(Duration.ofSeconds(1))
                .failoverBudget(Duration.ofSeconds(10))
                .listener(e -> events.add((ClientStep) e))
                .build();
        cleanup.add(client);

        assertEquals("FilerA:one", text(client.call(utf8("one"))));
        assertEquals(FailoverClient.Location.PRIMARY, client.location());
        filerA.close(); // FilerA dies

        assertEquals("FilerC:two", text(client.call(utf8("two"))));
        assertEquals(FailoverClient.Location.SECONDARY, client.location());
        String resolved = detail(events, ClientStep.Step.NAME_RESOLVED);
        assertTrue(resolved.contains("127.0.0.12:" + srvPortB) && resolved.contains("127.0.0.13:" + srvPortC)
                && resolved.indexOf("127.0.0.12") < resolved.indexOf("127.0.0.13"), "ranked by SRV priority: " + resolved);
        assertTrue(detail(events, ClientStep.Step.CONNECTED_SECONDARY).contains("127.0.0.13"), events.toString());
        assertEquals(List.of("one"), filerA.seen);
        assertTrue(filerC.seen.contains("two"), filerC.seen.toString());
    }

    /**
     * The SDK's cache honours the TTL DNS gave: the failover name is re-pointed from FilerB to FilerC in DNS
     * (hosts file rewritten, dnsmasq signalled). While the 3 s TTL lasts, a second failover still goes to FilerB,
     * which is still serving; once the (injected) clock is past the TTL, the next failover asks DNS again and
     * goes to FilerC. No JVM cache is involved, and the change needs no record to change *during* a failover.
     */
    @Test
    void aChangedRecordIsUsedOnceItsTtlHasPassedInTheClientsCache() throws Exception {
        int[] p = freePorts(2);
        Map<DataAccessPort, Integer> ports = Map.of(DAFS, p[0], PDAF, p[1]);
        Dnsmasq dns = Dnsmasq.start(dir, List.of("127.0.0.11 FilerA", "127.0.0.12 FilerA-failover"));
        cleanup.add(dns);
        Server filerB = server("FilerB", B, ports, PDAF);
        Server filerC = server("FilerC", C, ports, PDAF);
        io.understudy.testkit.ManualClock clock = new io.understudy.testkit.ManualClock();
        List<ClientStep> events = new CopyOnWriteArrayList<>();
        FailoverClient client = FailoverClient.builder()
                .server(ServerName.of("FilerA"))
                .transport(new TcpTransportProvider(), ProviderContext.builder().portNumbers(ports).build())
                .resolver(new DnsResolverProvider(), ProviderContext.builder().clock(clock).setting("dns.servers", dns.server()).build())
                .clock(clock)
                .maxCacheTtl(Duration.ofMinutes(1))
                .retryBackoff(Duration.ofMillis(5))
                .maxBackoff(Duration.ofMillis(20))
                .random(new SplittableRandom(3))
                .connectTimeout(Duration.ofSeconds(1))
                .listener(e -> events.add((ClientStep) e))
                .build();
        cleanup.add(client);

        // FilerA is down from the start: the client goes to FilerA-failover, which DNS says is FilerB (TTL 3 s).
        assertEquals("FilerB:one", text(client.call(utf8("one"))));
        assertTrue(detail(events, ClientStep.Step.NAME_RESOLVED).contains("127.0.0.12"), events.toString());

        dns.rewriteHosts(List.of("127.0.0.11 FilerA", "127.0.0.13 FilerA-failover"), "FilerA-failover", C);
        clock.advance(Duration.ofSeconds(Dnsmasq.LOCAL_TTL - 1));
        filerB.dropConnections();  // a second break inside the TTL: the cached answer (FilerB, still serving) is used
        assertEquals("FilerB:two", text(client.call(utf8("two"))));

        clock.advance(Duration.ofSeconds(2)); // past the 3 s TTL of the first answer
        filerB.dropConnections();
        assertEquals("FilerC:three", text(client.call(utf8("three"))));
        assertTrue(detail(events, ClientStep.Step.NAME_RESOLVED).contains("127.0.0.13"), events.toString());
        assertEquals(List.of("one", "two"), filerB.seen);
        assertEquals(List.of("three"), filerC.seen);
    }

    private static String detail(List<ClientStep> events, ClientStep.Step step) {
        return events.stream().filter(e -> e.step() == step).reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("no " + step + " in " + events)).detail();
    }

    private Server server(String name, InetAddress bind, Map<DataAccessPort, Integer> ports, DataAccessPort port) {
        Server s = new Server(name, bind, ports, port);
        cleanup.add(s);
        return s;
    }

    /** A tiny echo server on the real TCP transport (the approach of the client module's TinyServer). */
    private static final class Server implements AutoCloseable {
        final List<String> seen = new CopyOnWriteArrayList<>();
        private final Transport transport;
        private final Listener listener;
        private final Thread acceptor;
        private final java.util.Set<Connection> open = java.util.concurrent.ConcurrentHashMap.newKeySet();

        Server(String name, InetAddress bind, Map<DataAccessPort, Integer> ports, DataAccessPort port) {
            transport = new TcpTransportProvider().open(ProviderContext.builder().portNumbers(ports)
                    .option(TcpOptions.BIND_ADDRESS, bind).build());
            listener = transport.listen(port);
            acceptor = Thread.ofVirtual().name(name + "-accept").start(() -> {
                while (true) {
                    Connection c;
                    try {
                        c = listener.accept();
                    } catch (UnderstudyException e) {
                        return;
                    }
                    open.add(c);
                    Thread.ofVirtual().name(name + "-conn").start(() -> {
                        try {
                            while (true) {
                                Frame req = Frame.decode(c.receive(Duration.ZERO));
                                String text = StandardCharsets.UTF_8.decode(req.payload()).toString();
                                seen.add(text);
                                c.send(req.reply(Status.OK, utf8(name + ":" + text)).encode());
                            }
                        } catch (UnderstudyException e) {
                            c.close();
                        }
                    });
                }
            });
        }

        /** Closes every open connection and keeps listening (a break the client must recover from). */
        void dropConnections() {
            open.forEach(Connection::close);
            open.clear();
        }

        @Override
        public void close() {
            listener.close();
            transport.close();
            try {
                if (!acceptor.join(Duration.ofSeconds(5))) {
                    throw new AssertionError("acceptor did not stop within 5 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static ByteBuffer utf8(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(ByteBuffer b) {
        return StandardCharsets.UTF_8.decode(b.duplicate()).toString();
    }

    private static InetAddress loopback(int last) {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) last});
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** Ports free on all three loopback addresses, below the ephemeral range. */
    private static int[] freePorts(int n) throws Exception {
        Random random = new Random();
        int[] out = new int[n];
        int found = 0;
        for (int tries = 0; found < n && tries < 1000; tries++) {
            int candidate = 20_000 + random.nextInt(12_000);
            boolean free = true;
            for (int i = 0; i < found; i++) {
                free &= out[i] != candidate;
            }
            for (InetAddress addr : List.of(A, B, C)) {
                if (!free) {
                    break;
                }
                try (ServerSocket s = new ServerSocket(candidate, 1, addr)) {
                    free = true;
                } catch (java.io.IOException e) {
                    free = false;
                }
            }
            if (free) {
                out[found++] = candidate;
            }
        }
        if (found < n) {
            throw new AssertionError("no free ports");
        }
        return out;
    }

}
