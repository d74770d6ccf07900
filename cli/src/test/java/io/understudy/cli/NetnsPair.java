package io.understudy.cli;

import static org.junit.jupiter.api.Assertions.fail;

import io.understudy.testkit.netns.FaultInjector;
import io.understudy.testkit.netns.Netns;
import io.understudy.testkit.netns.NetnsDnsmasq;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * FilerA and FilerB as {@code understudy node} processes in their own network namespaces (data network
 * {@code 10.77.k.0/24}, interconnect {@code 10.78.k.0/24}), clients as {@link NetnsClientMain} processes in client
 * namespaces, optionally a dnsmasq in a DNS namespace, and a {@link FaultInjector}. Failure detection is
 * {@code 100ms × 10} (1 s), generous for a noisy 2-core machine. Closing stops every process and removes the
 * namespaces.
 */
final class NetnsPair implements AutoCloseable {

    static final int DAFS = 7000;
    static final int PDAF = 7001;
    static final Duration LIMIT = Duration.ofSeconds(60);

    final Path dir;
    final Netns net;
    final FaultInjector faults;
    final Timeline timeline;
    final List<String> events = new CopyOnWriteArrayList<>();
    final ProcessCluster cluster;
    final List<RemoteClient> clients = new ArrayList<>();
    NetnsDnsmasq dns;
    /** With iSCSI disks: the tgtd in the DNS namespace (the storage host here) whose LUNs the nodes use; else null. */
    DemoIscsiTarget storage;

    /**
     * @param dir      the working directory (config, hosts file, disks, logs)
     * @param withDns  whether clients resolve through a dnsmasq in the DNS namespace first ({@code [dns, hosts]})
     * @param clients  client host names
     */
    NetnsPair(Path dir, boolean withDns, String... clients) throws IOException {
        this(dir, withDns, false, clients);
    }

    /**
     * @param dir      the working directory (config, hosts file, disks, logs)
     * @param withDns  whether clients resolve through a dnsmasq in the DNS namespace first ({@code [dns, hosts]})
     * @param iscsi    whether the disks are LUNs of a tgtd in the DNS namespace, reached over the data network
     *                 ({@link #storage}), instead of files
     * @param clients  client host names
     */
    NetnsPair(Path dir, boolean withDns, boolean iscsi, String... clients) throws IOException {
        this.dir = dir;
        this.timeline = new Timeline(Instant.now(), System.out);
        this.net = Netns.start(Netns.Topology.pair(clients));
        try {
            this.faults = new FaultInjector(net, new java.io.PrintStream(System.out, true, StandardCharsets.UTF_8) {
                @Override
                public void println(String x) {
                    timeline.now("inject", x);
                }
            });
            Path hosts = dir.resolve("hosts");
            String a = net.dataAddress("FilerA");
            String b = net.dataAddress("FilerB");
            Files.writeString(hosts, a + "  FilerA  FilerB-failover\n" + b + "  FilerB  FilerA-failover\n");
            String naming = "  resolvers: [hosts]\n  options:\n    hosts.file: " + hosts;
            if (withDns) {
                dns = NetnsDnsmasq.start(net, dir, hosts, List.of(), Duration.ofSeconds(5));
                naming = "  resolvers: [dns, hosts]\n  options:\n    hosts.file: " + hosts + "\n    dns.servers: \"" + dns.server()
                        + "\"\n    dns.timeout: 500ms";
                timeline.now("netns", "dnsmasq serves the names on " + dns.server() + " in " + net.namespace(Netns.DNS));
            }
            String ownership = """
                    ownership:
                      provider: file
                      options:
                        file.directory: %s
                        file.create: "filera-vol0:16MiB,filerb-vol0:16MiB"
                    """.formatted(dir.resolve("disks"));
            if (iscsi) {
                storage = DemoIscsiTarget.start(dir, 16L << 20, net.dataAddress(Netns.DNS), cmd -> net.command(Netns.DNS, cmd));
                ownership = storage.ownershipYaml();
                timeline.now("netns", "disks: " + storage.describe() + " in " + net.namespace(Netns.DNS));
            }
            ProcessCluster.writeKey(dir);
            Path config = dir.resolve("understudy.yaml");
            Files.writeString(config, """
                    cluster:
                      name: netns
                      heartbeatInterval: 100ms
                      missedHeartbeats: 10
                      takeoverCountdown: 2s
                      givebackTimeout: 10s
                      interconnect:
                        keyFile: cluster.key
                      nodes:
                        - name: FilerA
                          address: %s
                          interconnect: %s:7100
                          disks: [filera-vol0]
                        - name: FilerB
                          address: %s
                          interconnect: %s:7100
                          disks: [filerb-vol0]
                    naming:
                      convention: suffix
                      value: -failover
                    %s
                    transport:
                      provider: tcp
                      ports: {DAFS: %d, pDAF: %d}
                      connectTimeout: 1s
                      requestTimeout: 1s
                    %s
                    client:
                      server: FilerA
                      primaryRetries: 2
                      retryBackoff: 20ms
                      maxBackoff: 200ms
                      failoverBudget: 30s
                    """.formatted(a, net.interconnectAddress("FilerA"), b, net.interconnectAddress("FilerB"), naming, DAFS, PDAF,
                    ownership.strip()));
            timeline.now("netns", "topology " + net.prefix() + ": data " + net.dataNetwork() + ", interconnect "
                    + net.interconnectNetwork() + ", hosts " + net.hosts());
            this.cluster = new ProcessCluster(dir, timeline, events, config, (node, command) -> net.command(node, lean(command)));
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * JVM options for the child processes on a small, busy machine: one JIT tier and the serial collector cut
     * start-up CPU; they change nothing the tests observe.
     */
    static List<String> lean(List<String> command) {
        List<String> out = new ArrayList<>(command);
        out.addAll(1, List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto"));
        return out;
    }

    /**
     * Starts both nodes and the given client processes (in parallel: JVM start-up dominates on a small
     * machine), waits until both nodes serve and each has heard the other, then lets the clients write and
     * waits for their first acknowledgements.
     *
     * @param clients {@code host, server, volume} triples
     * @return the clients, in order
     */
    List<RemoteClient> startPair(String... clients) throws IOException {
        cluster.start(Demo.A);
        cluster.start(Demo.B);
        List<RemoteClient> out = new ArrayList<>();
        for (int i = 0; i + 2 < clients.length; i += 3) {
            RemoteClient c = new RemoteClient(clients[i], clients[i + 1], clients[i + 2]);
            this.clients.add(c);
            out.add(c);
        }
        await(() -> cluster.state(Demo.A).equals("NORMAL") && cluster.state(Demo.B).equals("NORMAL"), "both nodes NORMAL");
        await(() -> cluster.partnerHeard(Demo.A) && cluster.partnerHeard(Demo.B), "both nodes hear each other's heartbeats");
        for (RemoteClient c : out) {
            c.send("start");
        }
        for (RemoteClient c : out) {
            c.awaitMoreAcks(10);
        }
        return out;
    }

    /** Starts both nodes and one writing client of FilerA's volume on {@code host}; {@return the client} */
    RemoteClient startPairWithClientOfA(String host) throws IOException {
        return startPair(host, Demo.A, "filera-vol0").getFirst();
    }

    /** {@return the events of one node, without its name} */
    List<String> eventsOf(String node) {
        List<String> out = new ArrayList<>();
        for (String e : events) {
            if (e.startsWith(node + " ")) {
                out.add(e.substring(node.length() + 1));
            }
        }
        return out;
    }

    boolean has(String node, String step) {
        return eventsOf(node).stream().anyMatch(e -> e.startsWith(step));
    }

    static void await(BooleanSupplier c, String what) {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + LIMIT.toSeconds() + " s waiting for " + what);
            }
            LockSupport.parkNanos(20_000_000);
        }
    }

    /** A {@link NetnsClientMain} process in a client namespace. */
    final class RemoteClient implements AutoCloseable {
        final String host;
        final String server;
        final Process process;
        final Map<String, String> acked = new ConcurrentHashMap<>();
        final List<Instant> ackTimes = new CopyOnWriteArrayList<>();
        final List<String> steps = new CopyOnWriteArrayList<>();
        final List<String> errors = new CopyOnWriteArrayList<>();
        final List<String> replies = new CopyOnWriteArrayList<>();
        final AtomicLong acks = new AtomicLong();
        private final PrintWriter in;

        RemoteClient(String host, String server, String volume) throws IOException {
            this.host = host;
            this.server = server;
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            this.process = net.command(host, lean(List.of(java, "-cp", System.getProperty("java.class.path"), NetnsClientMain.class.getName(),
                    cluster.config().toString(), server, volume))).redirectErrorStream(true).start();
            this.in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
            String who = "client" + server.charAt(server.length() - 1);
            PrintWriter log = new PrintWriter(Files.newBufferedWriter(dir.resolve(host + ".log"), StandardCharsets.UTF_8), true);
            Thread.ofPlatform().name("client-" + host).daemon().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        log.println(line);
                        String[] w = line.split(" ", 4);
                        switch (w[0]) {
                            case "ack" -> {
                                acked.put(w[2], w[3]);
                                ackTimes.add(Instant.parse(w[1]));
                                acks.incrementAndGet();
                            }
                            case "step" -> {
                                String rest = line.substring(line.indexOf(' ', 5) + 1);
                                steps.add(rest);
                                timeline.print(Instant.parse(w[1]), who, rest);
                            }
                            case "error" -> {
                                errors.add(line);
                                timeline.print(Instant.parse(w[1]), who, line);
                            }
                            default -> {
                                replies.add(line);
                                timeline.now(who, line);
                            }
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    log.println("reader: " + e);
                } finally {
                    log.close();
                }
            });
        }

        void send(String command) {
            in.println(command);
        }

        /** Sends a command and {@return the first new reply line starting with the prefix} */
        String request(String command, String prefix) {
            int seen = replies.size();
            send(command);
            String[] found = new String[1];
            await(() -> {
                for (int i = seen; i < replies.size(); i++) {
                    if (replies.get(i).startsWith(prefix)) {
                        found[0] = replies.get(i);
                        return true;
                    }
                }
                return !process.isAlive();
            }, host + " to answer '" + command + "'");
            if (found[0] == null) {
                fail(host + "'s client process exited; its log is " + dir.resolve(host + ".log"));
            }
            return found[0];
        }

        void awaitMoreAcks(int more) {
            long target = acks.get() + more;
            await(() -> acks.get() >= target, host + " acknowledges " + more + " more writes (it has " + acks.get() + ")");
        }

        /** {@return the answer of a raw TCP connect from this client's namespace: ok, refused, timeout or error} */
        String connect(String address, int port) {
            return request("connect " + address + " " + port, "connect ").substring("connect ".length());
        }

        /** Stops writing and reads back every acknowledged write; {@return "verified N lost M"} */
        String stopAndVerify() {
            request("stop", "stopped ");
            return request("verify", "verified ");
        }

        long acksAfter(Instant t) {
            return ackTimes.stream().filter(a -> a.isAfter(t)).count();
        }

        @Override
        public void close() {
            process.destroyForcibly();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        for (RemoteClient c : clients) {
            c.close();
        }
        if (cluster != null) {
            cluster.close();
        }
        if (dns != null) {
            dns.close();
        }
        if (storage != null) {
            storage.close(); // after the nodes, which use its LUNs to the end
        }
        net.close();
    }
}
