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
 * the embedded defaults: a hosts file, TCP, file-backed disks, all in one directory. Each process's event
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
    private final String transport;

    ProcessCluster(Path dir, Timeline timeline, List<String> events) throws IOException {
        this(dir, timeline, events, "tcp");
    }

    /**
     * A cluster whose data-access ports use the transport {@code transport} ({@code tcp} or {@code vi});
     * the interconnect and admin endpoints stay on TCP. For {@code vi} the fabric lives under {@code dir}.
     */
    ProcessCluster(Path dir, Timeline timeline, List<String> events, String transport) throws IOException {
        this.transport = transport;
        this.dir = dir;
        this.timeline = timeline;
        this.events = events;
        this.deployment = Deployment.load(writeConfig(freePorts()));
        this.admin = deployment.adminTransport();
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
        Path config = dir.resolve("understudy.yaml");
        Files.writeString(config, """
                # Written by `understudy demo`.
                cluster:
                  name: demo
                  heartbeatInterval: 100ms
                  missedHeartbeats: 5
                  takeoverCountdown: 2s
                  givebackTimeout: 10s
                  nodes:
                    - name: FilerA
                      address: 127.0.0.11
                      interconnect: 127.0.0.11:%d
                      disks: [filera-vol0]
                    - name: FilerB
                      address: 127.0.0.12
                      interconnect: 127.0.0.12:%d
                      disks: [filerb-vol0]
                naming:
                  convention: suffix
                  value: -failover
                  resolvers: [hosts]
                  options:
                    hosts.file: %s
                transport:
                  provider: %s
                  ports: {DAFS: %d, pDAF: %d}
                  options: {vi.directory: %s}
                ownership:
                  provider: file
                  options:
                    file.directory: %s
                    file.create: "filera-vol0:64MiB,filerb-vol0:64MiB"
                client:
                  server: FilerA
                  primaryRetries: 2
                  retryBackoff: 20ms
                  maxBackoff: 200ms
                  failoverBudget: 30s
                """.formatted(ports[2], ports[3], hosts, transport, ports[0], ports[1], dir.resolve("vi-fabric"), dir.resolve("disks")));
        return config;
    }

    /** Starts (or restarts) a node process. */
    void start(String name) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), "node", "--config",
                config().toString(), "--name", name).redirectErrorStream(true);
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

    /** {@return the node's state from its admin endpoint, or UNREACHABLE} */
    String state(String node) {
        try {
            String json = AdminClient.call(admin, deployment.node(node), "status", Duration.ofSeconds(5));
            return new ObjectMapper().readTree(json).get("state").asText();
        } catch (UnderstudyException | IOException e) {
            return "UNREACHABLE";
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
    }
}
