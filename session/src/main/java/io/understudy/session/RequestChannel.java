package io.understudy.session;

import java.nio.ByteBuffer;

/**
 * Something that carries an application request to a server and returns its reply: the failover client
 * implements it, and application client libraries (the example file service's) are written against it.
 *
 * <p>Implementations are thread-safe; {@link #call} blocks until the reply arrives.
 *
 * @since 0.1
 */
@FunctionalInterface
public interface RequestChannel {

    /**
     * Sends a request and waits for its reply.
     *
     * @param request the application bytes
     * @return the reply's application bytes
     * @throws ApplicationException if the server's application reported an error
     * @throws io.understudy.api.UnderstudyException if the request could not be completed
     */
    ByteBuffer call(ByteBuffer request);
}
