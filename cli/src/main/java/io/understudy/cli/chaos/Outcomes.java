package io.understudy.cli.chaos;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;

/**
 * Which client errors mean "definitely not applied" ({@link HistoryEntry.Type#FAIL}) and which leave the
 * outcome unknown ({@link HistoryEntry.Type#INFO}).
 *
 * <p>Definite, because the request never ran:
 * <ul>
 *   <li>an {@link io.understudy.session.ApplicationException} ({@code US-6004}): the server's application ran
 *       the request and reported an error (no such volume, volume not served, no space), having changed
 *       nothing; the client never retries it;</li>
 *   <li>{@code US-3003 FRAME_TOO_LARGE}: refused before anything was sent;</li>
 *   <li>{@code US-3004 FRAME_MALFORMED}: the server rejected the frame without running it;</li>
 *   <li>{@link IllegalArgumentException}: the client library refused the arguments before sending.</li>
 * </ul>
 * Indeterminate, because the request may have reached a server that ran it and whose reply was lost:
 * {@code US-6003 FAILOVER_EXHAUSTED} (gave up), {@code US-3002 TIMEOUT}, {@code US-3005 CLOSED} (the client
 * was closed with the call in flight), every other {@link UnderstudyException}, and any other exception.
 * Erring on the side of "indeterminate" only weakens the check "a failed append is absent"; it never
 * produces a false violation.
 *
 * @since 0.1
 */
public final class Outcomes {

    private Outcomes() {
    }

    /** {@return FAIL if the error means the operation was not applied, else INFO} */
    public static HistoryEntry.Type classify(Throwable error) {
        if (error instanceof IllegalArgumentException) {
            return HistoryEntry.Type.FAIL;
        }
        if (error instanceof UnderstudyException u) {
            ErrorCode c = u.code();
            if (c == ErrorCode.APPLICATION_ERROR || c == ErrorCode.FRAME_TOO_LARGE || c == ErrorCode.FRAME_MALFORMED) {
                return HistoryEntry.Type.FAIL;
            }
        }
        return HistoryEntry.Type.INFO;
    }

    /** {@return the error as one line: code tag and message, or class and message} */
    public static String describe(Throwable error) {
        String m = error.getMessage();
        if (!(error instanceof UnderstudyException)) {
            m = error.getClass().getSimpleName() + (m == null ? "" : ": " + m);
        }
        m = m == null ? "" : m.replace('\n', ' ');
        return m.length() > 500 ? m.substring(0, 500) + "..." : m;
    }
}
