package io.understudy.api.event;

/**
 * The states of a node engine (DESIGN section 5).
 *
 * @since 0.1
 */
public enum NodeState {
    /** Starting: claiming its own volumes, not yet serving. */
    STARTING,
    /** Owns its own volumes and serves them on the primary port only. */
    NORMAL,
    /** Claiming the partner's disks and activating the secondary port (Fig. 4). */
    TAKING_OVER,
    /** Owns its own and its partner's volumes and serves both ports. */
    IN_TAKEOVER,
    /** Returning the partner's volumes (Fig. 5). */
    GIVING_BACK,
    /** Revived after a takeover: must not serve until the partner has released its volumes. */
    WAITING_FOR_GIVEBACK,
    /** Shutting down at the partner's request ("Please Shutdown", Fig. 7). */
    SHUTTING_DOWN,
    /** Not serving: stopped, failed, or fenced. */
    DOWN
}
