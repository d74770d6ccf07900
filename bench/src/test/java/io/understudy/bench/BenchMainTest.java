package io.understudy.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code understudy bench --quick} with two trials of each scenario on real node processes and checks the
 * output's shape: every figure the quick mode promises, with a number and a unit, and a readable PNG chart.
 * No timing is asserted (performance is measured, not tested).
 */
class BenchMainTest {

    static final List<String> REQUIRED = List.of("outage_kill9_p50", "outage_kill9_p99", "outage_iamfailing_p99",
            "operator_takeover_client_errors", "giveback_client_errors", "operator_takeover_stall_p99", "giveback_stall_p99");
    static final Pattern LINE = Pattern.compile("^bench: (\\S+) (-?[0-9]+(?:\\.[0-9]+)?) (ms|count)$");

    @Test
    void quickRunPrintsEveryFigureAndWritesTheChart(@TempDir Path out) throws Exception {
        System.setProperty("java.awt.headless", "true");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status;
        try (PrintStream ps = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            status = BenchMain.run(ps, System.err, "--quick", "--trials", "2", "--skip-datapath", "--out", out.toString());
        }
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, text);
        Map<String, Double> figures = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("bench:")) {
                Matcher m = LINE.matcher(line);
                assertTrue(m.matches(), "not 'bench: <name> <number> <unit>': " + line);
                figures.put(m.group(1), Double.parseDouble(m.group(2)));
            }
        }
        for (String name : REQUIRED) {
            assertTrue(figures.containsKey(name), "missing figure " + name + " in:\n" + text);
        }
        assertTrue(text.contains("quick mode"), "the output says it is the quick mode:\n" + text);

        Path png = out.resolve("failover-throughput.png");
        byte[] head = Arrays.copyOf(Files.readAllBytes(png), 8);
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, head, "PNG signature");
        var image = ImageIO.read(png.toFile());
        assertTrue(image != null && image.getWidth() > 100 && image.getHeight() > 100, "a decodable chart image");
        assertTrue(Files.readString(out.resolve("failover.md")).contains("| outage_kill9 |"), "the Markdown table");
    }

    @Test
    void badArgumentsAreRejectedWithTheReason() {
        PrintStream none = new PrintStream(PrintStream.nullOutputStream());
        var unknown = assertThrows(IllegalArgumentException.class, () -> BenchMain.run(none, none, "--fast"));
        assertTrue(unknown.getMessage().contains("--fast"), unknown.getMessage());
        var trials = assertThrows(IllegalArgumentException.class, () -> BenchMain.run(none, none, "--trials", "zero"));
        assertTrue(trials.getMessage().contains("'zero'"), trials.getMessage());
        var scenario = assertThrows(IllegalArgumentException.class, () -> BenchMain.run(none, none, "--scenarios", "kill9,reboot"));
        assertTrue(scenario.getMessage().contains("reboot"), scenario.getMessage());
        var missing = assertThrows(IllegalArgumentException.class, () -> BenchMain.run(none, none, "--out"));
        assertTrue(missing.getMessage().contains("--out needs a value"), missing.getMessage());
    }
}
