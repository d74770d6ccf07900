package io.understudy.examples.uds;

import io.understudy.api.Endpoint;
import io.understudy.api.ErrorCode;
import io.understudy.api.InetEndpoint;
import io.understudy.api.UnderstudyException;
import io.understudy.api.spi.Availability;
import io.understudy.api.spi.ProviderContext;
import io.understudy.spi.transport.Transport;
import io.understudy.spi.transport.TransportProvider;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * A transport over Unix domain sockets: id {@code uds}, priority 3, reaching {@link InetEndpoint}s whose
 * servers run on this host. Each (address, data-access port) is a socket file, see {@link UdsOptions}.
 *
 * <p>The priority is below TCP's 5 on purpose: putting this example on a class path must not take over
 * automatic selection; choose it explicitly with {@code transport.provider: uds} or
 * {@code -Dunderstudy.transport=uds}.
 *
 * <p>As every provider must: the public no-argument constructor does nothing, and
 * {@link #availability()} probes once, lazily, and never throws. Thread-safe.
 *
 * @since 0.1
 */
public final class UdsTransportProvider extends TransportProvider {

    /** The id, {@value}. */
    public static final String ID = "uds";

    private volatile Availability availability;

    /** Creates the provider; does no I/O. */
    public UdsTransportProvider() {
    }

    /** {@return {@value #ID}} */
    @Override
    public String id() {
        return ID;
    }

    /** {@return 3, below TCP, so this transport is used only when selected} */
    @Override
    public int priority() {
        return 3;
    }

    /** {@return whether this JDK and operating system offer Unix domain sockets; probed once} */
    @Override
    public Availability availability() {
        Availability a = availability;
        if (a == null) {
            a = probe();
            availability = a;
        }
        return a;
    }

    /** {@return {@code InetEndpoint}} */
    @Override
    public Set<Class<? extends Endpoint>> endpointTypes() {
        return Set.of(InetEndpoint.class);
    }

    /**
     * Opens a transport, creating the socket directory if needed.
     *
     * @param context the SDK's context, not null
     * @return a new, independent transport
     * @throws UnderstudyException {@code PROVIDER_UNAVAILABLE} without Unix domain sockets,
     *                             {@code INVALID_CONFIGURATION} for a bad option or an unusable directory
     */
    @Override
    public Transport open(ProviderContext context) {
        if (availability() instanceof Availability.Unavailable u) {
            throw new UnderstudyException(ErrorCode.PROVIDER_UNAVAILABLE, "the uds transport is " + u, u.cause());
        }
        int max = context.option(UdsOptions.MAX_FRAME_SIZE);
        if (max < 0 || max > Integer.MAX_VALUE - 8) {
            throw new UnderstudyException(ErrorCode.INVALID_CONFIGURATION, "option " + UdsOptions.MAX_FRAME_SIZE.name()
                    + " is " + max + "; expected 0 to " + (Integer.MAX_VALUE - 8));
        }
        Path dir = context.option(UdsOptions.DIRECTORY);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UnderstudyException(ErrorCode.INVALID_CONFIGURATION, "option " + UdsOptions.DIRECTORY.name()
                    + ": cannot create the socket directory " + dir + ": " + e, e);
        }
        return new UdsTransport(dir, context.option(UdsOptions.ADDRESS), max);
    }

    private static Availability probe() {
        try {
            SocketChannel.open(StandardProtocolFamily.UNIX).close();
            return Availability.available();
        } catch (IOException | RuntimeException | LinkageError e) {
            return Availability.unavailable("this JDK or operating system has no Unix domain sockets"
                    + " (they need JDK 16+ on Linux, macOS or Windows 10+); use the tcp transport", e);
        }
    }
}
