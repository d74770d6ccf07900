package io.understudy.testkit.netns;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Real hosts on one machine: a topology of Linux network namespaces, one per host, built with {@code ip}.
 *
 * <p>Every host has loopback up and a veth pair to a Linux bridge for the data network
 * ({@code 10.77.<k>.0/24}, device {@code data0} in the host). The {@link Topology#nodes() nodes} also have a
 * second veth pair to a second bridge, the interconnect ({@code 10.78.<k>.0/24}, device {@code ic0}), so cutting
 * one never touches the other. The interconnect bridge in the root namespace carries {@code 10.78.<k>.254}: the
 * test process reaches the nodes' admin endpoints (which listen on the interconnect address) the way an operator's
 * management station would, and loses them when the interconnect is cut, as that station would. The data bridge
 * has no address: clients and servers meet only inside the namespaces. {@code <k>} is picked per instance among
 * subnets the root namespace has no route to, so parallel instances do not collide.
 *
 * <p>Every name this instance creates starts with {@code us<id>} (namespaces {@code us<id>-<host>}, bridges and
 * veth ends {@code us<id><suffix>}), where {@code <id>} is six random hex digits; the owning JVM's pid is written to
 * {@code /run/understudy-netns/<id>}. At start, leftovers of instances whose owner is gone (a JVM killed before
 * its cleanup) are removed. {@link #close()} removes everything and is idempotent; a JVM shutdown hook calls it
 * too, so a failing test leaves nothing behind.
 *
 * <p>This class uses no test framework, so tools can use it at run time; tests call {@link #availability()} and
 * skip with its reason.
 */
public final class Netns implements AutoCloseable {

    /** Where owner pid files live. */
    static final Path OWNERS = Path.of("/run/understudy-netns");
    private static final Pattern NS_NAME = Pattern.compile("^us([0-9a-f]{6})-\\S+");
    private static final Pattern LINK_NAME = Pattern.compile("^us([0-9a-f]{6})[a-z][0-9]*$");
    private static final Duration COMMAND_LIMIT = Duration.ofSeconds(20);

    /**
     * The hosts of a topology.
     *
     * @param nodes   the server nodes (data network and interconnect), such as FilerA and FilerB
     * @param clients client hosts (data network only)
     * @param dns     whether there is a {@value #DNS} host (data network only) for a DNS server
     */
    public record Topology(List<String> nodes, List<String> clients, boolean dns) {
        /** Validates the host names: letters, digits and {@code -}, at most 20 characters, all different. */
        public Topology {
            nodes = List.copyOf(nodes);
            clients = List.copyOf(clients);
            Set<String> seen = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
            List<String> all = new ArrayList<>(nodes);
            all.addAll(clients);
            if (dns) {
                all.add(DNS);
            }
            if (all.size() > 50) {
                throw new IllegalArgumentException("a topology has at most 50 hosts, not " + all.size());
            }
            for (String h : all) {
                if (!h.matches("[A-Za-z0-9-]{1,20}")) {
                    throw new IllegalArgumentException("host name '" + h + "': use 1-20 letters, digits or '-'");
                }
                if (!seen.add(h)) {
                    throw new IllegalArgumentException("host name '" + h + "' appears twice in the topology");
                }
            }
        }

        /** {@return FilerA and FilerB, the given clients, and a DNS host} */
        public static Topology pair(String... clients) {
            return new Topology(List.of("FilerA", "FilerB"), List.of(clients), true);
        }
    }

    /** The name of the DNS host of a topology with {@code dns}. */
    public static final String DNS = "dns";

    /** One host: its namespace and addresses. */
    private record Host(String name, String namespace, int index, String dataAddress, String interconnectAddress) {
    }

    private final String id;
    private final int subnet;
    private final Topology topology;
    private final Map<String, Host> hosts = new LinkedHashMap<>();
    private final Thread hook;
    private boolean closed;

    private Netns(String id, int subnet, Topology topology) {
        this.id = id;
        this.subnet = subnet;
        this.topology = topology;
        this.hook = new Thread(this::teardown, "netns-teardown-" + id);
    }

    /**
     * {@return null when namespaces can be used here, or why not} Checks that this process is root, that {@code ip}
     * exists, and that a namespace can be created and removed (a container may forbid it).
     */
    public static String availability() {
        if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            return "network namespaces need Linux, this is " + System.getProperty("os.name");
        }
        String user = System.getProperty("user.name");
        Result id = run(List.of("id", "-u"));
        if (id.exit != 0 || !id.out.strip().equals("0")) {
            return "network namespaces need root; this process runs as " + user;
        }
        Result ip = run(List.of("ip", "-V"));
        if (ip.exit != 0) {
            return "the ip command (iproute2) is missing: " + ip.out.strip();
        }
        String probe = "us" + randomId() + "-probe";
        Result add = run(List.of("ip", "netns", "add", probe));
        if (add.exit != 0) {
            return "cannot create a network namespace: " + add.out.strip();
        }
        Result veth = run(List.of("ip", "-n", probe, "link", "add", "p0", "type", "veth", "peer", "name", "p1"));
        run(List.of("ip", "netns", "del", probe));
        if (veth.exit != 0) {
            return "cannot create a veth pair in a namespace: " + veth.out.strip();
        }
        return null;
    }

    /**
     * {@return null when {@code tc qdisc ... netem} (delay, loss) works here, or why not} Probes by adding a netem
     * qdisc to a veth in a throwaway namespace; many kernels are built without {@code sch_netem}.
     */
    public static String netemAvailability() {
        String why = availability();
        if (why != null) {
            return why;
        }
        String probe = "us" + randomId() + "-netem";
        run(List.of("ip", "netns", "add", probe));
        try {
            Result veth = run(List.of("ip", "-n", probe, "link", "add", "p0", "type", "veth", "peer", "name", "p1"));
            if (veth.exit != 0) {
                return "cannot create a veth pair: " + veth.out.strip();
            }
            Result tc = run(List.of("ip", "netns", "exec", probe, "tc", "qdisc", "add", "dev", "p0", "root", "netem", "delay", "1ms"));
            if (tc.exit != 0) {
                String out = tc.out.strip();
                if (out.contains("unknown") || out.contains("No such file")) {
                    return "netem unavailable in this kernel (tc: " + out + ")";
                }
                return "tc netem failed: " + out;
            }
            return null;
        } finally {
            run(List.of("ip", "netns", "del", probe));
        }
    }

    /**
     * Builds the topology: namespaces, bridges, veth pairs, addresses, loopback. On failure everything built so
     * far is removed.
     *
     * @throws IllegalStateException if namespaces are unavailable here ({@link #availability()} says why) or a
     *                               command fails (with the command and its output)
     */
    public static Netns start(Topology topology) {
        Objects.requireNonNull(topology, "topology");
        cleanStale();
        String id = randomId();
        Netns n = new Netns(id, freeSubnet(), topology);
        Runtime.getRuntime().addShutdownHook(n.hook);
        try {
            n.build();
        } catch (RuntimeException e) {
            n.close();
            throw e;
        }
        return n;
    }

    private void build() {
        try {
            Files.createDirectories(OWNERS);
            Files.writeString(OWNERS.resolve(id), Long.toString(ProcessHandle.current().pid()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the owner file under " + OWNERS, e);
        }
        must("ip", "link", "add", dataBridge(), "type", "bridge");
        must("ip", "link", "set", dataBridge(), "up");
        if (!topology.nodes().isEmpty()) {
            must("ip", "link", "add", icBridge(), "type", "bridge");
            must("ip", "addr", "add", "10.78." + subnet + ".254/24", "dev", icBridge());
            must("ip", "link", "set", icBridge(), "up");
        }
        int index = 1;
        List<String> all = new ArrayList<>(topology.nodes());
        all.addAll(topology.clients());
        if (topology.dns()) {
            all.add(DNS);
        }
        for (String name : all) {
            boolean node = topology.nodes().contains(name);
            int octet = name.equals(DNS) ? 53 : index;
            Host h = new Host(name, "us" + id + "-" + name, index, "10.77." + subnet + "." + octet,
                    node ? "10.78." + subnet + "." + octet : null);
            hosts.put(name, h);
            must("ip", "netns", "add", h.namespace());
            must("ip", "-n", h.namespace(), "link", "set", "lo", "up");
            must("ip", "link", "add", dataVeth(h), "type", "veth", "peer", "name", "data0", "netns", h.namespace());
            must("ip", "link", "set", dataVeth(h), "master", dataBridge());
            must("ip", "link", "set", dataVeth(h), "up");
            must("ip", "-n", h.namespace(), "addr", "add", h.dataAddress() + "/24", "dev", "data0");
            must("ip", "-n", h.namespace(), "link", "set", "data0", "up");
            if (node) {
                must("ip", "link", "add", icVeth(h), "type", "veth", "peer", "name", "ic0", "netns", h.namespace());
                must("ip", "link", "set", icVeth(h), "master", icBridge());
                must("ip", "link", "set", icVeth(h), "up");
                must("ip", "-n", h.namespace(), "addr", "add", h.interconnectAddress() + "/24", "dev", "ic0");
                must("ip", "-n", h.namespace(), "link", "set", "ic0", "up");
            }
            index++;
        }
    }

    /** {@return this instance's name prefix, {@code us<id>}} */
    public String prefix() {
        return "us" + id;
    }

    /** {@return the topology} */
    public Topology topology() {
        return topology;
    }

    /** {@return the host's namespace name, as {@code ip netns} knows it} */
    public String namespace(String host) {
        return host(host).namespace();
    }

    /** {@return the host's address on the data network} */
    public String dataAddress(String host) {
        return host(host).dataAddress();
    }

    /** {@return the node's address on the interconnect} @throws IllegalArgumentException for a host that is no node */
    public String interconnectAddress(String host) {
        Host h = host(host);
        if (h.interconnectAddress() == null) {
            throw new IllegalArgumentException(host + " is not a node; only nodes are on the interconnect");
        }
        return h.interconnectAddress();
    }

    /** {@return the data network, such as {@code 10.77.12.0/24}} */
    public String dataNetwork() {
        return "10.77." + subnet + ".0/24";
    }

    /** {@return the interconnect network, such as {@code 10.78.12.0/24}} */
    public String interconnectNetwork() {
        return "10.78." + subnet + ".0/24";
    }

    /** {@return the host names, nodes first} */
    public List<String> hosts() {
        return List.copyOf(hosts.keySet());
    }

    /**
     * {@return a process builder for {@code ip netns exec <namespace> command...}} {@code ip netns exec} replaces
     * itself with the command, so the started process's pid is the command's (signals reach it directly).
     */
    public ProcessBuilder command(String host, List<String> command) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", namespace(host)));
        cmd.addAll(command);
        return new ProcessBuilder(cmd);
    }

    /** Starts {@code command} in the host's namespace, output and errors merged. */
    public Process exec(String host, String... command) throws IOException {
        return command(host, List.of(command)).redirectErrorStream(true).start();
    }

    /**
     * Runs a command in the host's namespace to completion (bounded).
     *
     * @return its output (stdout and stderr)
     * @throws IllegalStateException if it fails or does not finish in 20 s
     */
    public String run(String host, String... command) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", namespace(host)));
        cmd.addAll(List.of(command));
        return must(cmd.toArray(String[]::new));
    }

    /** {@return the root-namespace end of the host's data veth (its bridge port)} */
    public String dataPort(String host) {
        return dataVeth(host(host));
    }

    /** {@return the root-namespace end of the node's interconnect veth (its bridge port)} */
    public String interconnectPort(String host) {
        interconnectAddress(host);
        return icVeth(host(host));
    }

    /** Runs an {@code ip} (or other) command in the root namespace; {@return its output} */
    String rootCommand(String... command) {
        return must(command);
    }

    private Host host(String name) {
        Host h = hosts.get(name);
        if (h == null) {
            throw new IllegalArgumentException("no host '" + name + "' in this topology; hosts: " + hosts.keySet());
        }
        return h;
    }

    private String dataBridge() {
        return "us" + id + "b";
    }

    private String icBridge() {
        return "us" + id + "i";
    }

    private String dataVeth(Host h) {
        return "us" + id + "d" + h.index();
    }

    private String icVeth(Host h) {
        return "us" + id + "c" + h.index();
    }

    /** Removes every namespace and link of this instance (and its owner file). Idempotent. */
    @Override
    public void close() {
        teardown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException | IllegalArgumentException e) {
            // The JVM is shutting down, or the hook already ran.
        }
    }

    private synchronized void teardown() {
        if (closed) {
            return;
        }
        closed = true;
        removeAll(id);
    }

    /** Removes every namespace and link whose name carries the id, and the owner file. */
    private static void removeAll(String id) {
        for (String ns : namespaces()) {
            Matcher m = NS_NAME.matcher(ns);
            if (m.matches() && m.group(1).equals(id)) {
                // Processes still inside keep nothing alive: the namespace's links go with its last reference,
                // but kill them anyway so that nothing of ours survives the topology.
                Result pids = run(List.of("ip", "netns", "pids", ns));
                for (String pid : pids.out.split("\\s+")) {
                    if (pid.matches("\\d+")) {
                        ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
                    }
                }
                run(List.of("ip", "netns", "del", ns));
            }
        }
        for (String link : links()) {
            Matcher m = LINK_NAME.matcher(link);
            if (m.matches() && m.group(1).equals(id)) {
                run(List.of("ip", "link", "del", link));
            }
        }
        try {
            Files.deleteIfExists(OWNERS.resolve(id));
        } catch (IOException e) {
            // Harmless: a stale owner file names a dead pid and is removed by the next start.
        }
    }

    /** Removes the namespaces and links of instances whose owning JVM is gone. */
    static void cleanStale() {
        Set<String> ids = new TreeSet<>();
        for (String ns : namespaces()) {
            Matcher m = NS_NAME.matcher(ns);
            if (m.matches()) {
                ids.add(m.group(1));
            }
        }
        for (String link : links()) {
            Matcher m = LINK_NAME.matcher(link);
            if (m.matches()) {
                ids.add(m.group(1));
            }
        }
        for (String id : ids) {
            if (!ownerAlive(id)) {
                removeAll(id);
            }
        }
    }

    private static boolean ownerAlive(String id) {
        try {
            long pid = Long.parseLong(Files.readString(OWNERS.resolve(id)).strip());
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        } catch (IOException | NumberFormatException e) {
            return false;
        }
    }

    static List<String> namespaces() {
        List<String> out = new ArrayList<>();
        for (String line : run(List.of("ip", "netns", "list")).out.split("\n")) {
            String name = line.strip().split("\\s+")[0];
            if (!name.isEmpty()) {
                out.add(name);
            }
        }
        return out;
    }

    static List<String> links() {
        List<String> out = new ArrayList<>();
        for (String line : run(List.of("ip", "-o", "link", "show")).out.split("\n")) {
            String[] parts = line.split(": ", 3);
            if (parts.length >= 2) {
                String name = parts[1].strip();
                int at = name.indexOf('@');
                out.add(at < 0 ? name : name.substring(0, at));
            }
        }
        return out;
    }

    /** A third octet that no route of the root namespace uses in 10.77/16 or 10.78/16. */
    private static int freeSubnet() {
        String routes = run(List.of("ip", "-4", "route", "show", "table", "all")).out;
        for (int attempt = 0; attempt < 500; attempt++) {
            int k = 1 + ThreadLocalRandom.current().nextInt(250);
            if (!routes.contains("10.77." + k + ".") && !routes.contains("10.78." + k + ".")) {
                return k;
            }
        }
        throw new IllegalStateException("no free 10.77.k.0/24 and 10.78.k.0/24 subnets in the root namespace's routes");
    }

    private static String randomId() {
        byte[] b = new byte[3];
        ThreadLocalRandom.current().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static String must(String... command) {
        Result r = run(List.of(command));
        if (r.exit != 0) {
            throw new IllegalStateException("netns: '" + String.join(" ", command) + "' failed (exit " + r.exit + "): " + r.out.strip());
        }
        return r.out;
    }

    private record Result(int exit, String out) {
    }

    private static Result run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[] out;
            try (InputStream in = p.getInputStream()) {
                out = in.readAllBytes();
            }
            if (!p.waitFor(COMMAND_LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return new Result(-1, String.join(" ", command) + " did not finish in " + COMMAND_LIMIT.toSeconds() + " s");
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Result(-1, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
    }

    /** Runs a command in the root namespace, bounded; for the injectors. {@return exit code and output} */
    static String[] runRoot(List<String> command) {
        Result r = run(command);
        return new String[] {Integer.toString(r.exit), r.out};
    }
}
