package io.understudy.transport.tcp;

import io.understudy.api.Endpoint;
import io.understudy.api.ErrorCode;
import io.understudy.api.InetEndpoint;
import io.understudy.api.UnderstudyException;
import io.understudy.api.spi.Availability;
import io.understudy.api.spi.ProviderContext;
import io.understudy.spi.transport.Transport;
import io.understudy.spi.transport.TransportProvider;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * The TCP transport, the embedded default: id {@code tcp}, priority {@value #DEFAULT_PRIORITY}, always
 * available (it needs only the JDK), reaches {@link InetEndpoint}s.
 *
 * <p>A data-access port maps to the TCP port number in {@link ProviderContext#portNumber}; an
 * {@link InetEndpoint} that carries its own port (published by a DNS SRV record) overrides that mapping
 * when connecting. Frames travel as a 4-byte big-endian length followed by the payload; the settings are
 * the keys in {@link TcpOptions}.
 *
 * <p>Found by {@link java.util.ServiceLoader}; the public no-argument constructor does nothing.
 * Thread-safe.
 *
 * @since 0.1
 */
public final class TcpTransportProvider extends TransportProvider {

    /** The id, {@value}. */
    public static final String ID = "tcp";

    /** Creates the provider; does no I/O. */
    public TcpTransportProvider() {
    }

    /** {@return {@value #ID}} */
    @Override
    public String id() {
        return ID;
    }

    /** {@return available: plain TCP needs nothing beyond the JDK} */
    @Override
    public Availability availability() {
        return Availability.available();
    }

    /** {@return {@code InetEndpoint}} */
    @Override
    public Set<Class<? extends Endpoint>> endpointTypes() {
        return Set.of(InetEndpoint.class);
    }

    /**
     * Opens a TCP transport with the options in {@code context}. Opening binds nothing; sockets are made
     * by {@link Transport#listen} and {@link Transport#connect}.
     *
     * @param context the SDK's context, not null
     * @return a new, independent transport
     * @throws UnderstudyException {@code INVALID_CONFIGURATION} if an option is invalid, or (with
     *                             {@code tcp.tls: on}) a key store, certificate or key file named by an option
     *                             is missing, unreadable, of the wrong kind or has another password
     */
    @Override
    public Transport open(ProviderContext context) {
        Objects.requireNonNull(context, "context");
        int maxFrame = context.option(TcpOptions.MAX_FRAME_SIZE);
        if (maxFrame < 0 || maxFrame > TcpOptions.LIMIT_MAX_FRAME_SIZE) {
            throw new UnderstudyException(ErrorCode.INVALID_CONFIGURATION, "option " + TcpOptions.MAX_FRAME_SIZE.name()
                    + " is " + maxFrame + "; expected 0 to " + TcpOptions.LIMIT_MAX_FRAME_SIZE + " bytes (default "
                    + TcpOptions.DEFAULT_MAX_FRAME_SIZE + ")");
        }
        Duration connectTimeout = context.option(TcpOptions.CONNECT_TIMEOUT);
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new UnderstudyException(ErrorCode.INVALID_CONFIGURATION, "option " + TcpOptions.CONNECT_TIMEOUT.name()
                    + " is " + connectTimeout + "; expected a positive duration such as 30s");
        }
        int backlog = context.option(TcpOptions.BACKLOG);
        if (backlog < 1) {
            throw new UnderstudyException(ErrorCode.INVALID_CONFIGURATION, "option " + TcpOptions.BACKLOG.name()
                    + " is " + backlog + "; expected 1 or more (default " + TcpOptions.DEFAULT_BACKLOG + ")");
        }
        TcpTls tls = TcpTls.load(context);
        return new TcpTransport(context, context.option(TcpOptions.BIND_ADDRESS), connectTimeout, maxFrame, backlog, tls);
    }
}
