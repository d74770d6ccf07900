package io.understudy.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.understudy.api.UnderstudyException;
import io.understudy.spi.transport.Transport;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * FilerA (127.0.0.11) and FilerB (127.0.0.12) as separate {@code understudy node} processes on loopback with
 * the embedded defaults: a hosts file (or, with {@link Naming#DNS}, a dnsmasq serving it), TCP, file-backed
 * disks, all in one directory, with a fresh random interconnect key ({@code cluster.key}) so the pair and its
 * admin endpoints run authenticated. Each process's event
 * lines go onto a timeline and into an event list; everything it prints goes into {@code <name>.log}.
 * Used by the demo and by the real-process tests.
 */
final class ProcessCluster implements AutoCloseable {

    private final Path dir;
    private final Timeline timeline;
    private final List<String> events;
    private final Map<String, NodeProcess> nodes = new ConcurrentHashMap<>();
    private final Deployment deployment;
    private final Transport admin;
    private final Setup setup;
    private final Launcher launcher;
    private DnsServer dns;
    /** Disks per node ({@code filera-vol0 .. filera-vol<n-1>}), and the size of each, as {@code file.create} spells it. */
    private final int volumesPerNode;
    private final String diskSize;
    /** Receives every event line of every node with its instant (bench); null for none. */
    private volatile NodeEventSink eventSink;

    /** Receives a node's event lines with the instant the node stamped them. */
    @FunctionalInterface
    interface NodeEventSink {
        /**
         * One event line.
         *
         * @param at   when the node says it happened
         * @param node the process's node name
         * @param what the event's description ({@code FilerB PARTNER_SILENT ...})
         */
        void event(Instant at, String node, String what);
    }

    /**
     * How a node process is started: given the node's name and the command line of {@code understudy node},
     * {@return the process builder to start} The default runs the command as is; a launcher can run it elsewhere,
     * such as inside a network namespace ({@code ip netns exec <ns> ...}, which keeps the command's pid).
     */
    @FunctionalInterface
    interface Launcher {
        ProcessBuilder builder(String node, List<String> command);
    }

    /** The name service the demo's clients resolve through. */
    enum Naming {
        /** The embedded default: a hosts file ({@code naming.resolvers: [hosts]}). */
        HOSTS,
        /** A real DNS server (dnsmasq on 127.0.0.1) with the same names and SRV records for pDAF ({@code [dns]}). */
        DNS
    }

    /**
     * How the pair is set up.
     *
     * @param naming        the clients' name service
     * @param ownershipYaml the configuration's {@code ownership:} section (YAML, with the {@code ownership:}
     *                      line), or null for file-backed disks in the cluster's directory
     * @param transport     the data-access transport, {@code tcp} or {@code vi} (the VI fabric lives under the
     *                      cluster's directory); the interconnect and admin endpoints stay on TCP
     */
    record Setup(Naming naming, String ownershipYaml, String transport) {
        static Setup defaults() {
            return new Setup(Naming.HOSTS, null, "tcp");
        }
    }

    ProcessCluster(Path dir, Timeline timeline, List<String> events) throws IOException {
        this(dir, timeline, events, Setup.defaults());
    }

    ProcessCluster(Path dir, Timeline timeline, List<String> events, Setup setup) throws IOException {
        this(dir, timeline, events, setup, 1, "64MiB");
    }

    /**
     * A pair whose nodes own {@code volumesPerNode} file-backed disks each (the bench's 1, 10 and 100 volumes).
     *
     * @param volumesPerNode disks per node, at least 1; {@code filera-vol0 ..} and {@code filerb-vol0 ..}
     * @param diskSize       the size of each file-backed disk as {@code file.create} spells it ({@code 16MiB})
     */
    ProcessCluster(Path dir, Timeline timeline, List<String> events, Setup setup, int volumesPerNode, String diskSize)
            throws IOException {
        if (volumesPerNode < 1) {
            throw new IllegalArgumentException("volumesPerNode must be at least 1, not " + volumesPerNode);
        }
        this.volumesPerNode = volumesPerNode;
        this.diskSize = diskSize;
        this.dir = dir;
        this.timeline = timeline;
        this.events = events;
        this.setup = setup;
        this.launcher = (node, command) -> new ProcessBuilder(command);
        try {
            this.deployment = Deployment.load(writeConfig(freePorts()));
        } catch (IOException | RuntimeException e) {
            if (dns != null) {
                dns.close();
            }
            throw e;
        }
        this.admin = deployment.adminTransport();
    }

    /**
     * A pair on an existing configuration (its addresses, naming and disks as written there), each node started
     * through the launcher; nothing is written and no DNS server is started.
     */
    ProcessCluster(Path dir, Timeline timeline, List<String> events, Path config, Launcher launcher) {
        this.volumesPerNode = 1;
        this.diskSize = null;
        this.dir = dir;
        this.timeline = timeline;
        this.events = events;
        this.setup = Setup.defaults();
        this.launcher = launcher;
        this.deployment = Deployment.load(config);
        this.admin = deployment.adminTransport();
    }

    /** {@return the running process of a node, or null} */
    Process process(String name) {
        NodeProcess n = nodes.get(name);
        return n == null ? null : n.process;
    }

    Deployment deployment() {
        return deployment;
    }

    Transport admin() {
        return admin;
    }

    Path config() {
        return deployment.source;
    }

    private Path writeConfig(int[] ports) throws IOException {
        Path hosts = dir.resolve("hosts");
        Files.writeString(hosts, """
                # The demo's name service: each server and its failover name (Table 1).
                127.0.0.11  FilerA  FilerB-failover
                127.0.0.12  FilerB  FilerA-failover
                """);
        writeKey(dir);
        Path config = dir.resolve("understudy.yaml");
        Files.writeString(config, """
                # Written by `understudy demo`.
                cluster:
                  name: demo
                  heartbeatInterval: 100ms
                  missedHeartbeats: 5
                  takeoverCountdown: 2s
                  givebackTimeout: 10s
                  interconnect:
                    authentication: hmac-sha256
                    keyFile: cluster.key
                  nodes:
                    - name: FilerA
                      address: 127.0.0.11
                      interconnect: 127.0.0.11:%d
                      disks: [%s]
                    - name: FilerB
                      address: 127.0.0.12
                      interconnect: 127.0.0.12:%d
                      disks: [%s]
                naming:
                  convention: suffix
                  value: -failover
                %s
                transport:
                  provider: %s
                  ports: {DAFS: %d, pDAF: %d}
                  options: {%s}
                %s
                client:
                  server: FilerA
                  primaryRetries: 2
                  retryBackoff: 20ms
                  maxBackoff: 200ms
                  failoverBudget: 30s
                """.formatted(ports[2], diskNames("filera", ", "), ports[3], diskNames("filerb", ", "), namingConfig(hosts, ports[1]), setup.transport(), ports[0], ports[1],
                        transportOptions(), ownershipSection().strip()));
        return config;
    }

    /** The transport's options: the VI fabric's directory, or the ib software verbs on the tcp fabric. */
    private String transportOptions() {
        if (setup.transport().equals("ib")) {
            return "ib.software: true, ib.fabric: tcp";
        }
        return "vi.directory: " + dir.resolve("vi-fabric");
    }

    private String ownershipSection() {
        if (setup.ownershipYaml() != null) {
            return setup.ownershipYaml();
        }
        return """
                ownership:
                  provider: file
                  options:
                    file.directory: %s
                    file.create: "%s"
                """.formatted(dir.resolve("disks"), diskNames("filera", ":" + diskSize + ",") + ":" + diskSize + ","
                        + diskNames("filerb", ":" + diskSize + ",") + ":" + diskSize);
    }

    /** {@code prefix-vol0<sep>prefix-vol1...}, one per volume of a node. */
    private String diskNames(String prefix, String separator) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < volumesPerNode; i++) {
            b.append(i == 0 ? "" : separator).append(prefix).append("-vol").append(i);
        }
        return b.toString();
    }

    /** Sets (or, with null, removes) the receiver of every node's event lines with their instants. */
    void onNodeEvent(NodeEventSink sink) {
        this.eventSink = sink;
    }

    /** {@return the directory holding the configuration, disks and node logs} */
    Path dir() {
        return dir;
    }

    /** The resolver lines of the configuration; for DNS, starts dnsmasq with the hosts file and pDAF SRV records. */
    private String namingConfig(Path hosts, int pdaf) throws IOException {
        if (setup.naming() == Naming.HOSTS) {
            return "  resolvers: [hosts]\n  options:\n    hosts.file: " + hosts;
        }
        try {
            // _pdaf._tcp.FilerA-failover -> FilerB on pDAF: the partner's secondary port, published in DNS.
            dns = DnsServer.start(dir, hosts, List.of("_pdaf._tcp.FilerA-failover,FilerB," + pdaf + ",10,0",
                    "_pdaf._tcp.FilerB-failover,FilerA," + pdaf + ",10,0"), "FilerA-failover");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting dnsmasq", e);
        }
        timeline.now("demo", "dnsmasq serves the demo's names and pDAF SRV records on " + dns.server());
        return "  resolvers: [dns]\n  options:\n    dns.servers: \"" + dns.server() + "\"\n    dns.timeout: 1s";
    }

    /**
     * Writes the pair's shared interconnect key, {@code cluster.key} in {@code dir}: 32 random bytes in base64,
     * readable by the owner only. {@return the file}
     */
    static Path writeKey(Path dir) throws IOException {
        byte[] key = new byte[32];
        new java.security.SecureRandom().nextBytes(key);
        Path keyFile = dir.resolve("cluster.key");
        Files.writeString(keyFile, java.util.Base64.getEncoder().encodeToString(key) + "\n");
        try {
            Files.setPosixFilePermissions(keyFile, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system.
        }
        return keyFile;
    }

    /** Starts (or restarts) a node process. */
    void start(String name) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = launcher.builder(name, List.of(java, "--enable-native-access=ALL-UNNAMED",
                "-Dunderstudy.ib.software=" + (setup.transport().equals("ib") ? "true" : "false"), "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), "node", "--config",
                config().toString(), "--name", name)).redirectErrorStream(true);
        Process p = pb.start();
        nodes.put(name, new NodeProcess(name, p, dir.resolve(name + ".log")));
        timeline.now("demo", "started " + name + " (pid " + p.pid() + ")");
    }

    /** Kills a node with SIGKILL, as {@code kill -9} does; {@return its pid}. */
    long kill9(String name) throws InterruptedException {
        NodeProcess n = nodes.remove(name);
        n.process.destroyForcibly();
        n.process.waitFor();
        return n.process.pid();
    }

    /** {@return the pid of a node's process, or -1 if it is not started} */
    long pid(String name) {
        NodeProcess n = nodes.get(name);
        return n == null ? -1 : n.process.pid();
    }

    /** {@return whether a node's process is started and alive} */
    boolean running(String name) {
        NodeProcess n = nodes.get(name);
        return n != null && n.process.isAlive();
    }

    /** Sends a node's process a signal with {@code kill -SIGNAL pid}, e.g. STOP or CONT (for the chaos harness). */
    void signal(String name, String signal) throws IOException, InterruptedException {
        long pid = pid(name);
        if (pid < 0) {
            throw new IllegalStateException(name + " is not started");
        }
        Process k = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).redirectErrorStream(true).start();
        String out = new String(k.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (k.waitFor() != 0) {
            throw new IOException("kill -" + signal + " " + pid + " failed: " + out);
        }
    }

    /** {@return the node's state from its admin endpoint, or UNREACHABLE} */
    String state(String node) {
        try {
            String json = AdminClient.call(admin, deployment.node(node), "status", Duration.ofSeconds(5));
            return new ObjectMapper().readTree(json).get("state").asText();
        } catch (UnderstudyException | IOException e) {
            return "UNREACHABLE";
        }
    }

    /**
     * {@return whether the node has heard its partner's heartbeats} A partner never heard is never suspected
     * (a node cannot tell a dead partner from one not yet started), so faults are injected only after this.
     */
    boolean partnerHeard(String node) {
        try {
            return !admin(node, "status").contains("\"partnerState\":\"unknown\"");
        } catch (UnderstudyException e) {
            return false;
        }
    }

    /** {@return the reply of an admin command} */
    String admin(String node, String command) {
        return AdminClient.call(admin, deployment.node(node), command, Duration.ofSeconds(60));
    }

    private final class NodeProcess {
        final Process process;

        NodeProcess(String name, Process process, Path log) throws IOException {
            this.process = process;
            PrintWriter logOut = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND), true);
            Thread.ofPlatform().name("log-" + name).daemon().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        logOut.println(line);
                        if (line.startsWith("event ")) {
                            int sp = line.indexOf(' ', 6);
                            Instant at = Instant.parse(line.substring(6, sp));
                            String what = line.substring(sp + 1);
                            events.add(what);
                            NodeEventSink sink = eventSink;
                            if (sink != null) {
                                sink.event(at, name, what);
                            }
                            timeline.print(at, name, what.startsWith(name + " ") ? what.substring(name.length() + 1) : what);
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    logOut.println("log reader: " + e);
                } finally {
                    logOut.close();
                }
            });
        }
    }

    /** DAFS, pDAF, FilerA's and FilerB's interconnect; each interconnect port + 1 is that node's admin port. */
    static int[] freePorts() throws IOException {
        // Below the ephemeral range, so no outgoing connection holds one when a node restarts on it.
        for (int attempt = 0; attempt < 200; attempt++) {
            int base = 20000 + ThreadLocalRandom.current().nextInt(12000);
            int[] ports = {base, base + 1, base + 2, base + 4};
            if (allFree(ports[0], ports[1], ports[2], ports[2] + 1, ports[3], ports[3] + 1)) {
                return ports;
            }
        }
        throw new IOException("no free ports found on 127.0.0.11/127.0.0.12");
    }

    private static boolean allFree(int... ports) {
        for (int p : ports) {
            for (String a : new String[] {"127.0.0.11", "127.0.0.12"}) {
                try (ServerSocket s = new ServerSocket()) {
                    s.bind(new InetSocketAddress(InetAddress.getByName(a), p));
                } catch (IOException e) {
                    return false;
                }
            }
        }
        return true;
    }

    @Override
    public void close() {
        admin.close();
        for (NodeProcess n : nodes.values()) {
            n.process.destroyForcibly();
            try {
                n.process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        nodes.clear();
        if (dns != null) {
            dns.close();
        }
    }
}
