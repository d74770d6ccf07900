package io.understudy.transport.vi;

/**
 * Status codes of VI operations and descriptor completions, as the VI provider library returns them
 * ({@code VIP_SUCCESS}, {@code VIP_NOT_DONE}, ...). Hot paths return these ints instead of throwing.
 *
 * @since 0.1
 */
public final class ViStatus {
    /** The operation succeeded or the descriptor completed normally. */
    public static final int SUCCESS = 0;
    /** Nothing has completed yet (a poll found nothing); or a descriptor is still pending. */
    public static final int NOT_DONE = 1;
    /** A parameter was invalid: a wrong VI state, attributes that do not match the peer's. */
    public static final int INVALID_PARAMETER = 2;
    /** A wait ran out of time. */
    public static final int TIMEOUT = 3;
    /** A connection request was rejected by the server. */
    public static final int REJECTED = 4;
    /** A connection request found nobody waiting on the discriminator at that NIC. */
    public static final int NO_MATCH = 5;
    /** A descriptor segment names memory that is not registered, or outside its registered region. */
    public static final int PROTECTION_ERROR = 6;
    /** A descriptor segment names memory registered under another protection tag than the VI's. */
    public static final int PTAG_MISMATCH = 7;
    /** A transfer is larger than the VI's maximum transfer size, or than the receive descriptor. */
    public static final int LENGTH_ERROR = 8;
    /** The descriptor was flushed by a disconnect or by the VI entering the error state. */
    public static final int FLUSHED = 9;
    /** The connection broke: a reliable VI found no receive posted, the peer died, or a ring is corrupt. */
    public static final int CONNECTION_LOST = 10;
    /** The peer disconnected. */
    public static final int DISCONNECTED = 11;
    /** The work queue is full. */
    public static final int QUEUE_FULL = 12;

    private ViStatus() {
    }

    /** {@return the name of a status code, for messages} @param status the code */
    public static String name(int status) {
        return switch (status) {
            case SUCCESS -> "SUCCESS";
            case NOT_DONE -> "NOT_DONE";
            case INVALID_PARAMETER -> "INVALID_PARAMETER";
            case TIMEOUT -> "TIMEOUT";
            case REJECTED -> "REJECTED";
            case NO_MATCH -> "NO_MATCH";
            case PROTECTION_ERROR -> "PROTECTION_ERROR";
            case PTAG_MISMATCH -> "PTAG_MISMATCH";
            case LENGTH_ERROR -> "LENGTH_ERROR";
            case FLUSHED -> "FLUSHED";
            case CONNECTION_LOST -> "CONNECTION_LOST";
            case DISCONNECTED -> "DISCONNECTED";
            case QUEUE_FULL -> "QUEUE_FULL";
            default -> "status " + status;
        };
    }
}
