package io.understudy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.ServerName;
import io.understudy.config.Tree.ListNode;
import io.understudy.config.Tree.MapNode;
import io.understudy.config.Tree.Node;
import java.io.IOException;
import java.io.StringReader;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** docs/CONFIGURATION.md cannot rot: its examples load, and its key tables match what the binder knows. */
class DocsTest {

    private static final Path DOC = Path.of("..", "docs", "CONFIGURATION.md");

    /**
     * A fenced code block: its language, first line number and text. The text is padded with the blank lines
     * before it, so a problem's line number is the line in the document.
     */
    record Block(String language, int line, String text) {
        String source() {
            return "docs/CONFIGURATION.md";
        }
    }

    /** A row of a key table. */
    record Row(String key, String type, String defaultValue, String meaning) {
    }

    private static List<String> lines;
    private static List<Block> blocks;

    @BeforeAll
    static void read() throws IOException {
        lines = Files.readAllLines(DOC);
        blocks = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            if (l.startsWith("```") && l.length() > 3) {
                int start = i + 1;
                StringBuilder sb = new StringBuilder("\n".repeat(start));
                for (i = start; i < lines.size() && !lines.get(i).startsWith("```"); i++) {
                    sb.append(lines.get(i)).append('\n');
                }
                blocks.add(new Block(l.substring(3).trim(), start + 1, sb.toString()));
            }
        }
    }

    private static List<Block> configBlocks() {
        return blocks.stream().filter(b -> b.language().equals("yaml") || b.language().equals("json")).toList();
    }

    private static DeploymentConfig load(Block b) {
        return DeploymentConfig.read(new StringReader(b.text()), b.source(),
                b.language().equals("json") ? ConfigFormat.JSON : ConfigFormat.YAML);
    }

    @Test
    void everyExampleLoads() {
        assertTrue(configBlocks().size() >= 3, "expected the demo, client-only and JSON examples");
        for (Block b : configBlocks()) {
            load(b); // throws with the doc's line on any problem
        }
    }

    @Test
    void theDemoIsTheTwoNodeLoopbackPair() throws Exception {
        DeploymentConfig demo = load(fullExample());
        ClusterConfig cl = demo.cluster().orElseThrow();
        assertEquals("FilerA", cl.nodes().get(0).name());
        assertEquals(InetAddress.getByName("127.0.0.11"), cl.nodes().get(0).address());
        assertEquals("FilerB", cl.nodes().get(1).name());
        assertEquals(InetAddress.getByName("127.0.0.12"), cl.nodes().get(1).address());
        assertEquals(ServerName.of("FilerA"), demo.client().orElseThrow().server());
    }

    @Test
    void thereIsAClientOnlyExample() {
        assertTrue(configBlocks().stream().map(DocsTest::load)
                .anyMatch(c -> c.cluster().isEmpty() && c.client().isPresent()), "no client-only example");
    }

    @Test
    void theFullExampleUsesEveryKey() {
        Node root = Tree.read(new StringReader(fullExample().text()), "doc", ConfigFormat.YAML);
        Set<String> used = new TreeSet<>();
        collect(root, "", used);
        Set<String> declared = new TreeSet<>(Schema.keys().stream().map(Schema.Key::path).toList());
        assertEquals(declared, used, "the full example in CONFIGURATION.md should show every key once");
    }

    @Test
    void everyKeyIsDocumentedWithItsTypeAndDefault() {
        Map<String, Row> rows = keyRows();
        List<String> missing = new ArrayList<>();
        for (Schema.Key k : Schema.keys()) {
            Row r = rows.get(k.path());
            if (r == null) {
                missing.add(k.path());
                continue;
            }
            assertEquals(k.type(), r.type(), "type of " + k.path());
            assertEquals(k.docDefault(), r.defaultValue(), "default of " + k.path());
            assertFalse(r.meaning().isBlank(), "meaning of " + k.path());
        }
        assertEquals(List.of(), missing, "keys the binder knows but CONFIGURATION.md does not list");
        Set<String> stale = new TreeSet<>(rows.keySet());
        Schema.keys().forEach(k -> stale.remove(k.path()));
        assertEquals(Set.of(), stale, "keys CONFIGURATION.md lists but the binder does not know");
    }

    @Test
    void theErrorExampleIsWhatTheLoaderSays() {
        Block expected = blocks.stream().filter(b -> b.language().equals("text") && b.text().strip().startsWith("US-1100"))
                .findFirst().orElseThrow(() -> new AssertionError("no error example"));
        String broken = fullExample().text().strip()
                .replace("  heartbeatInterval: 100ms", "  hearbeatInterval: 100ms")
                .replace("    DAFS: 7000", "    DAFS: 70000")
                .replace("  maxBackoff: 1s", "  maxBackoff: -1s");
        InvalidConfigurationException e = org.junit.jupiter.api.Assertions.assertThrows(InvalidConfigurationException.class,
                () -> DeploymentConfig.read(new StringReader(broken + "\n"), "demo.yaml"));
        assertEquals(expected.text().strip(), e.getMessage());
    }

    private static Block fullExample() {
        return configBlocks().stream().filter(b -> b.text().contains("cluster:") && b.text().contains("client:"))
                .findFirst().orElseThrow(() -> new AssertionError("no full example with cluster and client"));
    }

    /** Rows of the tables under "## Keys" whose first cell is a key in backticks. */
    private static Map<String, Row> keyRows() {
        Map<String, Row> rows = new LinkedHashMap<>();
        boolean inKeys = false;
        for (String l : lines) {
            if (l.startsWith("## ")) {
                inKeys = l.equals("## Keys");
            }
            if (inKeys && l.startsWith("| `")) {
                String[] cells = l.substring(1, l.length() - (l.endsWith("|") ? 1 : 0)).split(" \\| ", -1);
                assertEquals(4, cells.length, "a key row has 4 cells: " + l);
                String key = cells[0].trim();
                key = key.substring(1, key.length() - 1);
                Row previous = rows.put(key, new Row(key, cells[1].trim(), cells[2].trim(), cells[3].trim()));
                assertEquals(null, previous, "key listed twice: " + key);
            }
        }
        return rows;
    }

    /** Walks a parsed example, generalising list indices to [] and free keys to their placeholder. */
    private static void collect(Node n, String schemaPath, Set<String> used) {
        if (n instanceof MapNode m) {
            List<String> children = Schema.children(schemaPath);
            String free = children.size() == 1 && children.get(0).startsWith("<") ? children.get(0) : null;
            m.entries().forEach((key, e) -> {
                String child = (schemaPath.isEmpty() ? "" : schemaPath + ".") + (free != null ? free : key);
                used.add(child);
                collect(e.value(), child, used);
            });
        } else if (n instanceof ListNode l) {
            for (Node item : l.items()) {
                if (item instanceof MapNode) {
                    collect(item, schemaPath + "[]", used);
                }
            }
        }
    }
}
