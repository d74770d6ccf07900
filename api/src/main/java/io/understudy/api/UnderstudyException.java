package io.understudy.api;

import java.util.Objects;

/**
 * The one unchecked root exception of Understudy. Every exception the SDK throws is this class or a
 * subclass, carries a stable {@link ErrorCode}, and has a message that says what was wrong and what to do
 * next. Expected outcomes (a name not found, a disk owned elsewhere) are returned as sealed results, not
 * thrown; exceptions are for failures and misuse.
 *
 * @since 0.1
 */
public class UnderstudyException extends RuntimeException {
    /** Serialization version. */
    private static final long serialVersionUID = 1L;

    /** The stable code. */
    private final ErrorCode code;

    /**
     * Creates an exception.
     *
     * @param code    the stable code, not null
     * @param message what was wrong, and what to do next, not null
     */
    public UnderstudyException(ErrorCode code, String message) {
        this(code, message, null);
    }

    /**
     * Creates an exception with a cause.
     *
     * @param code    the stable code, not null
     * @param message what was wrong, and what to do next, not null
     * @param cause   the underlying cause, or null
     */
    public UnderstudyException(ErrorCode code, String message, Throwable cause) {
        super(code.tag() + " " + Objects.requireNonNull(message, "message"), cause);
        this.code = code;
    }

    /** {@return the stable error code} */
    public ErrorCode code() {
        return code;
    }
}
