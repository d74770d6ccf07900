package io.understudy.naming.hosts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.ServerName;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class HostsFileParserTest {

    private static HostsTable parse(String text) throws IOException {
        return HostsFileParser.parse(new StringReader(text), "test-hosts");
    }

    private static List<String> addresses(HostsTable t, String name) {
        return t.lookup(ServerName.of(name)).stream().map(e -> e.address().getHostAddress()).toList();
    }

    @Test
    void readsTheStandardFormat() throws IOException {
        HostsTable t = parse("""
                # The seed's pair
                127.0.0.1\tlocalhost
                ::1\t\tlocalhost ip6-localhost ip6-loopback
                fe80::1 linklocal

                192.0.2.10   FilerA   filera.example.com   # primary
                192.0.2.11\tFilerA-failover\t# partner's secondary port pDAF
                   \t
                2001:DB8::11 FilerA-failover
                """);
        assertEquals(List.of(), t.problems(), "problems");
        assertEquals(List.of("127.0.0.1", "0:0:0:0:0:0:0:1"), addresses(t, "localhost"), "IPv4 then IPv6, file order");
        assertEquals(List.of("0:0:0:0:0:0:0:1"), addresses(t, "ip6-loopback"), "third name on a line is an alias");
        assertEquals(List.of("fe80:0:0:0:0:0:0:1"), addresses(t, "linklocal"));
        assertEquals(List.of("192.0.2.10"), addresses(t, "filera.example.com"), "alias");
        assertEquals(List.of("192.0.2.11", "2001:db8:0:0:0:0:0:11"), addresses(t, "FILERA-failover"), "case-insensitive, both lines");
        HostsEntry primary = t.lookup(ServerName.of("FilerA")).getFirst();
        assertEquals(6, primary.line(), "line numbers count comments and blank lines");
        assertEquals(List.of(ServerName.of("FilerA"), ServerName.of("filera.example.com")), primary.names());
        assertEquals("FilerA", primary.address().getHostName(), "the address carries the canonical name: no reverse lookup");
        assertEquals(6, t.entries().size());
        assertEquals(7, t.nameCount(), "localhost ip6-localhost ip6-loopback linklocal filera filera.example.com filera-failover");
    }

    @Test
    void aNameOnSeveralLinesGetsEveryDistinctAddressInFileOrder() throws IOException {
        HostsTable t = parse("""
                192.0.2.21 FilerB-failover
                192.0.2.22 other
                2001:db8::21 filerb-failover
                192.0.2.21 FilerB-failover alias
                192.0.2.23 FilerB-failover
                """);
        List<HostsEntry> got = t.lookup(ServerName.of("FilerB-failover"));
        assertEquals(List.of("192.0.2.21", "2001:db8:0:0:0:0:0:21", "192.0.2.23"), got.stream().map(e -> e.address().getHostAddress()).toList());
        assertEquals(List.of(1, 3, 5), got.stream().map(HostsEntry::line).toList(), "the first line of a duplicate address ranks");
        assertEquals(List.of("192.0.2.21"), addresses(t, "alias"));
    }

    @Test
    void trailingDotAndCaseAreIgnoredWhenLookingUp() throws IOException {
        HostsTable t = parse("192.0.2.30 FilerC.Example.COM.\n");
        assertEquals(List.of("192.0.2.30"), addresses(t, "filerc.example.com"));
        assertEquals(List.of("192.0.2.30"), addresses(t, "FILERC.EXAMPLE.COM."));
        assertEquals(List.of(), addresses(t, "filerc"), "no search-domain guessing");
    }

    @Test
    void crlfLineEndingsAndAByteOrderMarkAreAccepted() throws IOException {
        HostsTable t = parse("\uFEFF192.0.2.40 FilerD\r\n# c\r\n192.0.2.41\tFilerE\r\n");
        assertEquals(List.of(), t.problems());
        assertEquals(List.of("192.0.2.40"), addresses(t, "FilerD"));
        assertEquals(3, t.lookup(ServerName.of("FilerE")).getFirst().line());
    }

    @Test
    void emptyAndCommentOnlyInputsHaveNoEntriesAndNoProblems() throws IOException {
        for (String text : List.of("", "\n", "# only a comment", "#\n#\n   \n\t\n", "\uFEFF")) {
            HostsTable t = parse(text);
            assertEquals(List.of(), t.entries(), () -> "entries of " + Printable.of(text));
            assertEquals(0, t.problemCount(), () -> "problems of " + Printable.of(text));
        }
    }

    /**
     * A hosts file with junk on most lines: each bad line is reported with its number and a message saying what
     * was wrong and what was skipped; every good line still resolves.
     */
    @Test
    void garbageLinesAreReportedWithTheirNumbersAndTheRestStillWorks() throws IOException {
        String overlong = "192.0.2.99 " + "a".repeat(HostsFileParser.MAX_LINE_LENGTH + 100);
        String text = String.join("\n",
                /* 1 */ "# deployment hosts file",
                /* 2 */ "192.0.2.10 FilerA filera.example.com # trailing comment",
                /* 3 */ "999.1.1.1 FilerX",
                /* 4 */ "not-an-ip FilerY",
                /* 5 */ "192.0.2.30",
                /* 6 */ "192.0.2.31 bad_name! FilerB-failover",
                /* 7 */ "\u0000\u0001\u0002\uFFFD\u00ff\u0010garbage\u0007 \u0000",
                /* 8 */ overlong,
                /* 9 */ "fe80::1\tFilerC-failover",
                /* 10 */ "::1 localhost",
                /* 11 */ "2001:db8::1%eth0 zoned",
                /* 12 */ "010.0.0.1 octal",
                /* 13 */ "\t 192.0.2.40 \t FilerD\t#comment",
                /* 14 */ "192.0.2.41 FilerD",
                /* 15 */ "192.0.2.40 filerd",
                /* 16 */ "1:2:3:4:5:6:7:8:9 toolong",
                /* 17 */ "192.0.2.50#FilerE",
                /* 18 */ "192.0.2.51 -bad- also_bad",
                /* 19 */ "1.2.3 short",
                /* 20 */ "192.0.2.60 FilerF");
        HostsTable t = parse(text);

        Map<Integer, String> expected = new TreeMap<>();
        expected.put(3, "'999.1.1.1' is not an IP address: IPv4 part 1 (999) is greater than 255; line skipped");
        expected.put(4, "'not-an-ip' is not an IP address: it is neither an IPv4 address");
        expected.put(5, "address 192.0.2.30 has no host names after it; line skipped");
        expected.put(6, "host name 'bad_name!' is not valid: character '_' at offset 3 is not allowed");
        expected.put(7, "'\\u0000\\u0001\\u0002\\uFFFD\\u00FF\\u0010garbage\\u0007' is not an IP address");
        expected.put(8, "line is longer than 8192 characters; skipped");
        expected.put(11, "'2001:db8::1%eth0' is not an IP address: IPv6 zone ids");
        expected.put(12, "IPv4 part 1 (010) has a leading zero");
        expected.put(16, "'1:2:3:4:5:6:7:8:9' is not an IP address: an IPv6 address has eight groups, this has more");
        expected.put(17, "address 192.0.2.50 has no host names after it");
        expected.put(19, "an IPv4 address has four parts, this has 3");
        Map<Integer, String> got = new TreeMap<>();
        for (HostsProblem p : t.problems()) {
            assertEquals("test-hosts", p.source(), "every problem names the source");
            assertTrue(p.message().chars().allMatch(c -> c >= 0x20 && c < 0x7f), () -> "printable only: " + p);
            got.merge(p.line(), p.message(), (a, b) -> a + " | " + b);
        }
        assertEquals(expected.keySet(), withoutLine18(got).keySet(), () -> "problem lines: " + t.problems());
        expected.forEach((line, fragment) -> assertTrue(got.get(line).contains(fragment),
                () -> "line " + line + ": expected '" + fragment + "' in '" + got.get(line) + "'"));
        assertTrue(got.get(18).contains("'-bad-'") && got.get(18).contains("'also_bad'"), () -> "both bad names on line 18: " + got.get(18));
        assertEquals("test-hosts:3: '999.1.1.1' is not an IP address: IPv4 part 1 (999) is greater than 255; line skipped",
                t.problems().getFirst().toString(), "the source:line: form editors jump to");
        assertEquals(13, t.problemCount(), "11 lines with one problem, line 18 with two");

        assertEquals(List.of("192.0.2.10"), addresses(t, "FilerA"));
        assertEquals(List.of("192.0.2.10"), addresses(t, "filera.example.com"));
        assertEquals(List.of("192.0.2.31"), addresses(t, "FilerB-failover"), "the good name on a line with a bad one still counts");
        assertEquals(List.of("fe80:0:0:0:0:0:0:1"), addresses(t, "FilerC-failover"));
        assertEquals(List.of("0:0:0:0:0:0:0:1"), addresses(t, "localhost"));
        assertEquals(List.of("192.0.2.40", "192.0.2.41"), addresses(t, "FilerD"), "tabs, leading blanks, duplicate dropped");
        assertEquals(List.of("192.0.2.60"), addresses(t, "FilerF"), "the last line, without a newline, counts");
        assertEquals(List.of(), addresses(t, "FilerX"));
        assertEquals(List.of(), addresses(t, "FilerE"), "everything after # is a comment, even without a space");
        assertEquals(List.of(), addresses(t, "toolong"));
        assertEquals(List.of(2, 6, 9, 10, 13, 14, 15, 20), t.entries().stream().map(HostsEntry::line).toList(), "usable lines");
    }

    private static Map<Integer, String> withoutLine18(Map<Integer, String> m) {
        Map<Integer, String> copy = new TreeMap<>(m);
        assertTrue(copy.remove(18) != null, "line 18 has two bad names and must be reported");
        return copy;
    }

    @Test
    void problemsBeyondTheLimitAreCountedNotKept() throws IOException {
        String text = "bad\n".repeat(HostsFileParser.MAX_PROBLEMS + 50) + "192.0.2.1 good\n";
        HostsTable t = parse(text);
        assertEquals(HostsFileParser.MAX_PROBLEMS, t.problems().size());
        assertEquals(HostsFileParser.MAX_PROBLEMS + 50, t.problemCount());
        assertEquals(HostsFileParser.MAX_PROBLEMS, t.problems().getLast().line());
        assertEquals(List.of("192.0.2.1"), addresses(t, "good"));
    }

    @Test
    void anOverlongLineWithoutNewlinesIsNotBuffered() throws IOException {
        // 50 MB of junk with no newline would need 100 MB as a String; the parser keeps at most one line's limit.
        Reader endless = new Reader() {
            private long left = 50L * 1024 * 1024;

            @Override
            public int read(char[] cbuf, int off, int len) {
                if (left == 0) {
                    return -1;
                }
                int n = (int) Math.min(len, left);
                java.util.Arrays.fill(cbuf, off, off + n, 'x');
                left -= n;
                return n;
            }

            @Override
            public void close() {
            }
        };
        HostsTable t = HostsFileParser.parse(endless, "endless");
        assertEquals(1, t.problemCount());
        assertEquals("endless:1: line is longer than 8192 characters; skipped", t.problems().getFirst().toString());
    }

    @Test
    void ipv4MappedAndCompatibleForms() throws IOException {
        HostsTable t = parse("::ffff:192.0.2.7 mapped\n::192.0.2.8 compat\n");
        assertEquals(List.of(), t.problems());
        InetAddress mapped = t.lookup(ServerName.of("mapped")).getFirst().address();
        assertInstanceOf(Inet4Address.class, mapped, "the JDK represents IPv4-mapped IPv6 as IPv4");
        assertEquals("192.0.2.7", mapped.getHostAddress());
        assertInstanceOf(Inet6Address.class, t.lookup(ServerName.of("compat")).getFirst().address());
    }

    @Test
    void readerErrorsPropagate() {
        Reader broken = new Reader() {
            @Override
            public int read(char[] cbuf, int off, int len) throws IOException {
                throw new IOException("disk on fire");
            }

            @Override
            public void close() {
            }
        };
        IOException e = assertThrows(IOException.class, () -> HostsFileParser.parse(broken, "x"));
        assertEquals("disk on fire", e.getMessage());
    }
}
