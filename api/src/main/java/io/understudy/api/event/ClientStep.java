package io.understudy.api.event;

import java.time.Instant;
import java.util.Objects;

/**
 * One step of the failover client's procedure (Fig. 6).
 *
 * @param at     when
 * @param server the primary server name the client was configured with
 * @param step   the step
 * @param detail particulars (name, endpoint, port, count), may be empty
 * @since 0.1
 */
public record ClientStep(Instant at, String server, Step step, String detail) implements UnderstudyEvent {

    /** The steps, named after Fig. 6. */
    public enum Step {
        /** Connected to the primary on the primary port. */
        CONNECTED_PRIMARY,
        /** Fig. 6, 605: the connection broke. */
        CONNECTION_BROKEN,
        /** Fig. 6, 610: retrying the primary. */
        PRIMARY_RETRY,
        /** Fig. 6, 615: the failover name was computed. */
        FAILOVER_NAME_COMPUTED,
        /** Fig. 6, 620: the failover name was resolved. */
        NAME_RESOLVED,
        /** Fig. 6, 625: connected to the failover server on the secondary port. */
        CONNECTED_SECONDARY,
        /** Requests in flight at the break were re-sent. */
        REQUESTS_RESENT,
        /** After giveback, back on the primary. */
        RETURNED_TO_PRIMARY,
        /** Every candidate failed; the request failed. */
        GAVE_UP
    }

    /** Validates the fields. */
    public ClientStep {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(step, "step");
        Objects.requireNonNull(detail, "detail");
    }

    @Override
    public String describe() {
        return "client(" + server + ") " + step + (detail.isEmpty() ? "" : " " + detail);
    }
}
