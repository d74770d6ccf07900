package io.understudy.cluster;

import io.understudy.api.ownership.DiskId;
import java.nio.ByteBuffer;

/**
 * An application whose volumes are kept by the SDK's journal ({@link JournaledVolumeService}), which gives
 * it exactly-once across failover: the application is a deterministic state machine per volume, and the
 * SDK owns the volume's storage (a checkpoint of the application's state, and the journal of requests
 * since).
 *
 * <p>The SDK calls {@link #execute} for one volume one request at a time, in journal order; the state it
 * changes lives in memory until a consistency point asks for a {@link #snapshot}. At mount the SDK
 * {@link #restore}s the last snapshot and executes the journaled requests after it again, so
 * {@code execute} must be deterministic: the same state and request give the same new state and reply.
 *
 * @since 0.1
 */
public interface JournaledApplication {

    /**
     * Where a request goes.
     *
     * @param volume   the volume whose journal records it
     * @param mutating whether it changes state: only mutating requests are journaled and cached
     */
    record Route(DiskId volume, boolean mutating) {
        /** Validates. */
        public Route {
            java.util.Objects.requireNonNull(volume, "volume");
        }
    }

    /**
     * {@return the volume a request touches, and whether it mutates}; called concurrently, must not block.
     *
     * @param request the request's context (use {@link RequestContext#require} to check the volume)
     * @param payload the request (read it through a duplicate or restore its position)
     * @throws io.understudy.session.ApplicationException for a malformed request (sent to the client)
     */
    Route route(RequestContext request, ByteBuffer payload);

    /**
     * Sets a volume's state from its last consistency point.
     *
     * @param disk     the volume
     * @param snapshot what {@link #snapshot} returned then; empty for a volume never checkpointed
     */
    void restore(DiskId disk, ByteBuffer snapshot);

    /**
     * Runs one request against a volume's state. Called one at a time per volume.
     *
     * @param disk    the volume
     * @param payload the request
     * @return the reply
     * @throws io.understudy.session.ApplicationException for an application-level error; the state must be
     *                                                    unchanged (the error is journaled and replayed too)
     */
    ByteBuffer execute(DiskId disk, ByteBuffer payload);

    /**
     * {@return the volume's whole state, to be stored by a consistency point}; called between two
     * {@link #execute} calls, never concurrently with them.
     *
     * @param disk the volume
     */
    ByteBuffer snapshot(DiskId disk);

    /**
     * Drops a volume's state (the node stops serving it).
     *
     * @param disk the volume
     */
    void forget(DiskId disk);
}
