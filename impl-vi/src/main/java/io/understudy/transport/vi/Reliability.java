package io.understudy.transport.vi;

/**
 * The reliability level of a VI, which both ends of a connection must share.
 *
 * @since 0.1
 */
public enum Reliability {
    /**
     * Unreliable delivery: a message that finds no receive descriptor posted at the peer is dropped (and
     * counted); the send completes when the message leaves.
     */
    UNRELIABLE,
    /**
     * Reliable delivery: messages arrive once and in order; a send completes when the message has reached
     * the peer's NIC (the ring). A message that finds no receive posted breaks the connection.
     */
    RELIABLE_DELIVERY,
    /**
     * Reliable reception: as reliable delivery, but a send completes only once the data has been placed
     * in the peer's receive buffer.
     */
    RELIABLE_RECEPTION
}
