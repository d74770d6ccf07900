package io.understudy.config;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * A deployment configuration that cannot be used: malformed YAML or JSON, an unknown key, a bad value, or
 * values that contradict each other. Its {@link #code()} is always {@link ErrorCode#INVALID_CONFIGURATION}.
 * It lists every {@link Problem} found, each with the key's full path (such as
 * {@code cluster.nodes[1].interconnect}), the source and the line and column where they are known, what was
 * wrong and what was expected; the message shows them all.
 *
 * <p>When a configuration record is built in code rather than loaded, a problem has no source and no
 * line, and its path is relative to the record that found it (a {@link NodeConfig} says {@code address},
 * not {@code cluster.nodes[0].address}).
 *
 * <p>Immutable and thread-safe.
 *
 * @since 0.1
 */
public final class InvalidConfigurationException extends UnderstudyException {
    private static final long serialVersionUID = 1L;

    /** The most problems the message lists; {@link #problems()} has them all. */
    private static final int MESSAGE_LIMIT = 20;

    /** The problems, in document order; never empty. */
    private final List<Problem> problems;

    /**
     * One thing wrong with a configuration.
     *
     * @param source  where the configuration came from (a file name or the source name given to the
     *                loader), or null when the value was built in code
     * @param path    the key's full path such as {@code transport.ports.DAFS} or
     *                {@code naming.options['hosts.file']}; {@code ""} for the top level; not null
     * @param line    1-based line, or 0 when not known
     * @param column  1-based column, or 0 when not known
     * @param message what was wrong and what was expected, not null
     * @since 0.1
     */
    public record Problem(String source, String path, int line, int column, String message) implements Serializable {
        private static final long serialVersionUID = 1L;

        /** Checks the fields. */
        public Problem {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(message, "message");
            if (line < 0 || column < 0) {
                throw new IllegalArgumentException("line and column must be 0 (unknown) or positive");
            }
        }

        /** {@return the problem as one line: {@code source:line:column: path: message}, leaving out what is not known} */
        public String describe() {
            StringBuilder sb = new StringBuilder();
            if (source != null) {
                sb.append(source);
                if (line > 0) {
                    sb.append(':').append(line);
                    if (column > 0) {
                        sb.append(':').append(column);
                    }
                }
                sb.append(": ");
            }
            if (!path.isEmpty()) {
                sb.append(path).append(": ");
            }
            return sb.append(message).toString();
        }

        @Override
        public String toString() {
            return describe();
        }
    }

    /**
     * Creates the exception.
     *
     * @param problems at least one problem
     */
    InvalidConfigurationException(List<Problem> problems) {
        super(ErrorCode.INVALID_CONFIGURATION, message(problems));
        this.problems = List.copyOf(problems);
    }

    /**
     * Creates the exception for one problem found in code, without a source.
     *
     * @param path    the key path, relative to the record that found it
     * @param message what was wrong and what was expected
     */
    InvalidConfigurationException(String path, String message) {
        this(List.of(new Problem(null, path, 0, 0, message)));
    }

    /** {@return every problem found, in the order found; never empty} */
    public List<Problem> problems() {
        return problems;
    }

    /** {@return the first problem's key path; {@code ""} for the top level} */
    public String path() {
        return problems.get(0).path();
    }

    private static String message(List<Problem> problems) {
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("an InvalidConfigurationException needs at least one problem");
        }
        if (problems.size() == 1) {
            return problems.get(0).describe();
        }
        String source = problems.get(0).source();
        StringBuilder sb = new StringBuilder().append(problems.size()).append(" problems");
        if (source != null) {
            sb.append(" in ").append(source);
        }
        sb.append(':');
        problems.stream().limit(MESSAGE_LIMIT).forEach(p -> sb.append("\n  ").append(p.describe()));
        if (problems.size() > MESSAGE_LIMIT) {
            sb.append("\n  ... and ").append(problems.size() - MESSAGE_LIMIT).append(" more");
        }
        return sb.toString();
    }
}
