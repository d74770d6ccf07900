package io.understudy.bench.datapath;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs the data-path runner for real (JMH, one forked JVM per benchmark, every server and client) in its
 * tiny profile and checks that every figure the report promises is printed as a positive number. Nothing
 * about speed is asserted: that is for the benchmark's readers.
 */
class DataPathTest {

    /** The figures scripts and docs rely on, with their units. */
    private static final Map<String, String> REQUIRED = new LinkedHashMap<>();

    static {
        for (String p : List.of("raw", "tcp", "client", "grpc", "vi", "shm")) {
            REQUIRED.put(p + "_rtt_p50", "us");
            REQUIRED.put(p + "_rtt_p99", "us");
        }
        for (String p : List.of("raw", "tcp", "client", "grpc", "vi")) {
            REQUIRED.put(p + "_rate_1", "ops/s");
            REQUIRED.put(p + "_rate_16", "ops/s");
        }
        for (String r : List.of("tcp_vs_raw_rtt", "tcp_vs_grpc_rate", "vi_vs_shm_rtt", "client_vs_raw_rtt", "client_vs_grpc_rate")) {
            REQUIRED.put(r, "x");
        }
    }

    private static final Pattern LINE = Pattern.compile("(?m)^bench: (\\S+) (\\S+) (\\S+)$");

    @Test
    @Timeout(150)
    void tinyRunPrintsEveryFigureAsAPositiveNumber() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            DataPath.run(out, DataPath.Profile.TINY);
        }
        String text = buf.toString(StandardCharsets.UTF_8);
        Map<String, String[]> printed = new LinkedHashMap<>();
        Matcher m = LINE.matcher(text);
        while (m.find()) {
            printed.put(m.group(1), new String[] {m.group(2), m.group(3)});
        }
        for (Map.Entry<String, String> want : REQUIRED.entrySet()) {
            String[] got = printed.get(want.getKey());
            assertTrue(got != null, "no 'bench: " + want.getKey() + "' line in:\n" + text);
            assertEquals(want.getValue(), got[1], "unit of " + want.getKey());
            double v = Double.parseDouble(got[0]);
            assertTrue(v > 0 && Double.isFinite(v), want.getKey() + " is " + got[0] + ", expected a positive number");
        }
        assertTrue(text.contains("rtt p50") && text.contains("gRPC-java unary"), "the table is printed:\n" + text);
    }
}
