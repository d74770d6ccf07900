package io.understudy.api;

/**
 * Stable error codes carried by {@link UnderstudyException}. The numbers never change meaning between
 * releases, so they can be matched in logs, alerts and scripts. The thousands digit is the category.
 *
 * @since 0.1
 */
public enum ErrorCode {
    /** A server name is not a valid host name. */
    INVALID_SERVER_NAME(1001, Category.INPUT),
    /** A data-access port name is not valid. */
    INVALID_PORT_NAME(1002, Category.INPUT),
    /** An endpoint value is not valid. */
    INVALID_ENDPOINT(1003, Category.INPUT),
    /** A naming convention is misconfigured or produced an invalid name. */
    INVALID_NAMING_CONVENTION(1004, Category.INPUT),
    /** A deployment configuration is malformed or has a bad value. */
    INVALID_CONFIGURATION(1100, Category.INPUT),
    /** A hosts file could not be read. */
    HOSTS_FILE_UNREADABLE(1200, Category.INPUT),

    /** A provider listed for {@link java.util.ServiceLoader} could not be loaded or instantiated. */
    PROVIDER_LOAD_FAILED(2001, Category.DISCOVERY),
    /** No provider fits the request; the message lists every provider and why it was skipped. */
    NO_PROVIDER(2002, Category.DISCOVERY),
    /** The explicitly selected provider is not available. */
    PROVIDER_UNAVAILABLE(2003, Category.DISCOVERY),

    /** Nothing listens on the data-access port at the endpoint. */
    CONNECTION_REFUSED(3001, Category.TRANSPORT),
    /** A connect or read did not finish within its timeout. */
    TIMEOUT(3002, Category.TRANSPORT),
    /** A frame is larger than the configured maximum. */
    FRAME_TOO_LARGE(3003, Category.TRANSPORT),
    /** A frame is malformed (bad header, truncated). */
    FRAME_MALFORMED(3004, Category.TRANSPORT),
    /** The connection or listener is closed. */
    CLOSED(3005, Category.TRANSPORT),
    /** The data-access port is already listened on by this transport. */
    PORT_IN_USE(3006, Category.TRANSPORT),
    /** The data-access port has no mapping in this transport's configuration. */
    PORT_NOT_MAPPED(3007, Category.TRANSPORT),
    /** The endpoint type is not one this transport reaches. */
    UNSUPPORTED_ENDPOINT(3008, Category.TRANSPORT),
    /** An I/O error on the transport. */
    TRANSPORT_IO(3009, Category.TRANSPORT),
    /**
     * A TLS handshake failed: a certificate not trusted, not naming the expected peer, or missing where one
     * is required, no protocol in common, or a peer not speaking TLS.
     */
    TLS_HANDSHAKE_FAILED(3010, Category.TRANSPORT),

    /** The name is not known to any configured resolver. */
    NAME_NOT_FOUND(4001, Category.NAMING),
    /** A resolver failed (server error, timeout, malformed answer). */
    RESOLUTION_FAILED(4002, Category.NAMING),

    /** This node's registration was preempted: it must stop serving the disk. */
    FENCED(5001, Category.OWNERSHIP),
    /** A disk is owned by another node. */
    OWNED_ELSEWHERE(5002, Category.OWNERSHIP),
    /** Ownership records are corrupt or unreadable. */
    OWNERSHIP_RECORD_CORRUPT(5003, Category.OWNERSHIP),
    /** An I/O error on a disk. */
    DISK_IO(5004, Category.OWNERSHIP),
    /** The disk is not known to the ownership service. */
    UNKNOWN_DISK(5005, Category.OWNERSHIP),

    /** The node engine refused an operation in its current state. */
    ILLEGAL_STATE(6001, Category.ENGINE),
    /** An interconnect message is malformed or not authentic. */
    INTERCONNECT_MESSAGE_REJECTED(6002, Category.ENGINE),
    /** A request could not be completed by the failover client within its budget. */
    FAILOVER_EXHAUSTED(6003, Category.ENGINE),
    /** The server's application ran the request and reported an error; not retried. */
    APPLICATION_ERROR(6004, Category.ENGINE);

    /** The broad family an error belongs to: the thousands digit of its code. */
    public enum Category {
        /** 1xxx: a value, a file or a configuration given to the SDK is invalid. */
        INPUT,
        /** 2xxx: finding and selecting providers. */
        DISCOVERY,
        /** 3xxx: connections, frames and ports. */
        TRANSPORT,
        /** 4xxx: resolving names. */
        NAMING,
        /** 5xxx: disk ownership, reservations and fencing. */
        OWNERSHIP,
        /** 6xxx: the node and client engines. */
        ENGINE
    }

    private final int code;
    private final Category category;

    ErrorCode(int code, Category category) {
        this.code = code;
        this.category = category;
    }

    /** {@return the stable numeric code} */
    public int code() {
        return code;
    }

    /** {@return the category of this error} */
    public Category category() {
        return category;
    }

    /** {@return the code as {@code US-<number>}, the form used in messages} */
    public String tag() {
        return "US-" + code;
    }
}
