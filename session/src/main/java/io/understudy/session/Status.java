package io.understudy.session;

/**
 * The status of a reply.
 *
 * @since 0.1
 */
public enum Status {
    /** The request ran; the payload is the application's answer. */
    OK(0),
    /** The request ran and the application reported an error; the payload is its message (UTF-8). */
    APPLICATION_ERROR(1),
    /**
     * This server does not serve the request's volume on this port now (giving back, shutting down, or
     * fenced). The request did not run; the client must go through the failover procedure and re-send it.
     */
    NOT_SERVING(2),
    /** The request was malformed; the payload says why (UTF-8). It did not run. */
    BAD_REQUEST(3);

    private final int code;

    Status(int code) {
        this.code = code;
    }

    /** {@return the wire code} */
    public int code() {
        return code;
    }

    /**
     * {@return the status with this wire code, or null if none}
     *
     * @param code the wire code
     */
    public static Status ofCode(int code) {
        for (Status s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        return null;
    }
}
