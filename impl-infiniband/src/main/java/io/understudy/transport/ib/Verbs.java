package io.understudy.transport.ib;

import java.nio.ByteBuffer;

/**
 * The verbs the transport uses, modelled on libibverbs and librdmacm: a protection domain, registered memory,
 * a completion queue, reliable-connected queue pairs, posted sends and receives, completion polling, and
 * RDMA CM-style connection management in which a listener is bound to (address, port number). Two
 * implementations: {@link SoftwareVerbs} (Java, in this JVM) and, where libibverbs finds a device, the
 * native one ({@link NativeVerbs}, over libibverbs and librdmacm).
 *
 * <p>Semantics that the transport relies on, and that every implementation keeps:
 * <ul>
 * <li>a send consumes exactly one receive posted by the peer, in order; with none posted the send fails
 *     ({@link Status#RNR_RETRY_EXCEEDED}, as with {@code rnr_retry_count = 0}) and both queue pairs enter the
 *     error state, so the transport must never send without credit;
 * <li>a message longer than the receive it lands in fails both sides ({@link Status#LOCAL_LENGTH_ERROR});
 * <li>a buffer used in a work request must lie inside memory registered in the same protection domain
 *     ({@link Status#LOCAL_PROTECTION_ERROR} otherwise);
 * <li>disconnecting (either side) moves both queue pairs to the error state: receives still posted complete
 *     with {@link Status#FLUSHED}, later posts complete flushed at once.
 * </ul>
 */
interface Verbs {

    /** {@return "native" or "software"} */
    String implementation();

    /**
     * Allocates a protection domain on the device that owns {@code bindAddress}.
     *
     * @param bindAddress a GID or IP address, the local address of listeners made in this domain
     * @return the domain
     */
    ProtectionDomain allocateDomain(String bindAddress);

    /** A protection domain: the scope of registered memory, queue pairs and listeners. */
    interface ProtectionDomain extends AutoCloseable {

        /** {@return newly registered memory of {@code length} bytes} */
        MemoryRegion register(int length);

        /** {@return a completion queue of at least {@code depth} entries} */
        CompletionQueue createCompletionQueue(int depth);

        /** {@return an unconnected reliable-connected queue pair whose sends and receives complete on {@code cq}} */
        QueuePair createQueuePair(CompletionQueue cq);

        /**
         * Binds and listens on a port number of the RDMA CM port space at this domain's address.
         *
         * @throws io.understudy.api.UnderstudyException {@code PORT_IN_USE} if something listens there already
         */
        CmListener listen(int port);

        /** Releases the domain; its listeners close and its queue pairs disconnect. Idempotent. */
        @Override
        void close();
    }

    /** Registered memory: a direct buffer and its local key. */
    interface MemoryRegion extends AutoCloseable {
        /** {@return the registered bytes; position and limit are the caller's} */
        ByteBuffer buffer();

        /** {@return the local key work requests name it by} */
        int lkey();

        /**
         * Deregisters the memory once the queue pairs using it are destroyed (after their CQ is closed); later
         * work requests naming it complete with {@link Status#LOCAL_PROTECTION_ERROR}. The buffer stays readable.
         * Idempotent; the software verbs have nothing to release.
         */
        @Override
        default void close() {
        }
    }

    /** A completion queue. {@link #poll} is called by one thread; {@link #await} blocks like a completion channel. */
    interface CompletionQueue extends AutoCloseable {

        /**
         * Moves up to {@code into.length} completions into {@code into}; does not block.
         *
         * @return how many were written, 0 if none
         */
        int poll(WorkCompletion[] into);

        /**
         * Waits until a completion is queued, {@link #wakeup()} is called or the queue is closed.
         *
         * @param nanos the longest wait, positive
         * @return true if a completion may be queued
         */
        boolean await(long nanos);

        /** Makes a current or next {@link #await} return at once. */
        void wakeup();

        @Override
        void close();
    }

    /** A reliable-connected queue pair. Posting is thread-safe. */
    interface QueuePair {

        /**
         * Posts a receive of {@code length} bytes at {@code offset} of {@code mr}.
         *
         * @param wrId the id its completion carries
         */
        void postReceive(long wrId, MemoryRegion mr, int offset, int length);

        /**
         * Posts a send of {@code length} bytes at {@code offset} of {@code mr}. The buffer may be reused when
         * the send's completion is polled.
         *
         * @param wrId the id its completion carries
         */
        void postSend(long wrId, MemoryRegion mr, int offset, int length);

        /**
         * Connects to a listener (rdma_resolve_addr, rdma_resolve_route, rdma_connect), after the caller posted
         * its receives.
         *
         * @param address the listener's address (a GID or IP address text)
         * @param port    its port number
         * @param nanos   the longest wait
         * @throws io.understudy.api.UnderstudyException {@code CONNECTION_REFUSED} if nothing listens there or the
         *                                               listener rejects, {@code TIMEOUT}
         */
        void connect(String address, int port, long nanos);

        /** Disconnects (rdma_disconnect): both sides enter the error state and flush. Idempotent. */
        void disconnect();

        /** {@return the remote address and port, for messages} */
        String peer();
    }

    /** A listening CM identifier. */
    interface CmListener extends AutoCloseable {

        /**
         * Waits for a connection request.
         *
         * @param nanos the longest wait; 0 waits without limit
         * @return the request, or null on timeout
         * @throws io.understudy.api.UnderstudyException {@code CLOSED} if the listener is or becomes closed
         */
        ConnectRequest next(long nanos);

        /** Stops listening: pending and later requests are refused; a thread in {@link #next} gets CLOSED. */
        @Override
        void close();
    }

    /** A connection request (RDMA_CM_EVENT_CONNECT_REQUEST). Accept or reject it once. */
    interface ConnectRequest {
        /** {@return the requester, for messages} */
        String peer();

        /**
         * Accepts (rdma_accept) with a queue pair on which the caller has already posted receives.
         *
         * @return false if the requester gave up meanwhile (the queue pair stays unconnected)
         */
        boolean accept(QueuePair qp);

        /** Rejects (rdma_reject); the requester's connect fails with CONNECTION_REFUSED. */
        void reject();
    }

    /** Opcode of a completion. */
    enum Opcode { SEND, RECEIVE }

    /** Status of a completion, after {@code enum ibv_wc_status}. */
    enum Status {
        SUCCESS, LOCAL_LENGTH_ERROR, LOCAL_PROTECTION_ERROR, FLUSHED, RNR_RETRY_EXCEEDED, REMOTE_ERROR
    }

    /** A work completion, filled in by {@link CompletionQueue#poll}; reused by the caller. */
    final class WorkCompletion {
        long wrId;
        Opcode opcode;
        Status status;
        int byteLength;

        void set(long wrId, Opcode opcode, Status status, int byteLength) {
            this.wrId = wrId;
            this.opcode = opcode;
            this.status = status;
            this.byteLength = byteLength;
        }

        @Override
        public String toString() {
            return opcode + " wr " + wrId + " " + status + " " + byteLength + " bytes";
        }
    }
}
