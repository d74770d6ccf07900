package io.understudy.session;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;

/**
 * The server's application ran the request and reported an error (a reply with
 * {@link Status#APPLICATION_ERROR}): "no such file", "volume full". This is not a transport failure and is
 * never retried by the failover client. Also thrown by node-side applications to produce such a reply.
 *
 * @since 0.1
 */
public class ApplicationException extends UnderstudyException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the application's message
     */
    public ApplicationException(String message) {
        super(ErrorCode.APPLICATION_ERROR, message);
    }
}
