package io.understudy.spi.transport;

import io.understudy.api.DataAccessPort;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * A reliable, ordered, frame-preserving connection. One frame sent is one frame received, whole, or the
 * connection fails; a transport never drops or splits a frame silently.
 *
 * <p>{@link #send} may be called by several threads (frames are not interleaved); {@link #receive} by one
 * thread at a time. {@link #close} may be called by any thread and wakes a blocked receive.
 *
 * @since 0.1
 */
public interface Connection extends AutoCloseable {

    /** {@return the data-access port this connection is on} */
    DataAccessPort port();

    /** {@return a description of the peer, for messages} */
    String peer();

    /**
     * Sends one frame: the remaining bytes of {@code frame}.
     *
     * @param frame the frame; its position advances to its limit
     * @throws io.understudy.api.UnderstudyException {@code FRAME_TOO_LARGE} if it is larger than the
     *                                               transport's maximum (nothing is sent), {@code CLOSED},
     *                                               {@code TRANSPORT_IO}
     */
    void send(ByteBuffer frame);

    /**
     * Waits for the next frame.
     *
     * @param timeout how long to wait; {@link Duration#ZERO} waits without limit
     * @return the frame, positioned at its start; owned by the caller
     * @throws io.understudy.api.UnderstudyException {@code TIMEOUT} (the connection stays usable),
     *                                               {@code CLOSED} when the peer closed or this side did,
     *                                               {@code FRAME_TOO_LARGE} / {@code FRAME_MALFORMED} (the
     *                                               connection is closed), {@code TRANSPORT_IO}
     */
    ByteBuffer receive(Duration timeout);

    /** {@return whether the connection is open} */
    boolean isOpen();

    /** Closes the connection. Idempotent. */
    @Override
    void close();
}
