package io.understudy.spi.transport;

import io.understudy.api.DataAccessPort;
import io.understudy.api.Endpoint;
import java.time.Duration;

/**
 * A message transport: listen on data-access ports, connect to (endpoint, data-access port), and move
 * whole frames over connections. A data-access port that is not listened on refuses connections, which
 * is how a node keeps its secondary port ({@code pDAF}) closed until it takes over.
 *
 * <p>Thread-safe. Calls block; the engines run them on virtual threads.
 *
 * @since 0.1
 */
public interface Transport extends AutoCloseable {

    /** {@return the provider id, such as {@code tcp}} */
    String id();

    /**
     * Starts listening on a data-access port. Until the returned listener is closed, connections to this
     * port are accepted; afterwards they are refused.
     *
     * @param port the data-access port
     * @return the listener
     * @throws io.understudy.api.UnderstudyException {@code PORT_IN_USE} if already listened on,
     *                                               {@code PORT_NOT_MAPPED} if the transport has no address for it,
     *                                               {@code TRANSPORT_IO} if the fabric refuses
     */
    Listener listen(DataAccessPort port);

    /**
     * Connects to a data-access port at an endpoint.
     *
     * @param endpoint where the server is
     * @param port     the data-access port on it
     * @param timeout  how long to wait for the connection, positive
     * @return the connection
     * @throws io.understudy.api.UnderstudyException {@code CONNECTION_REFUSED} if nothing listens there,
     *                                               {@code TIMEOUT}, {@code UNSUPPORTED_ENDPOINT},
     *                                               {@code PORT_NOT_MAPPED}, {@code TRANSPORT_IO}
     */
    Connection connect(Endpoint endpoint, DataAccessPort port, Duration timeout);

    /** {@return the largest frame this transport sends or accepts, in bytes} */
    int maxFrameSize();

    /** Closes every listener and connection of this transport. Idempotent. */
    @Override
    void close();
}
