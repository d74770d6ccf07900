package io.understudy.transport.tcp;

import io.understudy.api.spi.Option;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;

/**
 * The settings of the TCP transport, as typed keys for {@link io.understudy.api.spi.ProviderContext}. Set
 * them in code with {@code ProviderContext.builder().option(TcpOptions.BIND_ADDRESS, addr)} or as text in
 * the deployment configuration under their names ({@code tcp.bindAddress: 127.0.0.11}).
 *
 * <p>What is deliberately not an option: {@code TCP_NODELAY} is always on (frames are requests and
 * replies, and Nagle's delay would be added to each one) and {@code SO_REUSEADDR} is always on for
 * listeners (a node must be able to open {@code pDAF} again right after a giveback, while old connections
 * linger in {@code TIME_WAIT}). There is no read-timeout option: {@link
 * io.understudy.spi.transport.Connection#receive} takes its own timeout on every call, and a frame that
 * was partly received when it expired is resumed by the next call.
 *
 * <p>The data-access port numbers themselves are not options here: they are the SDK-wide mapping in
 * {@link io.understudy.api.spi.ProviderContext#portNumber}.
 *
 * <p>Constants only; immutable and thread-safe.
 *
 * @since 0.1
 */
public final class TcpOptions {

    /** The largest frame allowed by default: 16 MiB. */
    public static final int DEFAULT_MAX_FRAME_SIZE = 16 * 1024 * 1024;

    /** The largest value {@link #MAX_FRAME_SIZE} may take: the largest Java array, with headroom. */
    public static final int LIMIT_MAX_FRAME_SIZE = Integer.MAX_VALUE - 8;

    /**
     * The local address listeners bind to; default {@code 0.0.0.0} (every IPv4 interface). Nodes that
     * share one host bind different loopback addresses, such as {@code 127.0.0.11} and {@code 127.0.0.12},
     * so both can listen on the same port numbers. Text is an address literal or a host name, resolved
     * once when the transport opens.
     */
    public static final Option<InetAddress> BIND_ADDRESS = new Option<>("tcp.bindAddress", wildcard(),
            TcpOptions::parseAddress, "the local address TCP listeners bind to, such as 0.0.0.0 or 127.0.0.11");

    /**
     * The longest any connect attempt waits, whatever timeout the caller passes; a shorter timeout given
     * to {@link io.understudy.spi.transport.Transport#connect} wins. Default 30 seconds.
     */
    public static final Option<Duration> CONNECT_TIMEOUT = Option.duration("tcp.connectTimeout", Duration.ofSeconds(30),
            "the longest a TCP connect waits; a shorter timeout passed by the caller wins");

    /**
     * The largest frame payload, in bytes, that a connection sends or accepts; default
     * {@value #DEFAULT_MAX_FRAME_SIZE} (16 MiB). A peer whose frame header claims more is disconnected
     * with {@code FRAME_TOO_LARGE} before any buffer is allocated for it; a local send of more fails
     * with {@code FRAME_TOO_LARGE} and sends nothing. Both sides of a connection should agree.
     */
    public static final Option<Integer> MAX_FRAME_SIZE = Option.integer("tcp.maxFrameSize", DEFAULT_MAX_FRAME_SIZE,
            "the largest TCP frame payload in bytes, 0 to " + LIMIT_MAX_FRAME_SIZE);

    /** The default {@link #BACKLOG}. */
    public static final int DEFAULT_BACKLOG = 4096;

    /**
     * How many connections the kernel queues on a listener before {@code accept()} takes them; default
     * {@value #DEFAULT_BACKLOG}, capped by the kernel ({@code net.core.somaxconn} on Linux). After a takeover,
     * every client of the failed node connects to the secondary port at once: a queue shorter than that crowd
     * makes the kernel drop the excess connection attempts, and each dropped client waits for its TCP
     * retransmission (a second or more) before it is served. The JDK's own default is 50.
     */
    public static final Option<Integer> BACKLOG = Option.integer("tcp.backlog", DEFAULT_BACKLOG,
            "how many connections a TCP listener queues before accept, 1 or more (capped by the kernel)");

    /**
     * Whether connections are TLS: {@code off} (the default) or {@code on}. With {@code on}, every
     * connection this transport makes or accepts does a TLS handshake (JSSE) before its first frame, and
     * frames travel inside TLS records; a listener needs a certificate ({@link #TLS_KEY_STORE} or
     * {@link #TLS_CERTIFICATE}). Both sides must agree: a plain peer and a TLS peer cannot talk.
     */
    public static final Option<Boolean> TLS = new Option<>("tcp.tls", false, TcpOptions::parseOnOff,
            "whether TCP connections use TLS: off or on");

    /**
     * A key store file (PKCS#12, or JKS) holding this node's private key and certificate chain, presented
     * to peers: required to listen with TLS, and to connect to a listener whose {@link #TLS_CLIENT_AUTH} is
     * {@code need}. Default empty: none. Exclusive with {@link #TLS_CERTIFICATE}.
     */
    public static final Option<String> TLS_KEY_STORE = Option.string("tcp.tls.keyStore", "",
            "a PKCS#12 file with this node's private key and certificate chain");

    /** The password of {@link #TLS_KEY_STORE} and of the key in it; default empty. */
    public static final Option<String> TLS_KEY_STORE_PASSWORD = Option.string("tcp.tls.keyStorePassword", "",
            "the password of tcp.tls.keyStore and of its key");

    /**
     * A PEM file with this node's certificate chain ({@code -----BEGIN CERTIFICATE-----} blocks, the node's
     * own first), the alternative to {@link #TLS_KEY_STORE}; needs {@link #TLS_PRIVATE_KEY}. Default empty.
     */
    public static final Option<String> TLS_CERTIFICATE = Option.string("tcp.tls.certificate", "",
            "a PEM file with this node's certificate chain, its own certificate first");

    /**
     * A PEM file with the private key of {@link #TLS_CERTIFICATE}, unencrypted PKCS#8
     * ({@code -----BEGIN PRIVATE KEY-----}; convert others with {@code openssl pkcs8 -topk8 -nocrypt}).
     * Default empty.
     */
    public static final Option<String> TLS_PRIVATE_KEY = Option.string("tcp.tls.privateKey", "",
            "a PEM file with the unencrypted PKCS#8 private key of tcp.tls.certificate");

    /**
     * The certificates this node trusts to sign its peers' certificates: a key store file (PKCS#12 or
     * JKS) of trusted certificate entries, or a PEM file of {@code CERTIFICATE} blocks (told apart by
     * content). Default empty: the JDK's default trust store ({@code cacerts}), which is rarely what a
     * cluster wants: name its own CA here.
     */
    public static final Option<String> TLS_TRUST_STORE = Option.string("tcp.tls.trustStore", "",
            "a PKCS#12 trust store or a PEM file of the CA certificates that sign peers' certificates");

    /** The password of {@link #TLS_TRUST_STORE} when it is a key store; default empty. */
    public static final Option<String> TLS_TRUST_STORE_PASSWORD = Option.string("tcp.tls.trustStorePassword", "",
            "the password of tcp.tls.trustStore, if it is a key store");

    /**
     * Whether a TLS listener asks connecting clients for a certificate: {@code none} (the default),
     * {@code want} (asks, and checks one if given) or {@code need} (refuses a client without a certificate
     * its trust store accepts: mutual authentication).
     */
    public static final Option<ClientAuth> TLS_CLIENT_AUTH = new Option<>("tcp.tls.clientAuth", ClientAuth.NONE,
            ClientAuth::parse, "whether a TLS listener asks for client certificates: none, want or need");

    /** The TLS protocol versions allowed, comma-separated; default {@code TLSv1.3}. */
    public static final Option<List<String>> TLS_PROTOCOLS = new Option<>("tcp.tls.protocols", List.of("TLSv1.3"),
            TcpOptions::parseList, "the TLS protocol versions allowed, comma-separated, such as TLSv1.3 or TLSv1.3,TLSv1.2");

    /**
     * The name a client expects in every server's certificate, instead of the endpoint's own name. Default
     * empty: the host name the endpoint's address carries (from the hosts file or DNS, such as
     * {@code FilerB} or {@code FilerA-failover}), or the address literal when it carries none. Set it when
     * all servers of a cluster share one name in their certificates.
     */
    public static final Option<String> TLS_PEER_NAME = Option.string("tcp.tls.peerName", "",
            "the name a TLS client expects in every server certificate; empty: the endpoint's host name or address");

    /**
     * Whether a TLS client checks that the server's certificate names the server (RFC 6125, as HTTPS
     * does); default {@code true}. Turning it off leaves only the trust store to decide, so that store
     * must hold a CA that signs nothing but this cluster's servers.
     */
    public static final Option<Boolean> TLS_VERIFY_PEER_NAME = Option.bool("tcp.tls.verifyPeerName", true,
            "whether a TLS client checks that the server certificate names the server");

    /**
     * The longest a listener waits for a connecting client's TLS handshake; default 10 seconds. A client's
     * own handshake is bounded by its connect timeout instead.
     */
    public static final Option<Duration> TLS_HANDSHAKE_TIMEOUT = Option.duration("tcp.tls.handshakeTimeout",
            Duration.ofSeconds(10), "the longest a TLS listener waits for a client's handshake");

    /** Values of {@link #TLS_CLIENT_AUTH}. */
    public enum ClientAuth {
        /** Clients are not asked for a certificate. */
        NONE,
        /** Clients are asked for a certificate; one that is given must be trusted, none is accepted. */
        WANT,
        /** Clients must present a trusted certificate. */
        NEED;

        static ClientAuth parse(String text) {
            return switch (text.trim()) {
                case "none" -> NONE;
                case "want" -> WANT;
                case "need" -> NEED;
                default -> throw new IllegalArgumentException("expected none, want or need");
            };
        }
    }

    private TcpOptions() {
    }

    private static Boolean parseOnOff(String text) {
        return switch (text.trim()) {
            case "on", "true" -> Boolean.TRUE;
            case "off", "false" -> Boolean.FALSE;
            default -> throw new IllegalArgumentException("expected on or off");
        };
    }

    private static List<String> parseList(String text) {
        List<String> items = java.util.Arrays.stream(text.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        if (items.isEmpty()) {
            throw new IllegalArgumentException("expected at least one name, comma-separated");
        }
        return items;
    }

    private static InetAddress parseAddress(String text) {
        String t = text.trim();
        if (t.isEmpty()) {
            throw new IllegalArgumentException("expected an address such as 0.0.0.0 or 127.0.0.11, got an empty text");
        }
        try {
            return InetAddress.getByName(t);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + t + "' is neither an address literal nor a host name this machine resolves", e);
        }
    }

    private static InetAddress wildcard() {
        try {
            return InetAddress.getByAddress(new byte[4]);
        } catch (UnknownHostException e) {
            throw new AssertionError("four bytes are a valid IPv4 address", e);
        }
    }
}
