package io.understudy.cli;

import io.understudy.api.InetEndpoint;
import io.understudy.api.ServerName;
import io.understudy.api.spi.ProviderContext;
import io.understudy.spi.naming.NameQuery;
import io.understudy.spi.naming.NameResolver;
import io.understudy.spi.naming.NameResolverRegistry;
import io.understudy.spi.naming.Resolution;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The demo's DNS server for {@code understudy demo --naming dns}: Debian's {@code dnsmasq} in the foreground
 * on 127.0.0.1 at a free port, with its own configuration only (no {@code /etc/hosts}, no upstream servers,
 * every name local), serving the demo's hosts file and SRV records. Readiness is checked through the
 * {@code dns} naming plugin itself, so the CLI does not compile against it.
 */
final class DnsServer implements AutoCloseable {

    private final Process process;
    private final int port;

    private DnsServer(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** {@return where it listens, as the {@code dns.servers} option text} */
    String server() {
        return "127.0.0.1:" + port;
    }

    /**
     * Starts dnsmasq and waits (bounded) until the {@code dns} resolver gets an answer for {@code probe}.
     *
     * @param dir      where its log and pid file go
     * @param hosts    the hosts-format file it serves
     * @param srvHosts {@code --srv-host} values
     * @param probe    a name in the hosts file
     * @throws IllegalStateException if dnsmasq is not installed or does not start
     */
    static DnsServer start(Path dir, Path hosts, List<String> srvHosts, String probe) throws IOException, InterruptedException {
        Path bin = binary();
        String last = "";
        for (int attempt = 0; attempt < 5; attempt++) {
            int port = freePort();
            List<String> cmd = new ArrayList<>(List.of(bin.toString(), "--keep-in-foreground", "--conf-file=/dev/null",
                    "--no-resolv", "--no-hosts", "--no-poll", "--bind-interfaces", "--listen-address=127.0.0.1",
                    "--port=" + port, "--pid-file=" + dir.resolve("dnsmasq.pid"), "--log-facility=" + dir.resolve("dnsmasq.log"),
                    "--addn-hosts=" + hosts, "--local=/#/", "--local-ttl=5"));
            if ("root".equals(System.getProperty("user.name"))) {
                cmd.add("--user=root");
                cmd.add("--group=root");
            }
            srvHosts.forEach(s -> cmd.add("--srv-host=" + s));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("dnsmasq.out").toFile())).start();
            DnsServer d = new DnsServer(p, port);
            if (d.awaitAnswer(probe, Duration.ofSeconds(10))) {
                return d;
            }
            d.close();
            last = Files.exists(dir.resolve("dnsmasq.out")) ? Files.readString(dir.resolve("dnsmasq.out")) : "";
        }
        throw new IllegalStateException("dnsmasq did not start answering on 127.0.0.1; its output: " + last);
    }

    private static Path binary() {
        for (String d : (System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, "dnsmasq"))) {
                return Path.of(d, "dnsmasq");
            }
        }
        throw new IllegalStateException("demo --naming dns needs dnsmasq, which is not installed;"
                + " install it with 'apt-get install dnsmasq-base' (or run .ci/install-test-deps), or use --naming hosts");
    }

    private boolean awaitAnswer(String probe, Duration bound) throws InterruptedException {
        ProviderContext ctx = ProviderContext.builder().setting("dns.servers", server()).setting("dns.timeout", "200ms").build();
        try (NameResolver r = NameResolverRegistry.getDefault().select("dns", InetEndpoint.class).open(ctx)) {
            long end = System.nanoTime() + bound.toNanos();
            while (System.nanoTime() - end < 0) {
                if (!process.isAlive()) {
                    return false;
                }
                if (r.resolve(NameQuery.of(ServerName.of(probe))) instanceof Resolution.Resolved) {
                    return true;
                }
                Thread.sleep(5); // polling interval of a bounded wait
            }
        }
        return false;
    }

    @SuppressWarnings("try") // the sockets only prove the port is free
    private static int freePort() throws IOException {
        for (int i = 0; i < 1000; i++) {
            int candidate = 20_000 + ThreadLocalRandom.current().nextInt(12_000);
            try (DatagramSocket u = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), candidate));
                 ServerSocket t = new ServerSocket(candidate, 1, InetAddress.getLoopbackAddress())) {
                return candidate;
            } catch (IOException busy) {
                // try another
            }
        }
        throw new IOException("no free port for dnsmasq in 20000-31999");
    }

    /** Stops dnsmasq (SIGTERM, then SIGKILL) and waits for it. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
