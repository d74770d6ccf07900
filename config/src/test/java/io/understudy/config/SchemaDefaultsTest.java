package io.understudy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The defaults the document states are the defaults the binder applies: for each key with a literal default,
 * writing that default explicitly gives the same configuration as leaving the key out.
 */
class SchemaDefaultsTest {

    @Test
    void writingTheDocumentedDefaultChangesNothing() {
        int checked = 0;
        for (Schema.Key k : Schema.keys()) {
            if (k.literalDefault() == null) {
                continue;
            }
            Map<String, Object> base = base();
            String without = flow(base);
            set(base, k.path(), k.literalDefault());
            String with = flow(base);
            assertEquals(Configs.yaml(without), Configs.yaml(with), () -> k.path() + ": " + with);
            checked++;
        }
        assertEquals(Schema.keys().stream().filter(k -> k.literalDefault() != null).count(), checked);
    }

    @Test
    void theBinderReadsOnlyDeclaredKeys() {
        assertThrows(IllegalStateException.class, () -> Schema.key("cluster.undeclared"));
        assertEquals(List.of("cluster", "naming", "transport", "ownership", "client"), Schema.children(""));
    }

    private static Map<String, Object> base() {
        Map<String, Object> a = new LinkedHashMap<>(Map.of("name", "FilerA", "address", "127.0.0.11", "interconnect", "\"127.0.0.11:7100\""));
        Map<String, Object> b = new LinkedHashMap<>(Map.of("name", "FilerB", "address", "127.0.0.12", "interconnect", "\"127.0.0.12:7100\""));
        Map<String, Object> cluster = new LinkedHashMap<>();
        cluster.put("nodes", new ArrayList<>(List.of(a, b)));
        Map<String, Object> client = new LinkedHashMap<>();
        client.put("server", "FilerA");
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("cluster", cluster);
        root.put("client", client);
        return root;
    }

    @SuppressWarnings("unchecked")
    private static void set(Map<String, Object> root, String path, String rawYaml) {
        String[] parts = path.split("\\.");
        Map<String, Object> m = root;
        for (int i = 0; i < parts.length - 1; i++) {
            String p = parts[i];
            if (p.endsWith("[]")) {
                m = (Map<String, Object>) ((List<Object>) m.get(p.substring(0, p.length() - 2))).get(0);
            } else {
                m = (Map<String, Object>) m.computeIfAbsent(p, x -> new LinkedHashMap<>());
            }
        }
        m.put(parts[parts.length - 1], rawYaml);
    }

    /** Writes the tree as flow YAML; strings are raw YAML. */
    private static String flow(Object o) {
        if (o instanceof Map<?, ?> m) {
            List<String> entries = new ArrayList<>();
            m.forEach((k, v) -> entries.add(k + ": " + flow(v)));
            return "{" + String.join(", ", entries) + "}";
        }
        if (o instanceof List<?> l) {
            return "[" + String.join(", ", l.stream().map(SchemaDefaultsTest::flow).toList()) + "]";
        }
        return String.valueOf(o);
    }
}
