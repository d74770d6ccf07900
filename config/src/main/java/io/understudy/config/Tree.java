package io.understudy.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import io.understudy.config.InvalidConfigurationException.Problem;
import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * The parsed document as a tree that remembers where each key and value was written, so every message can
 * give a line and column. Read with Jackson's streaming parser rather than bound by databind: the binder
 * needs locations for values that are already valid JSON/YAML but wrong for Understudy.
 */
final class Tree {

    /** Deeper than any valid configuration (4 levels) by a wide margin; stops pathological input early. */
    static final int MAX_DEPTH = 32;

    private static final JsonFactory JSON = JsonFactory.builder().build();
    // An empty plain value (`key:`) is null in YAML, and the binder tells the user to remove the key.
    private static final YAMLFactory YAML = YAMLFactory.builder().enable(YAMLParser.Feature.EMPTY_STRING_AS_NULL).build();

    private Tree() {
    }

    /** A 1-based line and column; 0 when not known. */
    record Loc(int line, int column) {
        static final Loc UNKNOWN = new Loc(0, 0);

        static Loc of(JsonLocation l) {
            return l == null ? UNKNOWN : new Loc(Math.max(0, l.getLineNr()), Math.max(0, l.getColumnNr()));
        }
    }

    /** A parsed value. */
    sealed interface Node permits MapNode, ListNode, Scalar {
        Loc loc();

        /** What the value is, for "expected X, got Y" messages. */
        String describe();
    }

    /** A key and its value. */
    record Entry(String key, Loc keyLoc, Node value) {
    }

    /** A mapping, in document order. */
    record MapNode(Map<String, Entry> entries, Loc loc) implements Node {
        @Override
        public String describe() {
            return "a mapping";
        }
    }

    /** A sequence. */
    record ListNode(List<Node> items, Loc loc) implements Node {
        @Override
        public String describe() {
            return "a list";
        }
    }

    /** The kinds of scalar YAML and JSON produce. */
    enum Type { STRING, INT, FLOAT, BOOLEAN, NULL }

    /**
     * A scalar. {@code text} is the value as written (YAML's {@code yes} stays {@code yes}); {@code number} is
     * set for {@link Type#INT} and holds an {@link Integer}, {@link Long} or {@link java.math.BigInteger}.
     */
    record Scalar(Type type, String text, Number number, Loc loc) implements Node {
        @Override
        public String describe() {
            return switch (type) {
                case STRING -> "the text '" + text + "'";
                case INT, FLOAT -> "the number " + text;
                case BOOLEAN -> "the boolean " + text;
                case NULL -> "no value (null)";
            };
        }
    }

    /**
     * Parses the whole document.
     *
     * @throws InvalidConfigurationException if it is empty, malformed, or has more than one document
     */
    static Node read(Reader reader, String source, ConfigFormat format) {
        try (JsonParser p = (format == ConfigFormat.JSON ? JSON : YAML).createParser(reader)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                throw fail(source, Loc.UNKNOWN, "the configuration is empty; expected a mapping such as "
                        + "'client: {server: FilerA}', or '{}' for every default");
            }
            Node root = value(p, source, 0, "");
            JsonToken extra = p.nextToken();
            if (extra != null) {
                throw fail(source, Loc.of(p.currentTokenLocation()), "there is more than one "
                        + (format == ConfigFormat.YAML ? "YAML document (---)" : "JSON value")
                        + "; expected one mapping");
            }
            return root;
        } catch (InvalidConfigurationException e) {
            throw e;
        } catch (JacksonException e) {
            throw malformed(source, format, e);
        } catch (IOException e) {
            throw fail(source, Loc.UNKNOWN, "cannot read the configuration: " + e);
        } catch (RuntimeException e) {
            // Jackson wraps the YAML library's exceptions; this net catches any it lets through for odd input,
            // and only those: an exception thrown by this package's own code is a bug and propagates.
            if (fromParser(e)) {
                throw fail(source, Loc.UNKNOWN, "malformed " + format + ": " + e);
            }
            throw e;
        }
    }

    private static Node value(JsonParser p, String source, int depth, String path) throws IOException {
        Loc loc = Loc.of(p.currentTokenLocation());
        if (depth > MAX_DEPTH) {
            throw fail(source, path, loc, "the document nests deeper than " + MAX_DEPTH + " levels; no configuration key is that deep");
        }
        if (p instanceof YAMLParser y && y.isCurrentAlias()) {
            throw fail(source, path, loc, "YAML aliases (*" + y.getText() + ") are not supported; write the value out in full");
        }
        JsonToken t = p.currentToken();
        switch (t) {
            case START_OBJECT -> {
                Map<String, Entry> entries = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    Loc keyLoc = Loc.of(p.currentTokenLocation());
                    p.nextToken();
                    Node v = value(p, source, depth + 1, Paths.key(path, key));
                    Entry previous = entries.putIfAbsent(key, new Entry(key, keyLoc, v));
                    if (previous != null) {
                        throw fail(source, Paths.key(path, key), keyLoc, "the key '" + key + "' appears twice in one mapping (first at line "
                                + previous.keyLoc().line() + "); expected each key once");
                    }
                }
                return new MapNode(Collections.unmodifiableMap(entries), loc);
            }
            case START_ARRAY -> {
                List<Node> items = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    items.add(value(p, source, depth + 1, Paths.index(path, items.size())));
                }
                return new ListNode(List.copyOf(items), loc);
            }
            case VALUE_STRING -> {
                return new Scalar(Type.STRING, p.getText(), null, loc);
            }
            case VALUE_NUMBER_INT -> {
                return new Scalar(Type.INT, p.getText(), p.getNumberValue(), loc);
            }
            case VALUE_NUMBER_FLOAT -> {
                return new Scalar(Type.FLOAT, p.getText(), null, loc);
            }
            case VALUE_TRUE, VALUE_FALSE -> {
                return new Scalar(Type.BOOLEAN, p.getText(), null, loc);
            }
            case VALUE_NULL -> {
                return new Scalar(Type.NULL, p.getText(), null, loc);
            }
            default -> throw fail(source, path, loc, "unsupported value (" + t + "); expected a mapping, a list or a scalar");
        }
    }

    private static InvalidConfigurationException malformed(String source, ConfigFormat format, JacksonException e) {
        // Jackson keeps SnakeYAML's exception as the cause; it knows where the problem is, not just where the parser stopped.
        if (e.getCause() instanceof MarkedYAMLException m) {
            Mark mark = m.getProblemMark() != null ? m.getProblemMark() : m.getContextMark();
            Loc loc = mark == null ? Loc.of(e.getLocation()) : new Loc(mark.getLine() + 1, mark.getColumn() + 1);
            String what = m.getProblem() == null ? "" : m.getProblem();
            if (m.getContext() != null) {
                what = m.getContext() + ": " + what;
            }
            return fail(source, loc, "malformed YAML: " + oneLine(what) + hint(what));
        }
        String what = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        return fail(source, Loc.of(e.getLocation()), "malformed " + format + ": " + oneLine(String.valueOf(what)));
    }

    private static boolean fromParser(RuntimeException e) {
        StackTraceElement[] trace = e.getStackTrace();
        if (trace.length == 0) {
            return false;
        }
        String where = trace[0].getClassName();
        return where.startsWith("org.yaml.snakeyaml.") || where.startsWith("com.fasterxml.jackson.");
    }

    private static String hint(String problem) {
        if (problem.contains("\\t")) {
            return " (indent with spaces, never tabs)";
        }
        return "";
    }

    private static String oneLine(String s) {
        return s.replace("\r", "").replace('\n', ' ').replaceAll("\\s+", " ").trim();
    }

    static InvalidConfigurationException fail(String source, Loc loc, String message) {
        return fail(source, "", loc, message);
    }

    static InvalidConfigurationException fail(String source, String path, Loc loc, String message) {
        return new InvalidConfigurationException(List.of(new Problem(source, path, loc.line(), loc.column(), message)));
    }
}
