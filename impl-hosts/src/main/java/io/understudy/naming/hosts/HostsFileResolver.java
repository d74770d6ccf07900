package io.understudy.naming.hosts;

import io.understudy.api.Clock;
import io.understudy.api.Endpoint;
import io.understudy.api.ErrorCode;
import io.understudy.api.InetEndpoint;
import io.understudy.api.ServerName;
import io.understudy.api.UnderstudyException;
import io.understudy.api.spi.ProviderContext;
import io.understudy.spi.naming.NameQuery;
import io.understudy.spi.naming.NameResolver;
import io.understudy.spi.naming.Resolution;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

/**
 * Resolves names from a hosts-format file ({@link HostsOptions#FILE}), re-reading it when it changes.
 * Opened by {@link HostsFileResolverProvider}.
 *
 * <p><b>Answers.</b> A name in the file resolves to every distinct address the file gives it, in file order,
 * as {@link InetEndpoint}s without a port (the transport maps the data-access port). Names match ignoring
 * case and a trailing dot. A name not in the file is {@link Resolution.NotFound} naming the file, so the next
 * configured resolver is tried. Both carry the TTL {@link HostsOptions#TTL}. The data-access port in the
 * query is ignored: a hosts file has no per-port records.
 *
 * <p><b>Changes.</b> The file is read when the resolver opens, and checked again inside {@code resolve} when
 * at least {@link HostsOptions#CHECK_INTERVAL} has passed on the injected {@link Clock} since the last check.
 * A check compares the file's modification time, size and identity (so an atomic replace by rename is
 * seen) with the last read; if any differ, or if the last read was of a file modified so recently that a
 * same-size rewrite within the file system's timestamp granularity could go unnoticed, the content is read
 * and compared by SHA-256, and parsed only if it differs. Problems in the file are logged (WARNING, one
 * record) once per distinct content, and listed by {@link #problems()}.
 *
 * <p><b>A missing or unreadable file</b> (deleted, permission denied, not a regular file, larger than
 * {@link HostsOptions#MAX_BYTES}) makes every {@code resolve} return {@link Resolution.Failed} whose reason
 * names the file and the error, with an {@link UnderstudyException} of code
 * {@link ErrorCode#HOSTS_FILE_UNREADABLE} as its cause. The last good copy is deliberately <em>not</em>
 * served: answering from a file that is no longer there would hide a broken deployment until the day a
 * failover needs a name that changed. The file keeps being checked at the same interval, and answers resume
 * as soon as it can be read again. The failure is logged once per distinct reason.
 *
 * <p>Thread-safe. {@code resolve} never blocks on another thread: while one thread re-reads the file,
 * others answer from the copy in hand. It blocks on file I/O at most once per check interval, for one stat
 * and, when the file changed, one read of at most {@link HostsOptions#MAX_BYTES}.
 *
 * @since 0.1
 */
public final class HostsFileResolver implements NameResolver {

    /**
     * How recently a file may have been modified and still have its timestamp trusted to change on the next
     * write. Coarse file-system timestamps (a scheduler tick on Linux, 2 seconds on FAT) mean a rewrite soon
     * after a read can leave modification time and size unchanged; within this window the content decides.
     */
    static final Duration RACY_WINDOW = Duration.ofSeconds(2);

    private static final System.Logger DEFAULT_LOG = System.getLogger(HostsFileResolver.class.getName());
    private static final int MAX_ARRAY = Integer.MAX_VALUE - 8;

    private final Path file;
    private final String fileName;
    private final Duration ttl;
    private final Duration checkInterval;
    private final long checkIntervalNanos;
    private final int maxBytes;
    private final Clock clock;
    private final System.Logger log;
    private final LongSupplier fileSystemMillis;
    private final ReentrantLock checking = new ReentrantLock();

    private volatile State state;
    private volatile long lastCheckNanos;
    private volatile boolean closed;

    /**
     * Opens a resolver with the context's options and clock, and reads the file once.
     *
     * @throws UnderstudyException with {@link ErrorCode#INVALID_CONFIGURATION} if an option is out of range
     */
    HostsFileResolver(ProviderContext context) {
        this(context, DEFAULT_LOG, System::currentTimeMillis);
    }

    /**
     * For tests: a logger to record what is logged, and the file system's notion of now.
     *
     * @param fileSystemMillis the wall clock that file modification times are compared with; file times come
     *                         from the operating system's real-time clock, not from the SDK's injected clock
     */
    HostsFileResolver(ProviderContext context, System.Logger log, LongSupplier fileSystemMillis) {
        this.file = context.option(HostsOptions.FILE);
        this.fileName = file.toString();
        this.ttl = nonNegative(HostsOptions.TTL.name(), context.option(HostsOptions.TTL));
        this.checkInterval = nonNegative(HostsOptions.CHECK_INTERVAL.name(), context.option(HostsOptions.CHECK_INTERVAL));
        this.checkIntervalNanos = saturatedNanos(checkInterval);
        int max = context.option(HostsOptions.MAX_BYTES);
        if (max < 1 || max > MAX_ARRAY) {
            throw new UnderstudyException(ErrorCode.INVALID_CONFIGURATION, "option " + HostsOptions.MAX_BYTES.name() + " is " + max
                    + "; expected 1 to " + MAX_ARRAY + " bytes (" + HostsOptions.MAX_BYTES.description() + ")");
        }
        this.maxBytes = max;
        this.clock = context.clock();
        this.log = Objects.requireNonNull(log, "log");
        this.fileSystemMillis = Objects.requireNonNull(fileSystemMillis, "fileSystemMillis");
        this.lastCheckNanos = clock.nanoTime();
        this.state = refresh(null);
    }

    /**
     * Resolves a name from the file, first re-checking the file if the check interval has passed.
     *
     * @param query the name; its data-access port is ignored
     * @return {@link Resolution.Resolved} with every distinct address in file order,
     *         {@link Resolution.NotFound} naming the file, or {@link Resolution.Failed} if the file cannot be
     *         read; never null
     * @throws UnderstudyException with {@link ErrorCode#CLOSED} if this resolver was closed (a bug in the caller)
     */
    @Override
    public Resolution resolve(NameQuery query) {
        Objects.requireNonNull(query, "query");
        if (closed) {
            throw new UnderstudyException(ErrorCode.CLOSED,
                    "the hosts-file resolver for " + fileName + " is closed; open a new one from its provider");
        }
        ServerName name = query.name();
        return switch (current()) {
            case Broken b -> new Resolution.Failed(name, b.reason(), b.cause());
            case Loaded l -> answer(name, l.table());
        };
    }

    /** {@return the file this resolver reads} */
    public Path file() {
        return file;
    }

    /**
     * {@return the problems in the file as of the last check, in line order (at most
     * {@link HostsFileParser#MAX_PROBLEMS}); empty if the file had none or cannot be read} Does not check the
     * file.
     */
    public List<HostsProblem> problems() {
        return state instanceof Loaded l ? l.table().problems() : List.of();
    }

    /** {@return the parsed file as of the last check, or empty if it cannot be read} Does not check the file. */
    public Optional<HostsTable> table() {
        return state instanceof Loaded l ? Optional.of(l.table()) : Optional.empty();
    }

    /** {@return why the file cannot be used as of the last check, or empty if it can} Does not check the file. */
    public Optional<String> failure() {
        return state instanceof Broken b ? Optional.of(b.reason()) : Optional.empty();
    }

    /** Marks this resolver closed; later {@code resolve} calls throw. Holds no resources. Idempotent. */
    @Override
    public void close() {
        closed = true;
    }

    @Override
    public String toString() {
        String what = switch (state) {
            case Loaded l -> names(l.table()) + ", " + l.table().problemCount() + (l.table().problemCount() == 1 ? " problem" : " problems");
            case Broken b -> "failing: " + b.reason();
        };
        return "HostsFileResolver[" + fileName + ", " + what + (closed ? ", closed" : "") + "]";
    }

    private State current() {
        long now = clock.nanoTime();
        if (now - lastCheckNanos >= checkIntervalNanos && checking.tryLock()) {
            try {
                if (now - lastCheckNanos >= checkIntervalNanos) {
                    state = refresh(state);
                    lastCheckNanos = now;
                }
            } finally {
                checking.unlock();
            }
        }
        return state;
    }

    private Resolution answer(ServerName name, HostsTable table) {
        List<HostsEntry> entries = table.lookup(name);
        if (entries.isEmpty()) {
            return new Resolution.NotFound(name, "'" + name + "' is not in hosts file " + fileName
                    + " (" + names(table) + ")", ttl);
        }
        List<Endpoint> candidates = entries.stream().<Endpoint>map(e -> InetEndpoint.of(e.address())).toList();
        String lines = entries.stream().map(e -> Integer.toString(e.line())).collect(Collectors.joining(", "));
        return new Resolution.Resolved(name, candidates, ttl,
                "hosts file " + fileName + (entries.size() == 1 ? " line " : " lines ") + lines);
    }

    /** Stats the file and re-reads it if needed; never throws. Runs under {@link #checking} or in the constructor. */
    private State refresh(State old) {
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException | RuntimeException e) {
            return broken(old, "cannot be read (" + describe(e) + ")", e);
        }
        if (!attrs.isRegularFile()) {
            return broken(old, "is not a regular file", null);
        }
        if (attrs.size() > maxBytes) {
            return broken(old, "is " + attrs.size() + " bytes, more than " + HostsOptions.MAX_BYTES.name() + " (" + maxBytes + ")", null);
        }
        Stamp stamp = new Stamp(attrs.lastModifiedTime(), attrs.size(), attrs.fileKey());
        if (old instanceof Loaded l && !l.racy() && l.stamp().equals(stamp)) {
            return old;
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(maxBytes + 1);
        } catch (IOException | RuntimeException e) {
            return broken(old, "cannot be read (" + describe(e) + ")", e);
        }
        if (bytes.length > maxBytes) {
            return broken(old, "grew past " + HostsOptions.MAX_BYTES.name() + " (" + maxBytes + " bytes) while being read", null);
        }
        boolean racy = stamp.modified().toMillis() >= fileSystemMillis.getAsLong() - RACY_WINDOW.toMillis();
        byte[] digest = sha256(bytes);
        if (old instanceof Loaded l && Arrays.equals(l.digest(), digest)) {
            return new Loaded(l.table(), stamp, digest, racy); // touched, not changed: no re-parse, no re-log
        }
        HostsTable table;
        try {
            // Malformed UTF-8 (binary junk) decodes to U+FFFD, which the parser reports as a bad name or address.
            table = HostsFileParser.parse(new StringReader(new String(bytes, StandardCharsets.UTF_8)), fileName);
        } catch (IOException e) {
            throw new AssertionError("a StringReader does not throw", e);
        }
        report(old, table);
        return new Loaded(table, stamp, digest, racy);
    }

    private State broken(State old, String what, Throwable cause) {
        String reason = "hosts file " + fileName + " " + what + "; no names are served from it until it can be read again"
                + " (checked at most every " + human(checkInterval) + "). Restore the file, or set " + HostsOptions.FILE.name()
                + " to the right path";
        if (old instanceof Broken b && b.reason().equals(reason)) {
            return old;
        }
        log.log(System.Logger.Level.WARNING, reason);
        return new Broken(reason, new UnderstudyException(ErrorCode.HOSTS_FILE_UNREADABLE, reason, cause));
    }

    private void report(State old, HostsTable table) {
        if (old instanceof Broken) {
            log.log(System.Logger.Level.INFO, "hosts file " + fileName + " can be read again: " + table);
        }
        if (table.problemCount() > 0) {
            StringBuilder sb = new StringBuilder("hosts file ").append(fileName).append(" has ").append(table.problemCount())
                    .append(table.problemCount() == 1 ? " problem" : " problems")
                    .append("; the lines or names listed are skipped and the rest of the file is used:");
            for (HostsProblem p : table.problems()) {
                sb.append(System.lineSeparator()).append("  ").append(p);
            }
            if (table.problemCount() > table.problems().size()) {
                sb.append(System.lineSeparator()).append("  ... and ").append(table.problemCount() - table.problems().size()).append(" more");
            }
            log.log(System.Logger.Level.WARNING, sb.toString());
        } else {
            log.log(System.Logger.Level.DEBUG, () -> "read hosts file " + fileName + ": " + table);
        }
    }

    private static String human(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }

    private static String names(HostsTable table) {
        return table.nameCount() + (table.nameCount() == 1 ? " name" : " names");
    }

    private static String describe(Exception e) {
        return switch (e) {
            case NoSuchFileException x -> "it does not exist";
            case AccessDeniedException x -> "permission denied";
            default -> e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        };
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every Java platform has SHA-256", e);
        }
    }

    private static Duration nonNegative(String option, Duration d) {
        if (d.isNegative()) {
            throw new UnderstudyException(ErrorCode.INVALID_CONFIGURATION, "option " + option + " is " + d + "; it must not be negative");
        }
        return d;
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    private sealed interface State permits Loaded, Broken {
    }

    /** A file that was read. {@code racy}: modified too recently for its stamp to be trusted on the next check. */
    private record Loaded(HostsTable table, Stamp stamp, byte[] digest, boolean racy) implements State {
    }

    private record Broken(String reason, UnderstudyException cause) implements State {
    }

    private record Stamp(FileTime modified, long size, Object fileKey) {
    }
}
