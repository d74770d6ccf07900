package io.understudy.examples.fileservice;

import io.understudy.session.ApplicationException;

/**
 * A file-service request or reply could not be decoded. The message says which field was wrong and at
 * which byte offset of the message. On the node it is an application error (the client sees the
 * message); on the client it means the server answered something this client does not understand.
 *
 * @since 0.1
 */
public final class MalformedMessageException extends ApplicationException {
    private static final long serialVersionUID = 1L;

    /** Where in the message the problem was found. */
    private final int offset;

    MalformedMessageException(String kind, String what, int offset) {
        super("malformed file-service " + kind + ": " + what + " at offset " + offset);
        this.offset = offset;
    }

    /** {@return the byte offset in the message where the problem was found} */
    public int offset() {
        return offset;
    }
}
