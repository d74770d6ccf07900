package io.understudy.spi.transport;

import io.understudy.api.DataAccessPort;

/**
 * A data-access port being listened on. Closing it deactivates the port: later connection attempts are
 * refused, and connections already accepted stay open until closed themselves.
 *
 * <p>Thread-safe.
 *
 * @since 0.1
 */
public interface Listener extends AutoCloseable {

    /** {@return the data-access port} */
    DataAccessPort port();

    /**
     * Waits for the next connection.
     *
     * @return the connection
     * @throws io.understudy.api.UnderstudyException {@code CLOSED} once the listener is closed (also
     *                                               when it is closed while waiting)
     */
    Connection accept();

    /** {@return whether the listener is open} */
    boolean isOpen();

    /** Stops listening. Idempotent. */
    @Override
    void close();
}
