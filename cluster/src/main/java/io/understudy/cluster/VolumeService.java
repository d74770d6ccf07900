package io.understudy.cluster;

import io.understudy.api.ownership.DiskId;
import io.understudy.api.ownership.DiskIo;
import java.nio.ByteBuffer;

/**
 * The application a node serves (a file service, a block service): the node engine owns the disks, the
 * ports and the failover procedures; the application owns the bytes. The engine mounts a volume when it
 * starts serving it (its own at start-up, the partner's at takeover), routes each request with the
 * volumes its port may touch, asks for a consistency point before giving a volume back, and unmounts it
 * when it stops serving it.
 *
 * <p>{@link #handle} is called concurrently from many connections; mount, unmount and consistency points
 * are called by the engine's control thread, never while a request on that volume is running through a
 * port whose gate is closed.
 *
 * @since 0.1
 */
public interface VolumeService {

    /**
     * Starts serving a volume: read what is needed from the disk ({@link JournaledVolumeService} restores
     * its checkpoint and replays its journal here).
     * Called before the port that serves it opens.
     *
     * @param disk the volume
     * @param io   the fenced data path to it; valid until {@link #unmount}
     */
    void mount(DiskId disk, DiskIo io);

    /**
     * Handles one request.
     *
     * @param request the request's context: which port it came in on and which volumes that port serves
     * @param payload the application bytes
     * @return the reply's application bytes
     * @throws io.understudy.session.ApplicationException for an application-level error (sent to the client)
     * @throws io.understudy.api.UnderstudyException      {@code FENCED} if a write was rejected because this
     *                                                    node was preempted: the engine answers NOT_SERVING
     *                                                    and stops serving the volume
     */
    ByteBuffer handle(RequestContext request, ByteBuffer payload);

    /**
     * Makes everything acknowledged on this volume durable on its disk, and anything buffered part of its
     * data (the seed's consistency point). Called during giveback and shutdown after outstanding requests
     * finished.
     *
     * @param disk the volume
     */
    void consistencyPoint(DiskId disk);

    /**
     * Stops serving a volume; the disk is about to be released or has been lost to fencing.
     *
     * @param disk the volume
     */
    void unmount(DiskId disk);

    /**
     * Runs this service's mount path once on something that is not a real disk (a scratch volume in memory),
     * so that a node about to reclaim its volumes does not pay for class loading and JIT compilation while its
     * clients wait. The engine calls it once when it starts and finds its disks held by its partner (it then
     * waits for giveback), before it reports {@code WAITING_FOR_GIVEBACK}. It must not touch the node's real
     * disks or its state for them, and should take well under a second. The default does nothing.
     *
     * @since 0.2
     */
    default void warmUp() {
    }
}
