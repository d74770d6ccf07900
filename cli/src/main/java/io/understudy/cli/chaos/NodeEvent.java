package io.understudy.cli.chaos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An event a node process printed ({@code event <instant> <node> <STEP> <detail>}), e.g.
 * {@code FilerB FENCED filerb-vol0}.
 *
 * @param at   when the node published it
 * @param node the node, e.g. FilerA
 * @param text what it said after the node's name, e.g. {@code FENCED filerb-vol0}
 * @since 0.1
 */
public record NodeEvent(Instant at, String node, String text) {

    /** Validates the fields. */
    public NodeEvent {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(text, "text");
    }

    /** {@return whether this event says the node lost its disk to the partner (FENCED or CLAIM_LOST)} */
    public boolean fencing() {
        return text.startsWith("FENCED") || text.startsWith("CLAIM_LOST");
    }

    /**
     * Reads the events of a node's log (everything the process printed, across restarts); other lines are
     * skipped.
     *
     * @param node the node whose log it is
     * @param log  the log file; a missing file has no events
     * @return the events in the order printed
     * @throws IOException if the file exists but cannot be read
     */
    public static List<NodeEvent> readLog(String node, Path log) throws IOException {
        List<NodeEvent> out = new ArrayList<>();
        if (!Files.exists(log)) {
            return out;
        }
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            if (!line.startsWith("event ")) {
                continue;
            }
            int sp = line.indexOf(' ', 6);
            if (sp < 0) {
                continue;
            }
            try {
                Instant at = Instant.parse(line.substring(6, sp));
                String what = line.substring(sp + 1);
                if (what.startsWith(node + " ")) {
                    out.add(new NodeEvent(at, node, what.substring(node.length() + 1)));
                }
            } catch (DateTimeParseException e) {
                // A torn line from a killed process: not an event.
            }
        }
        return out;
    }
}
