package io.understudy.naming.hosts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.understudy.api.ServerName;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Seeded fuzzing of the parser: documents mixing good lines (whose entries are predicted) with junk lines and
 * raw random bytes. The parser must never throw; it must keep every good line, and everything it returns must
 * be consistent. The seed is printed; rerun one with {@code -Dunderstudy.fuzz.seed=N}.
 */
class HostsFileParserFuzzTest {

    private static final int DOCUMENTS = 300;

    private record Expected(int line, byte[] address, List<String> names) {
    }

    @Test
    void neverThrowsKeepsGoodLinesAndStaysConsistent() {
        long seed = Long.getLong("understudy.fuzz.seed", System.nanoTime());
        System.out.println("HostsFileParserFuzzTest seed " + seed + " (rerun with -Dunderstudy.fuzz.seed=" + seed + ")");
        Random r = new Random(seed);
        int goodLines = 0;
        int problems = 0;
        for (int doc = 0; doc < DOCUMENTS; doc++) {
            StringBuilder text = new StringBuilder();
            List<Expected> expected = new ArrayList<>();
            int lines = 1 + r.nextInt(40);
            for (int line = 1; line <= lines; line++) {
                if (line > 1) {
                    text.append('\n');
                }
                if (r.nextInt(3) == 0) {
                    expected.add(goodLine(r, line, text));
                } else {
                    junkLine(r, text, true);
                }
            }
            String what = "seed " + seed + ", document " + doc;
            HostsTable t = parse(text.toString(), what);
            check(t, lines, expected, what);
            goodLines += expected.size();
            problems += t.problemCount();

            // And raw bytes, decoded the way the resolver decodes a file.
            byte[] raw = new byte[r.nextInt(2000)];
            r.nextBytes(raw);
            String decoded = new String(raw, StandardCharsets.UTF_8);
            HostsTable junk = parse(decoded, what + " (raw bytes)");
            check(junk, (int) decoded.chars().filter(c -> c == '\n').count() + 1, List.of(), what + " (raw bytes)");
        }
        assertTrue(goodLines > DOCUMENTS, "the generator produced good lines: " + goodLines);
        assertTrue(problems > DOCUMENTS, "the generator produced bad lines: " + problems);
    }

    private static HostsTable parse(String text, String what) {
        try {
            return HostsFileParser.parse(new StringReader(text), "fuzz");
        } catch (Throwable e) {
            return fail(what + ": the parser threw", e);
        }
    }

    private static void check(HostsTable t, int lines, List<Expected> expected, String what) {
        int previous = 0;
        for (HostsEntry e : t.entries()) {
            assertTrue(e.line() > previous && e.line() <= lines, () -> what + ": entry line " + e.line() + " out of order or range");
            previous = e.line();
            for (ServerName n : e.names()) {
                assertTrue(t.lookup(n).stream().anyMatch(x -> x.address().equals(e.address())),
                        () -> what + ": " + n + " from line " + e.line() + " is not found by lookup");
            }
        }
        assertTrue(t.problemCount() >= t.problems().size() && t.problems().size() <= HostsFileParser.MAX_PROBLEMS, what);
        for (HostsProblem p : t.problems()) {
            assertTrue(p.line() >= 1 && p.line() <= lines, () -> what + ": problem line out of range: " + p);
            assertTrue(p.message().chars().allMatch(c -> c >= 0x20 && c < 0x7f), () -> what + ": unprintable message: " + p);
            assertTrue(p.message().length() < 600, () -> what + ": message too long: " + p);
        }
        for (Expected x : expected) {
            HostsEntry e = t.entries().stream().filter(en -> en.line() == x.line()).findFirst()
                    .orElseGet(() -> fail(what + ": good line " + x.line() + " " + x.names() + " was lost; problems " + t.problems()));
            assertArrayEquals(x.address(), e.address().getAddress().length == 4 && x.address().length == 16
                    ? mapped(e.address().getAddress()) : e.address().getAddress(), () -> what + ": address on line " + x.line());
            assertEquals(x.names(), e.names().stream().map(ServerName::value).toList(), () -> what + ": names on line " + x.line());
        }
    }

    /** The JDK turns IPv4-mapped IPv6 bytes into an IPv4 address; compare in the written form. */
    private static byte[] mapped(byte[] v4) {
        byte[] b = new byte[16];
        b[10] = (byte) 0xff;
        b[11] = (byte) 0xff;
        System.arraycopy(v4, 0, b, 12, 4);
        return b;
    }

    private static Expected goodLine(Random r, int line, StringBuilder out) {
        byte[] address;
        String text;
        if (r.nextBoolean()) {
            address = new byte[4];
            r.nextBytes(address);
            text = LiteralFormats.v4(address, 0);
        } else {
            address = LiteralFormats.randomV6(r);
            text = LiteralFormats.v6Any(address, r);
        }
        List<String> names = new ArrayList<>();
        for (int i = 1 + r.nextInt(3); i > 0; i--) {
            names.add(name(r));
        }
        out.append(blanks(r, 0)).append(text);
        for (String n : names) {
            out.append(blanks(r, 1)).append(n);
        }
        out.append(blanks(r, 0));
        if (r.nextBoolean()) {
            out.append('#');
            junkLine(r, out, false);
        }
        if (r.nextInt(4) == 0) {
            out.append('\r');
        }
        return new Expected(line, address, names);
    }

    private static String name(Random r) {
        StringBuilder sb = new StringBuilder();
        for (int label = 1 + r.nextInt(3); label > 0; label--) {
            if (!sb.isEmpty()) {
                sb.append('.');
            }
            int len = 1 + r.nextInt(12);
            for (int i = 0; i < len; i++) {
                boolean edge = i == 0 || i == len - 1;
                String alphabet = edge ? "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                        : "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-";
                sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
            }
        }
        return sb.toString();
    }

    private static String blanks(Random r, int min) {
        StringBuilder sb = new StringBuilder();
        for (int i = min + r.nextInt(3); i > 0; i--) {
            sb.append(r.nextBoolean() ? ' ' : '\t');
        }
        return sb.toString();
    }

    /** Characters a broken hosts file holds: separators, address and name parts, controls, non-ASCII; no newline. */
    private static void junkLine(Random r, StringBuilder out, boolean mayBeOverlong) {
        String palette = " \t\r#:.%0123456789abcdefABCDEF_-!xyz\u0000\u0007\u001b\u00ff\uFFFD\uFEFF\u0661";
        int len = mayBeOverlong && r.nextInt(10) == 0 ? HostsFileParser.MAX_LINE_LENGTH - 5 + r.nextInt(10) : r.nextInt(80);
        for (int i = 0; i < len; i++) {
            int kind = r.nextInt(20);
            char c = kind == 0 ? (char) r.nextInt(0x10000) : palette.charAt(r.nextInt(palette.length()));
            out.append(c == '\n' ? ' ' : c);
        }
    }
}
