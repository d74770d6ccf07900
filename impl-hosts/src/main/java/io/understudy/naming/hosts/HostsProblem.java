package io.understudy.naming.hosts;

import java.util.Objects;

/**
 * Something wrong on one line of a hosts file: the line (or the one name on it) was skipped and the rest of
 * the file is used. Reported by {@link HostsFileParser}, logged once per file version by
 * {@link HostsFileResolver}, and listed by {@link HostsFileResolver#problems()}.
 *
 * @param source  the file (or other source) the line came from, as given to the parser
 * @param line    the line number, counting from 1
 * @param message what was wrong and what was skipped; printable ASCII only, so it is safe to log
 * @since 0.1
 */
public record HostsProblem(String source, int line, String message) {

    /** Validates the fields. */
    public HostsProblem {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(message, "message");
        if (line < 1) {
            throw new IllegalArgumentException("line numbers count from 1, got " + line);
        }
    }

    /** {@return {@code source:line: message}, the form compilers use, so editors can jump to the line} */
    @Override
    public String toString() {
        return source + ":" + line + ": " + message;
    }
}
