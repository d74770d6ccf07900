package io.understudy.cli.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * A thread-safe recorder of {@link HistoryEntry history lines}, and their JSON-lines form: one object per line
 * with the fields {@code type} ({@code invoke|ok|fail|info}), {@code client}, {@code op}, {@code f},
 * {@code log}, {@code payload}, {@code time} (ISO-8601 instant) and, where known, {@code offset},
 * {@code node}, {@code port}, {@code error}.
 *
 * @since 0.1
 */
public final class History {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final List<HistoryEntry> entries = new ArrayList<>();

    /** Records a line. */
    public synchronized void add(HistoryEntry e) {
        entries.add(e);
    }

    /** {@return a copy of the lines so far, in the order recorded} */
    public synchronized List<HistoryEntry> entries() {
        return List.copyOf(entries);
    }

    /**
     * Writes the lines so far as JSON lines.
     *
     * @param file the file, replaced
     * @throws IOException if it cannot be written
     */
    public void write(Path file) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (HistoryEntry e : entries()) {
                w.write(toJson(e));
                w.newLine();
            }
        }
    }

    /** {@return one line's JSON} */
    public static String toJson(HistoryEntry e) {
        ObjectNode o = JSON.createObjectNode();
        o.put("type", e.type().name().toLowerCase(java.util.Locale.ROOT));
        o.put("client", e.client());
        o.put("op", e.op());
        o.put("f", e.f());
        o.put("log", e.log());
        o.put("payload", e.payload());
        o.put("time", e.time().toString());
        if (e.offset() != null) {
            o.put("offset", e.offset());
        }
        if (e.node() != null) {
            o.put("node", e.node());
        }
        if (e.port() != null) {
            o.put("port", e.port());
        }
        if (e.error() != null) {
            o.put("error", e.error());
        }
        return o.toString();
    }

    /**
     * Reads a JSON-lines history.
     *
     * @param file the file
     * @return its lines
     * @throws IOException              if it cannot be read
     * @throws IllegalArgumentException naming the file and line if a line is malformed
     */
    public static List<HistoryEntry> read(Path file) throws IOException {
        List<HistoryEntry> out = new ArrayList<>();
        int n = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            n++;
            if (line.isBlank()) {
                continue;
            }
            try {
                out.add(fromJson(line));
            } catch (IllegalArgumentException | NullPointerException | DateTimeParseException | UncheckedIOException e) {
                throw new IllegalArgumentException(file + ":" + n + ": not a history line: " + e.getMessage(), e);
            }
        }
        return out;
    }

    /** {@return the line parsed from JSON} */
    public static HistoryEntry fromJson(String line) {
        JsonNode o;
        try {
            o = JSON.readTree(line);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (o == null || !o.isObject()) {
            throw new IllegalArgumentException("expected a JSON object");
        }
        return new HistoryEntry(HistoryEntry.Type.valueOf(text(o, "type", true).toUpperCase(java.util.Locale.ROOT)),
                text(o, "client", true), o.path("op").asLong(-1), text(o, "f", true), text(o, "log", true),
                text(o, "payload", true), Instant.parse(text(o, "time", true)),
                o.hasNonNull("offset") ? o.get("offset").asLong() : null, text(o, "node", false), text(o, "port", false),
                text(o, "error", false));
    }

    private static String text(JsonNode o, String field, boolean required) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw new IllegalArgumentException("missing field '" + field + "'");
            }
            return null;
        }
        return v.asText();
    }
}
