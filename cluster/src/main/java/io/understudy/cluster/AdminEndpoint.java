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
 * <p>When the node has a key ({@link NodeEngine#security()}), every request must be signed
 * ({@link #sign}): {@code auth1 <sentAtMillis> <nonce> <keyId> <tag> <command>}, where the tag is the
 * HMAC-SHA256 of the label {@code understudy/admin/v1}, a zero byte and the request without the tag; the
 * send time must be within the clock-skew window and the nonce (16 hex digits, random per request) must not
 * have been seen in it. Anything else is answered {@code error unauthenticated: ...}, logged and not run.
 *
 * @since 0.1
 */
public final class AdminEndpoint implements AutoCloseable {

    /** The data-access port name of the admin endpoint. */
    public static final DataAccessPort ADMIN = DataAccessPort.of("admin");

    static final String LABEL = "understudy/admin/v1";
    static final String SCHEME = "auth1";
    private static final System.Logger LOG = System.getLogger(AdminEndpoint.class.getName());
    private static final java.security.SecureRandom NONCES = new java.security.SecureRandom();

    private final NodeEngine engine;
    private final Listener listener;
    private final Duration commandTimeout;
    private final InterconnectSecurity security;
    private final ReplayWindow nonces;
    private final java.util.concurrent.atomic.AtomicLong refused = new java.util.concurrent.atomic.AtomicLong();

    private AdminEndpoint(NodeEngine engine, Listener listener, Duration commandTimeout) {
        this.engine = engine;
        this.listener = listener;
        this.commandTimeout = commandTimeout;
        this.security = engine.security();
        this.nonces = new ReplayWindow(security.maxClockSkew().toMillis(), 65536);
    }

    /**
     * Starts listening.
     *
     * @param engine         the node
     * @param transport      the transport (its context maps {@link #ADMIN} to a number)
     * @param commandTimeout how long takeover and giveback may take before the reply says so
     * @return the endpoint; it authenticates requests with the engine's {@link NodeEngine#security()}
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
                String request = StandardCharsets.UTF_8.decode(c.receive(Duration.ZERO)).toString().trim();
                String reply;
                try {
                    reply = execute(authenticate(request));
                } catch (UnderstudyException e) {
                    refused.incrementAndGet();
                    LOG.log(System.Logger.Level.WARNING, "{0}: refused an admin request from {1}: {2}",
                            engine.settings().self().name(), c.peer(), e.getMessage());
                    reply = "error unauthenticated: " + stripTag(e);
                }
                c.send(ByteBuffer.wrap(reply.getBytes(StandardCharsets.UTF_8)));
            }
        } catch (UnderstudyException e) {
            // Client left.
        }
    }

    /** {@return how many admin requests were refused as unauthenticated since the endpoint started} */
    public long refusedRequests() {
        return refused.get();
    }

    /**
     * Signs an admin command for a node with this security; without a key, returns the command unchanged.
     *
     * @param security  the key
     * @param command   the command text
     * @param nowMillis the sender's wall-clock time
     * @return the request to send
     */
    public static String sign(InterconnectSecurity security, String command, long nowMillis) {
        if (!security.enabled()) {
            return command;
        }
        String nonce = java.util.HexFormat.of().formatHex(java.nio.ByteBuffer.allocate(8).putLong(NONCES.nextLong()).array());
        String head = SCHEME + " " + nowMillis + " " + nonce + " " + security.keyId();
        return head + " " + tagHex(security, head, command) + " " + command;
    }

    private static String tagHex(InterconnectSecurity security, String head, String command) {
        byte[] signed = (head + " " + command).getBytes(StandardCharsets.UTF_8);
        return java.util.HexFormat.of().formatHex(security.tag(LABEL, signed, 0, signed.length));
    }

    /** {@return the command of an authentic request} @throws UnderstudyException saying why it is not authentic */
    String authenticate(String request) {
        boolean signed = request.startsWith(SCHEME + " ");
        if (!security.enabled()) {
            // No key: nothing to check; a signed request from a client that has one still runs.
            String[] p = request.split(" ", 6);
            return signed && p.length == 6 ? p[5] : request;
        }
        if (!signed) {
            throw unauthenticated("this node requires signed admin requests (cluster.interconnect.authentication: "
                    + "hmac-sha256); run the command with a configuration whose cluster.interconnect.keyFile holds the cluster's key");
        }
        String[] p = request.split(" ", 6);
        if (p.length < 6) {
            throw unauthenticated("malformed signed request: expected '" + SCHEME + " <sentAtMillis> <nonce> <keyId> <tag> <command>'");
        }
        long sentAt;
        long nonce;
        try {
            sentAt = Long.parseLong(p[1]);
            if (p[2].length() != 16) {
                throw new NumberFormatException("nonce must be 16 hex digits");
            }
            nonce = java.util.HexFormat.fromHexDigitsToLong(p[2]);
        } catch (NumberFormatException e) {
            throw unauthenticated("malformed signed request: " + e.getMessage());
        }
        if (!p[3].equals(security.keyId())) {
            throw unauthenticated("signed with key " + p[3] + " but this node's key is " + security.keyId());
        }
        byte[] tag;
        try {
            tag = java.util.HexFormat.of().parseHex(p[4]);
        } catch (IllegalArgumentException e) {
            throw unauthenticated("malformed tag: " + e.getMessage());
        }
        String head = p[0] + " " + p[1] + " " + p[2] + " " + p[3];
        byte[] signedBytes = (head + " " + p[5]).getBytes(StandardCharsets.UTF_8);
        if (!security.verify(LABEL, signedBytes, 0, signedBytes.length, tag)) {
            throw unauthenticated("tag does not verify: forged or altered request");
        }
        String why = nonces.check(nonce, 1, sentAt, engine.clock().instant().toEpochMilli());
        if (why != null) {
            throw unauthenticated(why);
        }
        return p[5];
    }

    private static UnderstudyException unauthenticated(String why) {
        return new UnderstudyException(io.understudy.api.ErrorCode.INTERCONNECT_MESSAGE_REJECTED, why);
    }

    private static String stripTag(UnderstudyException e) {
        String m = e.getMessage();
        return m.startsWith(e.code().tag() + " ") ? m.substring(e.code().tag().length() + 1) : m;
    }

    /**
     * Runs one command, without authentication: for callers in this process (the network path authenticates
     * first).
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
