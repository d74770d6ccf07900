package io.understudy.naming.dns;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;

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
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * A real DNS server for the tests: Debian's {@code dnsmasq}, started in the foreground on 127.0.0.1 at a free
 * port below the ephemeral range, with its own configuration only ({@code --conf-file=/dev/null}, no
 * {@code /etc/hosts}, no upstream servers) and every name authoritative-local ({@code --local=/#/}), so an
 * unknown name is NXDOMAIN rather than a forwarded query. Names come from a hosts-format file the test can
 * rewrite ({@link #rewriteHosts}, which signals dnsmasq to re-read it) and from extra arguments such as
 * {@code --srv-host}. {@link #close} stops it; tests close it in {@code @AfterAll}/{@code finally}.
 *
 * <p>Where dnsmasq is missing: with {@code CI=true} the test fails, saying to run
 * {@code .ci/install-test-deps}; elsewhere it is skipped with the same reason.
 */
final class Dnsmasq implements AutoCloseable {

    /** The TTL dnsmasq gives its local answers, in seconds. */
    static final int LOCAL_TTL = 3;
    /** A name every instance answers, used to tell when it is ready. */
    static final String READY = "ready.dnsmasq.test";

    private final Process process;
    private final Path dir;
    private final Path hosts;
    private final int port;

    private Dnsmasq(Process process, Path dir, Path hosts, int port) {
        this.process = process;
        this.dir = dir;
        this.hosts = hosts;
        this.port = port;
    }

    /** {@return the dnsmasq binary, or aborts/fails the test as the class comment says} */
    static Path binary() {
        for (String d : (System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, "dnsmasq"))) {
                return Path.of(d, "dnsmasq");
            }
        }
        String why = "dnsmasq is not installed (Debian package 'dnsmasq'); run .ci/install-test-deps (as root) to install it";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail(why + ". CI=true, so the DNS tests must not be skipped.");
        }
        abort(why + "; skipping the tests against a real DNS server");
        throw new AssertionError("unreachable");
    }

    /**
     * Starts dnsmasq and waits (bounded) until it answers.
     *
     * @param dir        a directory for its files
     * @param hostsLines lines of its hosts file
     * @param extraArgs  more dnsmasq arguments, such as {@code --srv-host=...}
     * @return the running server
     */
    static Dnsmasq start(Path dir, List<String> hostsLines, String... extraArgs) throws IOException, InterruptedException {
        Path bin = binary();
        Path hosts = dir.resolve("dnsmasq.hosts");
        Files.writeString(hosts, String.join("\n", hostsLines) + "\n");
        String lastLog = "";
        for (int attempt = 0; attempt < 5; attempt++) {
            int port = freePort();
            Path log = dir.resolve("dnsmasq-" + port + ".log");
            List<String> cmd = new ArrayList<>(List.of(bin.toString(),
                    "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--no-poll",
                    "--bind-interfaces", "--listen-address=127.0.0.1", "--port=" + port,
                    "--pid-file=" + dir.resolve("dnsmasq-" + port + ".pid"), "--log-facility=" + log,
                    "--addn-hosts=" + hosts, "--local=/#/", "--local-ttl=" + LOCAL_TTL,
                    "--host-record=" + READY + ",127.0.0.1"));
            if ("root".equals(System.getProperty("user.name"))) {
                cmd.add("--user=root"); // keep read access to the test's files when it re-reads them
                cmd.add("--group=root");
            }
            cmd.addAll(List.of(extraArgs));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("dnsmasq-" + port + ".out").toFile()).start();
            Dnsmasq d = new Dnsmasq(p, dir, hosts, port);
            if (d.awaitReady(Duration.ofSeconds(10))) {
                return d;
            }
            lastLog = d.output();
            d.close();
        }
        fail("dnsmasq did not start answering on 127.0.0.1 after 5 tries; its output: " + lastLog);
        throw new AssertionError("unreachable");
    }

    /** {@return where it listens} */
    InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    /** {@return where it listens, as the dns.servers option text} */
    String server() {
        return "127.0.0.1:" + port;
    }

    /**
     * Rewrites the hosts file and signals dnsmasq to re-read it (SIGHUP), then waits (bounded) until a query
     * for {@code probe} sees {@code expected}.
     */
    void rewriteHosts(List<String> lines, String probe, InetAddress expected) throws IOException, InterruptedException {
        Path tmp = dir.resolve("dnsmasq.hosts.tmp");
        Files.writeString(tmp, String.join("\n", lines) + "\n");
        Files.move(tmp, hosts, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(process.pid())).inheritIO().start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            fail("kill -HUP " + process.pid() + " failed");
        }
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!answers(probe, expected)) {
            if (System.nanoTime() - end > 0) {
                fail("dnsmasq did not serve " + probe + " -> " + expected + " within 10 s of SIGHUP; output: " + output());
            }
            Thread.sleep(5); // polling interval of a bounded wait
        }
    }

    /** {@return what dnsmasq logged so far} */
    String output() {
        try {
            StringBuilder sb = new StringBuilder();
            try (var files = Files.list(dir)) {
                for (Path f : files.filter(f -> f.getFileName().toString().contains("-" + port + ".")).sorted().toList()) {
                    if (!f.toString().endsWith(".pid")) {
                        sb.append(Files.readString(f));
                    }
                }
            }
            return sb.toString();
        } catch (IOException e) {
            return "(cannot read: " + e + ")";
        }
    }

    private boolean awaitReady(Duration bound) throws InterruptedException {
        long end = System.nanoTime() + bound.toNanos();
        while (System.nanoTime() - end < 0) {
            if (!process.isAlive()) {
                return false;
            }
            if (answers(READY, InetAddress.getLoopbackAddress())) {
                return true;
            }
            Thread.sleep(5); // polling interval of a bounded wait
        }
        return false;
    }

    private boolean answers(String name, InetAddress expected) {
        try {
            SimpleResolver r = new SimpleResolver(address());
            r.setTimeout(Duration.ofMillis(200));
            Message m = r.send(Message.newQuery(Record.newRecord(Name.fromString(name, Name.root), Type.A, DClass.IN)));
            return m.getSection(Section.ANSWER).stream().anyMatch(x -> x instanceof ARecord a && a.getAddress().equals(expected));
        } catch (IOException e) {
            return false;
        }
    }

    /** Stops dnsmasq (SIGTERM, then SIGKILL after 5 s) and waits for it to exit. */
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

    /** A port free for both UDP and TCP on 127.0.0.1, below the ephemeral range so nothing else takes it meanwhile. */
    @SuppressWarnings("try") // the sockets only prove the port is free
    static int freePort() throws IOException {
        Random random = new Random();
        for (int i = 0; i < 1000; i++) {
            int candidate = 20_000 + random.nextInt(12_000);
            try (DatagramSocket u = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), candidate));
                 ServerSocket t = new ServerSocket(candidate, 1, InetAddress.getLoopbackAddress())) {
                return candidate;
            } catch (IOException busy) {
                // try another
            }
        }
        throw new IOException("no free port for dnsmasq in 20000-31999");
    }
}
