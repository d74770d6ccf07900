package io.understudy.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every key the binder knows, with its type and default as {@code docs/CONFIGURATION.md} states them. The
 * binder may read only declared keys (it fails fast otherwise), unknown-key messages suggest from the
 * declared siblings, and tests check that the document lists exactly these keys with these types and
 * defaults. Paths use {@code []} for "each list item" and {@code <name>} / {@code <option>} for the free
 * keys of a mapping.
 */
final class Schema {

    /**
     * One key.
     *
     * @param path           the key path
     * @param type           the type, as the document's table names it
     * @param literalDefault the default written as YAML, or null when the default is described instead
     * @param describedDefault the default in words when there is no literal one
     */
    record Key(String path, String type, String literalDefault, String describedDefault) {
        /** {@return the default as the document's table shows it} */
        String docDefault() {
            return literalDefault != null ? "`" + literalDefault + "`" : describedDefault;
        }

        /** {@return the last segment of the path} */
        String name() {
            int dot = path.lastIndexOf('.');
            return dot < 0 ? path : path.substring(dot + 1);
        }

        /** {@return the parent's path, {@code ""} for a top-level section} */
        String parent() {
            int dot = path.lastIndexOf('.');
            return dot < 0 ? "" : path.substring(0, dot);
        }
    }

    static final String MAPPING = "mapping";
    static final String DURATION = "duration";

    private static final Map<String, Key> KEYS = new LinkedHashMap<>();

    static {
        section("cluster", "absent: no cluster (a client-only configuration)");
        literal("cluster.name", "text", "understudy");
        literal("cluster.heartbeatInterval", DURATION, "100ms");
        literal("cluster.missedHeartbeats", "integer", "5");
        literal("cluster.takeoverCountdown", DURATION, "2s");
        literal("cluster.givebackTimeout", DURATION, "10s");
        literal("cluster.interconnect", MAPPING, "{}");
        literal("cluster.interconnect.transport", "provider id", "tcp");
        literal("cluster.interconnect.authentication", "hmac-sha256 or none", "hmac-sha256");
        described("cluster.interconnect.keyFile", "path", "absent: required to run a node or an admin command with hmac-sha256");
        literal("cluster.interconnect.maxClockSkew", DURATION, "30s");
        described("cluster.nodes", "list of nodes", "required: exactly 2");
        described("cluster.nodes[].name", "node name", "required");
        described("cluster.nodes[].label", "label", "last character of `name`, upper-cased");
        described("cluster.nodes[].address", "IP literal", "required");
        described("cluster.nodes[].interconnect", "host:port", "required");
        literal("cluster.nodes[].disks", "list of disk names", "[]");

        literal("naming", MAPPING, "{}");
        literal("naming.convention", "suffix, prefix or template", "suffix");
        described("naming.value", "text", "`-failover` (suffix), `failover-` (prefix), `{name}-failover` (template)");
        literal("naming.resolvers", "list of provider ids", "[hosts]");
        literal("naming.onNotFound", "next or fail", "next");
        literal("naming.cacheTtlCap", DURATION, "30s");
        literal("naming.negativeTtl", DURATION, "2s");
        literal("naming.options", MAPPING, "{}");
        described("naming.options.<option>", "text", "none");

        literal("transport", MAPPING, "{}");
        described("transport.provider", "provider id", "absent: the available provider with the highest priority");
        literal("transport.ports", MAPPING, "{DAFS: 7000, pDAF: 7001}");
        described("transport.ports.<name>", "port number", "none");
        literal("transport.connectTimeout", DURATION, "2s");
        literal("transport.requestTimeout", DURATION, "5s");
        literal("transport.options", MAPPING, "{}");
        described("transport.options.<option>", "text", "none");

        literal("ownership", MAPPING, "{}");
        described("ownership.provider", "provider id", "absent: the available provider with the highest priority");
        literal("ownership.options", MAPPING, "{}");
        described("ownership.options.<option>", "text", "none");

        section("client", "absent: no client (a configuration that only runs nodes)");
        described("client.server", "server name", "required");
        literal("client.primaryPort", "port name", "DAFS");
        literal("client.secondaryPort", "port name", "pDAF");
        literal("client.primaryRetries", "integer", "2");
        literal("client.retryBackoff", DURATION, "50ms");
        literal("client.maxBackoff", DURATION, "1s");
        literal("client.failoverBudget", DURATION, "30s");
    }

    private Schema() {
    }

    private static void section(String path, String described) {
        described(path, MAPPING, described);
    }

    private static void literal(String path, String type, String literal) {
        KEYS.put(path, new Key(path, type, literal, null));
    }

    private static void described(String path, String type, String described) {
        KEYS.put(path, new Key(path, type, null, described));
    }

    /** {@return every declared key, in document order} */
    static List<Key> keys() {
        return List.copyOf(KEYS.values());
    }

    /** {@return the key at this schema path; fails fast if the binder asks for an undeclared key} */
    static Key key(String path) {
        Key k = KEYS.get(path);
        if (k == null) {
            throw new IllegalStateException("the binder read the undeclared key " + path + "; declare it in Schema and document it");
        }
        return k;
    }

    /** {@return the names of the declared keys directly under {@code parent}} */
    static List<String> children(String parent) {
        List<String> names = new ArrayList<>();
        for (Key k : KEYS.values()) {
            if (k.parent().equals(parent)) {
                names.add(k.name());
            }
        }
        return names;
    }
}
