package io.understudy.config;

import java.util.regex.Pattern;

/**
 * Builds the key paths used in messages: {@code cluster.nodes[1].interconnect}, {@code transport.ports.DAFS},
 * and {@code naming.options['hosts.file']} for keys that are not plain words, so a path always reads back
 * unambiguously.
 */
final class Paths {

    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_-]+");

    private Paths() {
    }

    static String key(String parent, String key) {
        if (PLAIN.matcher(key).matches()) {
            return parent.isEmpty() ? key : parent + "." + key;
        }
        String quoted = "['" + key.replace("\\", "\\\\").replace("'", "\\'") + "']";
        return parent + quoted;
    }

    static String index(String parent, int index) {
        return parent + "[" + index + "]";
    }

    /** The enclosing path, or {@code ""} at the top. */
    static String parent(String path) {
        if (path.endsWith("]")) {
            int open = path.endsWith("']") ? path.lastIndexOf("['") : path.lastIndexOf('[');
            return open < 0 ? "" : path.substring(0, open);
        }
        int dot = path.lastIndexOf('.');
        return dot < 0 ? "" : path.substring(0, dot);
    }
}
