package io.understudy.testkit.netns;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A DNS server on the {@value Netns#DNS} host of a topology: Debian's {@code dnsmasq} in the foreground, on the
 * DNS host's data address, port 53, serving only a hosts-format file (no {@code /etc/hosts}, no upstream, every
 * name local) and the SRV records given. Kill it with {@link FaultInjector#dnsDown(Process)}.
 */
public final class NetnsDnsmasq implements AutoCloseable {

    private final Process process;
    private final String server;

    private NetnsDnsmasq(Process process, String server) {
        this.process = process;
        this.server = server;
    }

    /** {@return the dnsmasq process} */
    public Process process() {
        return process;
    }

    /** {@return where it listens, {@code <address>:53}} */
    public String server() {
        return server;
    }

    /**
     * Starts dnsmasq in the DNS namespace and waits (bounded, 10 s) until it listens on UDP port 53.
     *
     * @param net      a topology with a DNS host
     * @param dir      where its log and output go
     * @param hosts    the hosts-format file it serves
     * @param srvHosts {@code --srv-host} values
     * @param ttl      the TTL of its answers
     * @throws IllegalStateException if dnsmasq is missing or does not start listening
     */
    public static NetnsDnsmasq start(Netns net, Path dir, Path hosts, List<String> srvHosts, Duration ttl) throws IOException {
        Path bin = Path.of("/usr/sbin/dnsmasq");
        if (!Files.isExecutable(bin)) {
            throw new IllegalStateException("dnsmasq is not installed (/usr/sbin/dnsmasq; Debian package dnsmasq-base)");
        }
        String address = net.dataAddress(Netns.DNS);
        List<String> cmd = new ArrayList<>(List.of(bin.toString(), "--keep-in-foreground", "--conf-file=/dev/null",
                "--no-resolv", "--no-hosts", "--no-poll", "--bind-interfaces", "--listen-address=" + address,
                "--port=53", "--pid-file=" + dir.resolve("dnsmasq.pid"), "--log-facility=" + dir.resolve("dnsmasq.log"),
                "--addn-hosts=" + hosts, "--local=/#/", "--local-ttl=" + Math.max(0, ttl.toSeconds()),
                "--user=root", "--group=root"));
        srvHosts.forEach(s -> cmd.add("--srv-host=" + s));
        Process p = net.command(Netns.DNS, cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("dnsmasq.out").toFile())).start();
        NetnsDnsmasq d = new NetnsDnsmasq(p, address + ":53");
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                break;
            }
            String listening = net.run(Netns.DNS, "ss", "-H", "-lun", "sport = :53");
            if (listening.contains(address + ":53")) {
                return d;
            }
            LockSupport.parkNanos(50_000_000);
        }
        d.close();
        String out = Files.exists(dir.resolve("dnsmasq.out")) ? Files.readString(dir.resolve("dnsmasq.out")) : "";
        throw new IllegalStateException("dnsmasq did not listen on " + address + ":53 within 10 s; its output: " + out.strip());
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
