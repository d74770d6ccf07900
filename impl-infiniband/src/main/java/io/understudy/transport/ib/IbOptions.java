package io.understudy.transport.ib;

import io.understudy.api.spi.Option;
import java.time.Duration;
import java.util.Locale;

/**
 * The settings of the InfiniBand transport, as typed keys for {@link io.understudy.api.spi.ProviderContext}.
 * Set them in code with {@code ProviderContext.builder().option(IbOptions.SOFTWARE, IbOptions.Software.AUTO)}
 * or as text in the deployment configuration under their names ({@code ib.software: auto}).
 *
 * <p>The data-access port numbers are not options here: they are the SDK-wide mapping in
 * {@link io.understudy.api.spi.ProviderContext#portNumber}, used as port numbers in the RDMA connection
 * manager's port space.
 *
 * <p>Constants only; immutable and thread-safe.
 *
 * @since 0.1
 */
public final class IbOptions {

    /** The system property that gives {@link #SOFTWARE} its default and decides the provider's availability. */
    public static final String SOFTWARE_PROPERTY = "understudy.ib.software";

    /** The largest frame allowed by default: 16 MiB. */
    public static final int DEFAULT_MAX_FRAME_SIZE = 16 * 1024 * 1024;
    /** The largest value {@link #MAX_FRAME_SIZE} may take. */
    public static final int LIMIT_MAX_FRAME_SIZE = Integer.MAX_VALUE - 8;
    /** The default size of one posted receive (and send) buffer: 16 KiB. */
    public static final int DEFAULT_BUFFER_SIZE = 16 * 1024;
    /** The default number of receive buffers posted per connection, which is also the sender's credit. */
    public static final int DEFAULT_RECEIVE_DEPTH = 16;
    /** The software fabric's default local address: a link-local GID. */
    public static final String DEFAULT_BIND_ADDRESS = "fe80:0000:0000:0000:0000:0000:0000:0001";

    /** Which verbs implementation may run. */
    public enum Software {
        /** Only the native verbs (libibverbs, librdmacm); unavailable without an RDMA device. The default. */
        FALSE,
        /** Only the software verbs, in this JVM, whatever hardware there is. */
        TRUE,
        /** The native verbs where they are available, else the software verbs. */
        AUTO;

        static Software parse(String text) {
            String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
            return switch (t) {
                case "false", "" -> FALSE;
                case "true" -> TRUE;
                case "auto" -> AUTO;
                default -> throw new IllegalArgumentException("expected true, false or auto, got '" + text + "'");
            };
        }

        /** {@return the value of {@value IbOptions#SOFTWARE_PROPERTY}, or FALSE if unset or unreadable} */
        static Software fromSystemProperty() {
            try {
                return parse(System.getProperty(SOFTWARE_PROPERTY, "false"));
            } catch (IllegalArgumentException e) {
                return FALSE;
            }
        }
    }

    /**
     * Whether the software verbs may run: {@code false} (native only, the default), {@code true} (software
     * only) or {@code auto} (software when the native verbs are unavailable). The default is the system
     * property {@value #SOFTWARE_PROPERTY}. The software verbs move frames between transports of one JVM;
     * they are for tests, demonstrations and machines without RDMA, and the transport says which one runs.
     */
    public static final Option<Software> SOFTWARE = new Option<>("ib.software", Software.fromSystemProperty(), Software::parse,
            "which verbs run: false (native only), true (software only) or auto (software when native is unavailable)");

    /** Which software fabric the software verbs run on. */
    public enum Fabric {
        /** Within this JVM: transports of one process reach each other (GIDs and IP addresses). The default. */
        JVM,
        /** Over TCP between processes: one TCP connection per queue pair; IP addresses only. */
        TCP;

        static Fabric parse(String text) {
            String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
            return switch (t) {
                case "jvm", "" -> JVM;
                case "tcp" -> TCP;
                default -> throw new IllegalArgumentException("expected jvm or tcp, got '" + text + "'");
            };
        }
    }

    /**
     * The fabric of the software verbs: {@code jvm} (within one process, the default) or {@code tcp} (between
     * processes, one TCP connection per queue pair; {@link #BIND_ADDRESS} must then be an IP address and RDMA CM
     * port {@code n} is TCP port {@code n}). Ignored by the native verbs.
     */
    public static final Option<Fabric> FABRIC = new Option<>("ib.fabric", Fabric.JVM, Fabric::parse,
            "the software verbs' fabric: jvm (within one process) or tcp (between processes; IP addresses only)");

    /**
     * The local address listeners bind to: a GID in eight-group form (reached by {@code IbEndpoint}) or an
     * IP address (reached by {@code InetEndpoint}, as the RDMA CM resolves IPoIB addresses). Default
     * {@value #DEFAULT_BIND_ADDRESS}.
     */
    public static final Option<String> BIND_ADDRESS = Option.string("ib.bindAddress", DEFAULT_BIND_ADDRESS,
            "the local GID or IP address InfiniBand listeners bind to");

    /** The size in bytes of each registered send and receive buffer, 64 to 1 MiB; default 16 KiB. */
    public static final Option<Integer> BUFFER_SIZE = Option.integer("ib.bufferSize", DEFAULT_BUFFER_SIZE,
            "the size of each registered send and receive buffer in bytes, 64 to 1048576");

    /** Receive buffers posted per connection, 2 to 1024; the peer's send credit. Default 16. */
    public static final Option<Integer> RECEIVE_DEPTH = Option.integer("ib.receiveDepth", DEFAULT_RECEIVE_DEPTH,
            "receive buffers posted per connection (the peer's send credit), 2 to 1024");

    /** The largest frame payload a connection sends or accepts; default 16 MiB. */
    public static final Option<Integer> MAX_FRAME_SIZE = Option.integer("ib.maxFrameSize", DEFAULT_MAX_FRAME_SIZE,
            "the largest frame payload in bytes, 0 to " + LIMIT_MAX_FRAME_SIZE);

    /** The longest any connect waits; a shorter timeout passed by the caller wins. Default 30 seconds. */
    public static final Option<Duration> CONNECT_TIMEOUT = Option.duration("ib.connectTimeout", Duration.ofSeconds(30),
            "the longest an InfiniBand connect waits; a shorter timeout passed by the caller wins");

    private IbOptions() {
    }
}
