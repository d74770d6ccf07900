package io.understudy.naming.hosts;

import io.understudy.api.ServerName;
import java.io.IOException;
import java.io.Reader;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Parses the hosts-file format ({@code hosts(5)}) from a {@link Reader}, so it can be tested and reused
 * without files (as Netty's {@code HostsFileEntriesProvider} does).
 *
 * <p>The format: one entry per line, an IP address followed by one or more host names (the canonical name,
 * then aliases), separated by spaces or tabs. {@code #} starts a comment that runs to the end of the line,
 * whether it begins the line or follows an entry. Blank lines are ignored. Lines end with LF or CRLF; a
 * leading byte-order mark is ignored. IPv4 and IPv6 addresses are accepted as strict literals (see below);
 * no name service is ever consulted while parsing.
 *
 * <p>The parser never gives up on a file. Each malformed line becomes a {@link HostsProblem} with the source
 * name and line number, and is skipped:
 * <ul>
 *   <li>an address that is not an IPv4 or IPv6 literal ({@code 999.1.1.1}, {@code not-an-ip},
 *       {@code 010.0.0.1} with its ambiguous leading zero, {@code fe80::1%eth0} with a zone id);</li>
 *   <li>an address with no names after it;</li>
 *   <li>a line longer than {@link #MAX_LINE_LENGTH} characters.</li>
 * </ul>
 * A name that is not a valid host name ({@code bad_name!}) is reported and skipped on its own; the other
 * names on its line still count, so one typo in an alias does not take a server's canonical name away.
 * At most {@link #MAX_PROBLEMS} problems are kept; the total is still counted.
 *
 * <p>Stateless and thread-safe. {@link #parse} blocks only as long as reading the {@code Reader} does.
 *
 * @since 0.1
 */
public final class HostsFileParser {

    /** Lines longer than this many characters are reported and skipped without being buffered. */
    public static final int MAX_LINE_LENGTH = 8192;

    /** At most this many problems are kept per file; the rest are only counted. */
    public static final int MAX_PROBLEMS = 100;

    private HostsFileParser() {
    }

    /**
     * Parses a hosts file.
     *
     * @param reader the text; read to its end and not closed (the caller owns it)
     * @param source what to call the text in problems and answers, typically the file's path
     * @return the entries and problems; never null
     * @throws IOException only if the reader throws
     */
    public static HostsTable parse(Reader reader, String source) throws IOException {
        Objects.requireNonNull(reader, "reader");
        Objects.requireNonNull(source, "source");
        Collector c = new Collector(source);
        LineReader lines = new LineReader(reader);
        while (lines.next()) {
            if (lines.overlong) {
                c.problem(lines.number, "line is longer than " + MAX_LINE_LENGTH + " characters; skipped");
            } else {
                parseLine(lines.text, lines.number, c);
            }
        }
        return new HostsTable(source, c.entries, c.problems, c.problemCount);
    }

    private static void parseLine(CharSequence raw, int number, Collector c) {
        List<String> tokens = tokens(raw);
        if (tokens.isEmpty()) {
            return;
        }
        String addressText = tokens.getFirst();
        InetLiteral.Parsed parsed = InetLiteral.parse(addressText);
        if (!parsed.isOk()) {
            c.problem(number, "'" + Printable.of(addressText) + "' is not an IP address: " + parsed.problem() + "; line skipped");
            return;
        }
        if (tokens.size() == 1) {
            c.problem(number, "address " + Printable.of(addressText) + " has no host names after it; line skipped");
            return;
        }
        List<ServerName> names = new ArrayList<>(tokens.size() - 1);
        for (String name : tokens.subList(1, tokens.size())) {
            String problem = ServerName.problemWith(name);
            if (problem != null) {
                c.problem(number, "host name '" + Printable.of(name) + "' is not valid: " + Printable.of(problem) + "; name skipped");
            } else {
                names.add(ServerName.of(name));
            }
        }
        if (names.isEmpty()) {
            return; // every name was reported above
        }
        try {
            // getByAddress never does a lookup; giving it the line's first name means getHostName() never will either.
            InetAddress address = InetAddress.getByAddress(names.getFirst().value(), parsed.bytes());
            c.entries.add(new HostsEntry(number, address, names));
        } catch (UnknownHostException e) {
            throw new AssertionError("InetLiteral returned " + parsed.bytes().length + " bytes", e);
        }
    }

    /** Splits on the whitespace hosts(5) allows between fields, after cutting the comment. */
    private static List<String> tokens(CharSequence line) {
        int end = line.length();
        for (int i = 0; i < end; i++) {
            if (line.charAt(i) == '#') {
                end = i;
            }
        }
        List<String> out = new ArrayList<>(4);
        int start = -1;
        for (int i = 0; i <= end; i++) {
            char ch = i == end ? ' ' : line.charAt(i);
            boolean space = ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f' || ch == 0x0B;
            if (space && start >= 0) {
                out.add(line.subSequence(start, i).toString());
                start = -1;
            } else if (!space && start < 0) {
                start = i;
            }
        }
        return out;
    }

    private static final class Collector {
        final String source;
        final List<HostsEntry> entries = new ArrayList<>();
        final List<HostsProblem> problems = new ArrayList<>();
        int problemCount;

        Collector(String source) {
            this.source = source;
        }

        void problem(int line, String message) {
            problemCount++;
            if (problems.size() < MAX_PROBLEMS) {
                problems.add(new HostsProblem(source, line, message));
            }
        }
    }

    /**
     * Reads LF-terminated lines (a trailing CR is whitespace to the tokenizer), keeping at most
     * {@link #MAX_LINE_LENGTH} characters of each so a file of junk without newlines cannot exhaust memory.
     */
    private static final class LineReader {
        private final Reader in;
        private final char[] buf = new char[8192];
        private int pos;
        private int limit;
        private boolean eof;
        private boolean first = true;

        final StringBuilder text = new StringBuilder(256);
        boolean overlong;
        int number;

        LineReader(Reader in) {
            this.in = in;
        }

        boolean next() throws IOException {
            text.setLength(0);
            overlong = false;
            boolean any = false;
            while (true) {
                if (pos == limit) {
                    if (eof || !fill()) {
                        if (any) {
                            number++;
                        }
                        return any;
                    }
                }
                char ch = buf[pos++];
                if (first) {
                    first = false;
                    if (ch == '\uFEFF') {
                        continue; // byte-order mark
                    }
                }
                any = true;
                if (ch == '\n') {
                    number++;
                    return true;
                }
                if (text.length() < MAX_LINE_LENGTH) {
                    text.append(ch);
                } else {
                    overlong = true;
                }
            }
        }

        private boolean fill() throws IOException {
            int n;
            do {
                n = in.read(buf, 0, buf.length);
            } while (n == 0);
            if (n < 0) {
                eof = true;
                return false;
            }
            pos = 0;
            limit = n;
            return true;
        }
    }
}
