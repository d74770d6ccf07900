package io.understudy.testkit.netns;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Faults injected into a {@link Netns} topology, for real: signals to processes, links set down, processes
 * killed. Every injection is recorded as an {@link Injection} (what, on which target, when) before it returns,
 * and printed to the log stream if one was given, so a history of operations can be related to the faults.
 *
 * <p>Delay and loss need {@code tc qdisc ... netem}; where {@link Netns#netemAvailability()} says it is missing,
 * {@link #delay} and {@link #loss} throw {@link UnsupportedOperationException} with that reason (callers skip),
 * rather than pretend.
 */
public final class FaultInjector {

    /**
     * One injected fault.
     *
     * @param at     when it took effect (after the command that caused it returned)
     * @param fault  the kind, such as {@code kill-9}, {@code pause}, {@code interconnect-cut}
     * @param target the host or process it hit
     * @param detail particulars (pid, device, duration)
     */
    public record Injection(Instant at, String fault, String target, String detail) {
        @Override
        public String toString() {
            return at + " " + fault + " " + target + (detail.isEmpty() ? "" : " " + detail);
        }
    }

    private final Netns net;
    private final PrintStream log;
    private final List<Injection> injections = new CopyOnWriteArrayList<>();

    /**
     * @param net the topology
     * @param log where each injection is printed as it happens, or null
     */
    public FaultInjector(Netns net, PrintStream log) {
        this.net = Objects.requireNonNull(net, "net");
        this.log = log;
    }

    /** {@return every injection so far, in order} */
    public List<Injection> injections() {
        return List.copyOf(injections);
    }

    private Injection record(String fault, String target, String detail) {
        Injection i = new Injection(Instant.now(), fault, target, detail);
        injections.add(i);
        if (log != null) {
            log.println("fault " + i);
        }
        return i;
    }

    /** Kills the process with SIGKILL, as {@code kill -9} does, and waits (bounded) until it is gone. */
    public Injection kill9(String target, Process process) throws InterruptedException {
        long pid = process.pid();
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("pid " + pid + " (" + target + ") did not die within 10 s of SIGKILL");
        }
        return record("kill-9", target, "pid " + pid);
    }

    /** Stops the process with SIGSTOP: it holds its sockets but runs nothing, as in a long GC pause. */
    public Injection pause(String target, Process process) {
        signal("STOP", process);
        return record("pause", target, "SIGSTOP pid " + process.pid());
    }

    /** Lets a paused process run again (SIGCONT). */
    public Injection resume(String target, Process process) {
        signal("CONT", process);
        return record("resume", target, "SIGCONT pid " + process.pid());
    }

    /**
     * Pauses the process for {@code length}, then resumes it; the length is the fault itself. The process is
     * resumed even if this thread is interrupted.
     */
    public Injection pauseFor(String target, Process process, Duration length) throws InterruptedException {
        pause(target, process);
        try {
            TimeUnit.NANOSECONDS.sleep(length.toNanos());
        } finally {
            resume(target, process);
        }
        return record("pause-ended", target, "after " + length.toMillis() + " ms");
    }

    private static void signal(String signal, Process process) {
        String[] r = Netns.runRoot(List.of("kill", "-" + signal, Long.toString(process.pid())));
        if (!r[0].equals("0")) {
            throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed: " + r[1].strip());
        }
    }

    /** Cuts the interconnect: the node's {@code ic0} link is set down inside its namespace (its peer loses carrier). */
    public Injection cutInterconnect(String node) {
        net.interconnectAddress(node);
        net.run(node, "ip", "link", "set", "ic0", "down");
        return record("interconnect-cut", node, "ic0 down");
    }

    /** Restores the node's interconnect link. */
    public Injection restoreInterconnect(String node) {
        net.interconnectAddress(node);
        net.run(node, "ip", "link", "set", "ic0", "up");
        return record("interconnect-restored", node, "ic0 up");
    }

    /** Partitions the host from the data network: its bridge port is set down; the host itself sees carrier loss. */
    public Injection partitionData(String host) {
        String port = net.dataPort(host);
        net.rootCommand("ip", "link", "set", port, "down");
        return record("data-partition", host, port + " down");
    }

    /** Heals a data partition. */
    public Injection healData(String host) {
        String port = net.dataPort(host);
        net.rootCommand("ip", "link", "set", port, "up");
        return record("data-healed", host, port + " up");
    }

    /**
     * Disconnects a client: its data link goes down for {@code down}, then comes back up (a flapping cable). The
     * length is the fault itself.
     */
    public Injection flap(String host, Duration down) throws InterruptedException {
        partitionData(host);
        try {
            TimeUnit.NANOSECONDS.sleep(down.toNanos());
        } finally {
            healData(host);
        }
        return record("link-flapped", host, "down " + down.toMillis() + " ms");
    }

    /** Stops the DNS server: SIGKILL to the dnsmasq process of the DNS namespace. */
    public Injection dnsDown(Process dnsmasq) throws InterruptedException {
        long pid = dnsmasq.pid();
        dnsmasq.destroyForcibly();
        if (!dnsmasq.waitFor(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("dnsmasq pid " + pid + " did not die within 10 s");
        }
        // dnsmasq forks a child per TCP connection, which keeps the listening sockets: kill every process left
        // in the DNS host's namespace, so the server is really gone.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<String> left;
        while (!(left = pidsIn(Netns.DNS)).isEmpty()) {
            for (String p : left) {
                ProcessHandle.of(Long.parseLong(p)).ifPresent(ProcessHandle::destroyForcibly);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("processes " + left + " in the DNS namespace did not die within 10 s");
            }
            java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
        }
        return record("dns-down", Netns.DNS, "dnsmasq pid " + pid + " and its children killed");
    }

    /** {@return the pids of the processes in a host's namespace} */
    private List<String> pidsIn(String host) {
        try {
            Process p = new ProcessBuilder("ip", "netns", "pids", net.namespace(host)).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("ip netns pids " + net.namespace(host) + " failed: " + out.strip());
            }
            return out.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot run ip netns pids: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * Delays every packet leaving the host's data link by {@code delay} with {@code tc netem}.
     *
     * @throws UnsupportedOperationException with {@link Netns#netemAvailability()}'s reason where netem is missing
     */
    public Injection delay(String host, Duration delay) {
        netem(host, List.of("delay", delay.toMillis() + "ms"));
        return record("delay", host, delay.toMillis() + " ms on data0");
    }

    /**
     * Drops {@code percent} of the packets leaving the host's data link with {@code tc netem}.
     *
     * @throws UnsupportedOperationException with {@link Netns#netemAvailability()}'s reason where netem is missing
     */
    public Injection loss(String host, double percent) {
        if (!(percent >= 0 && percent <= 100)) {
            throw new IllegalArgumentException("loss must be 0-100 %, not " + percent);
        }
        netem(host, List.of("loss", percent + "%"));
        return record("loss", host, percent + " % on data0");
    }

    /** Removes delay or loss from the host's data link. */
    public Injection clearNetem(String host) {
        net.run(host, "tc", "qdisc", "del", "dev", "data0", "root");
        return record("netem-cleared", host, "data0");
    }

    private void netem(String host, List<String> args) {
        String why = Netns.netemAvailability();
        if (why != null) {
            throw new UnsupportedOperationException(why);
        }
        List<String> cmd = new ArrayList<>(List.of("tc", "qdisc", "replace", "dev", "data0", "root", "netem"));
        cmd.addAll(args);
        net.run(host, cmd.toArray(String[]::new));
    }

    /** Starts a process in a host's namespace; a convenience for injectors' targets. */
    public Process start(String host, String... command) throws IOException {
        return net.exec(host, command);
    }
}
