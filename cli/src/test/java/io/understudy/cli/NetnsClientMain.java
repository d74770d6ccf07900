package io.understudy.cli;

import io.understudy.api.ServerName;
import io.understudy.api.UnderstudyException;
import io.understudy.api.event.ClientStep;
import io.understudy.api.ownership.DiskId;
import io.understudy.client.FailoverClient;
import io.understudy.examples.fileservice.FileServiceClient;
import io.understudy.spi.transport.Transport;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * A failover client as its own process, started in a client network namespace so that its sockets live there:
 * it writes files through the example file service and reports on stdout, one line each, with the instant:
 * {@code ack <instant> <path> <content>}, {@code error <instant> <message>}, {@code step <instant> <client step>}.
 * Commands on stdin: {@code start} (begin writing), {@code stop} (stop writing; answers {@code stopped <n>}),
 * {@code verify} (read back every acknowledged write; answers {@code lost <path>} lines then
 * {@code verified <ok> lost <n>}), {@code connect <ip> <port>} (a raw TCP connect within 1 s; answers
 * {@code connect ok|refused|timeout|error <why>}), {@code exit}.
 *
 * <p>Arguments: the configuration file, the server name, the volume.
 */
public final class NetnsClientMain {

    private NetnsClientMain() {
    }

    public static void main(String[] args) throws Exception {
        Path config = Path.of(args[0]);
        ServerName server = ServerName.of(args[1]);
        DiskId volume = DiskId.of(args[2]);
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        Deployment d = Deployment.load(config);
        Transport t = d.clientTransport();
        FailoverClient client = d.client(server, t).listener(e -> {
            if (e instanceof ClientStep s) {
                say(out, "step " + s.at() + " " + s.describe());
            }
        }).build();
        FileServiceClient files = new FileServiceClient(client);
        Map<String, String> acked = new ConcurrentHashMap<>();
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch done = new CountDownLatch(1);
        say(out, "ready " + ProcessHandle.current().pid());
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                String[] w = line.strip().split(" ");
                switch (w[0]) {
                    case "start" -> Thread.ofPlatform().name("writer").daemon().start(() -> {
                        try {
                            for (int n = 0; !stop.get(); n++) {
                                String path = "netns/" + server + "-" + n;
                                String content = server + "-" + n + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
                                try {
                                    files.create(volume, path);
                                    files.write(volume, path, 0, content.getBytes(StandardCharsets.UTF_8));
                                    acked.put(path, content);
                                    say(out, "ack " + Instant.now() + " " + path + " " + content);
                                } catch (UnderstudyException e) {
                                    say(out, "error " + Instant.now() + " " + e.getMessage().replace('\n', ' '));
                                }
                                LockSupport.parkNanos(5_000_000);
                            }
                        } finally {
                            done.countDown();
                        }
                    });
                    case "stop" -> {
                        stop.set(true);
                        done.await();
                        say(out, "stopped " + acked.size());
                    }
                    case "verify" -> {
                        long ok = 0;
                        long lost = 0;
                        for (var e : acked.entrySet()) {
                            byte[] want = e.getValue().getBytes(StandardCharsets.UTF_8);
                            try {
                                ByteBuffer got = files.read(volume, e.getKey(), 0, want.length).data();
                                byte[] a = new byte[got.remaining()];
                                got.duplicate().get(a);
                                if (Arrays.equals(want, a)) {
                                    ok++;
                                    continue;
                                }
                                say(out, "lost " + e.getKey() + " read " + new String(a, StandardCharsets.UTF_8));
                            } catch (UnderstudyException ex) {
                                say(out, "lost " + e.getKey() + " " + ex.getMessage().replace('\n', ' '));
                            }
                            lost++;
                        }
                        say(out, "verified " + ok + " lost " + lost);
                    }
                    case "connect" -> say(out, "connect " + connect(w[1], Integer.parseInt(w[2])));
                    case "exit" -> {
                        client.close();
                        t.close();
                        System.exit(0);
                    }
                    default -> say(out, "unknown command " + line);
                }
            }
        }
        System.exit(0);
    }

    private static String connect(String ip, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(ip, port), 1000);
            return "ok";
        } catch (ConnectException e) {
            return "refused";
        } catch (SocketTimeoutException e) {
            return "timeout";
        } catch (IOException e) {
            return "error " + e.getMessage();
        }
    }

    private static void say(PrintStream out, String line) {
        synchronized (out) {
            out.println(line);
        }
    }
}
