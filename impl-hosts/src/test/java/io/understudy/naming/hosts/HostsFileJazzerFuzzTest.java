package io.understudy.naming.hosts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;

/**
 * Coverage-guided fuzzing of {@link HostsFileParser#parse}: a hosts file is operator-written text, so any text
 * must parse to a table (good lines become entries, bad ones bounded problems with a line number), never an
 * exception. The input bytes are read as UTF-8 (malformed sequences become U+FFFD, as a file read would give).
 * See docs/FUZZING.md; HostsFileParserFuzzTest holds the older random-input test.
 */
class HostsFileJazzerFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void parse(byte[] input) throws IOException {
        String text = new String(input, StandardCharsets.UTF_8);
        HostsTable t = HostsFileParser.parse(new StringReader(text), "fuzz-hosts");
        assertNotNull(t.entries());
        assertTrue(t.problems().size() <= HostsFileParser.MAX_PROBLEMS, "problems are bounded: " + t.problems().size());
        assertTrue(t.problemCount() >= t.problems().size());
        long lines = text.chars().filter(ch -> ch == '\n' || ch == '\r').count() + 1;
        for (HostsProblem p : t.problems()) {
            assertTrue(p.line() >= 1 && p.line() <= lines, "problem line " + p.line() + " outside 1.." + lines);
        }
        HostsTable again = HostsFileParser.parse(new StringReader(text), "fuzz-hosts");
        assertEquals(t.entries(), again.entries(), "parsing is deterministic");
    }
}
