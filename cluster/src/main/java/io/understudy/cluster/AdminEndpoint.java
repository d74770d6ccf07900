package io.understudy.cluster;

import io.understudy.api.DataAccessPort;
import io.understudy.api.UnderstudyException;
import io.understudy.api.event.NodeState;
import io.understudy.spi.transport.Connection;
import io.understudy.spi.transport.Listener;
import io.understudy.spi.transport.Transport;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The operator's way into a running node: one text command per frame, one text reply per frame.
 *
 * <ul>
 *   <li>{@code status}: the node's {@link NodeStatus} as JSON;</li>
 *   <li>{@code takeover}: operator takeover of the partner (Fig. 7), answered when done;</li>
 *   <li>{@code giveback}: giveback to the partner (Fig. 5), answered when done;</li>
 *   <li>{@code fail REASON}: "I am failing", then the node stops serving;</li>
 *   <li>{@code interconnect cut} / {@code interconnect restore}: fault injection for drills and tests.</li>
 * </ul>
 *
 * Replies start with {@code ok } or {@code error }. Listens on the {@code admin} port of the interconnect
 * transport, which a deployment binds to a management address.
 *
 * @since 0.1
 */
public final class AdminEndpoint implements AutoCloseable {

    /** The data-access port name of the admin endpoint. */
    public static final DataAccessPort ADMIN = DataAccessPort.of("admin");

    private final NodeEngine engine;
    private final Listener listener;
    private final Duration commandTimeout;

    private AdminEndpoint(NodeEngine engine, Listener listener, Duration commandTimeout) {
        this.engine = engine;
        this.listener = listener;
        this.commandTimeout = commandTimeout;
    }

    /**
     * Starts listening.
     *
     * @param engine         the node
     * @param transport      the transport (its context maps {@link #ADMIN} to a number)
     * @param commandTimeout how long takeover and giveback may take before the reply says so
     * @return the endpoint
     */
    public static AdminEndpoint start(NodeEngine engine, Transport transport, Duration commandTimeout) {
        AdminEndpoint a = new AdminEndpoint(engine, transport.listen(ADMIN), commandTimeout);
        Thread.ofVirtual().name("admin-accept").start(a::acceptLoop);
        return a;
    }

    private void acceptLoop() {
        while (listener.isOpen()) {
            try {
                Connection c = listener.accept();
                Thread.ofVirtual().name("admin-conn").start(() -> serve(c));
            } catch (UnderstudyException e) {
                return;
            }
        }
    }

    private void serve(Connection c) {
        try (c) {
            while (c.isOpen()) {
                String cmd = StandardCharsets.UTF_8.decode(c.receive(Duration.ZERO)).toString().trim();
                c.send(ByteBuffer.wrap(execute(cmd).getBytes(StandardCharsets.UTF_8)));
            }
        } catch (UnderstudyException e) {
            // Client left.
        }
    }

    /**
     * Runs one command.
     *
     * @param command the command text
     * @return the reply text
     */
    public String execute(String command) {
        String[] words = command.split("\\s+", 2);
        try {
            return switch (words[0].toLowerCase(Locale.ROOT)) {
                case "status" -> "ok " + toJson(engine.status());
                case "takeover" -> "ok " + await(engine.operatorTakeover().get(commandTimeout.toMillis(), TimeUnit.MILLISECONDS));
                case "giveback" -> "ok " + await(engine.giveback().get(commandTimeout.toMillis(), TimeUnit.MILLISECONDS));
                case "fail" -> {
                    engine.fail(words.length > 1 ? words[1] : "operator said fail");
                    yield "ok " + engine.state();
                }
                case "interconnect" -> {
                    boolean cut = words.length > 1 && words[1].trim().equals("cut");
                    if (!cut && !(words.length > 1 && words[1].trim().equals("restore"))) {
                        yield "error usage: interconnect cut|restore";
                    }
                    engine.cutInterconnect(cut);
                    yield "ok interconnect " + (cut ? "cut" : "restored");
                }
                default -> "error unknown command '" + words[0] + "'; expected status, takeover, giveback, fail, interconnect";
            };
        } catch (UnderstudyException e) {
            return "error " + e.getMessage();
        } catch (ExecutionException e) {
            return "error " + e.getCause().getMessage();
        } catch (TimeoutException e) {
            return "error not finished after " + commandTimeout.toMillis() + " ms; the node is " + engine.state();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "error interrupted";
        }
    }

    private static String await(NodeState s) {
        return s.name();
    }

    /**
     * {@return the status as JSON}
     *
     * @param s the status
     */
    public static String toJson(NodeStatus s) {
        StringBuilder b = new StringBuilder("{");
        field(b, "node", s.node()).append(',');
        field(b, "label", s.label()).append(',');
        field(b, "state", s.state().name()).append(',');
        field(b, "partner", s.partner()).append(',');
        field(b, "partnerState", s.partnerState()).append(',');
        b.append("\"ports\":[");
        for (int i = 0; i < s.ports().size(); i++) {
            b.append(i > 0 ? "," : "").append(quote(s.ports().get(i)));
        }
        b.append("],\"disks\":[");
        for (int i = 0; i < s.disks().size(); i++) {
            NodeStatus.Disk d = s.disks().get(i);
            b.append(i > 0 ? "," : "").append('{');
            field(b, "name", d.name()).append(',');
            field(b, "homeNode", d.homeNode()).append(',');
            field(b, "pair", d.pair()).append(',');
            b.append("\"epoch\":").append(d.epoch()).append(",\"served\":").append(d.served()).append('}');
        }
        b.append("],\"requestsServed\":{");
        int i = 0;
        for (var e : s.requestsServed().entrySet()) {
            b.append(i++ > 0 ? "," : "").append(quote(e.getKey())).append(':').append(e.getValue());
        }
        b.append("},\"notServing\":").append(s.notServing()).append(",\"takeovers\":").append(s.takeovers())
                .append(",\"givebacks\":").append(s.givebacks()).append(",\"interconnectCut\":").append(s.interconnectCut())
                .append('}');
        return b.toString();
    }

    private static StringBuilder field(StringBuilder b, String k, String v) {
        return b.append(quote(k)).append(':').append(quote(v));
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    @Override
    public void close() {
        listener.close();
    }
}
