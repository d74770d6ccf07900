package io.understudy.naming.hosts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.understudy.api.ErrorCode;
import io.understudy.api.InetEndpoint;
import io.understudy.api.ServerName;
import io.understudy.api.UnderstudyException;
import io.understudy.api.spi.ProviderContext;
import io.understudy.spi.naming.NameQuery;
import io.understudy.spi.naming.Resolution;
import io.understudy.testkit.ManualClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.text.MessageFormat;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.ResourceBundle;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the hosts-file resolver does beyond the conformance suite: reloads, failures, logging, options. */
class HostsFileResolverBehaviourTest {

    private static final ServerName FAILOVER = ServerName.of("FilerA-failover");
    private static final Duration INTERVAL = Duration.ofSeconds(2);
    private static final FileTime LONG_AGO = FileTime.from(Instant.parse("2020-01-01T00:00:00Z"));

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock();
    private final RecordingLogger log = new RecordingLogger();

    private Path hosts(String text) throws IOException {
        Path file = dir.resolve("hosts");
        Files.writeString(file, text);
        return file;
    }

    private ProviderContext.Builder context(Path file) {
        return ProviderContext.builder().clock(clock).option(HostsOptions.FILE, file).option(HostsOptions.CHECK_INTERVAL, INTERVAL);
    }

    /** A resolver that compares file times with the real clock, as in production, and records what it logs. */
    private HostsFileResolver open(Path file) {
        return new HostsFileResolver(context(file).build(), log, System::currentTimeMillis);
    }

    private static Resolution resolve(HostsFileResolver r, ServerName name) {
        return r.resolve(NameQuery.of(name));
    }

    private static List<String> addresses(Resolution r) {
        if (r instanceof Resolution.Resolved ok) {
            return ok.candidates().stream().map(e -> ((InetEndpoint) e).address().getHostAddress()).toList();
        }
        return fail("expected Resolved, got " + r);
    }

    // ---- reloading --------------------------------------------------------------------------------------

    @Test
    void aChangeIsSeenOnceTheCheckIntervalHasPassedAndNotBefore() throws IOException {
        Path file = hosts("192.0.2.10 FilerA-failover\n");
        HostsFileResolver r = open(file);
        assertEquals(List.of("192.0.2.10"), addresses(resolve(r, FAILOVER)));

        Files.writeString(file, "192.0.2.99 FilerA-failover\n"); // same size, likely the same modification time
        clock.advance(INTERVAL.minusMillis(1));
        assertEquals(List.of("192.0.2.10"), addresses(resolve(r, FAILOVER)), "before the interval: the copy in hand");
        clock.advanceMillis(1);
        assertEquals(List.of("192.0.2.99"), addresses(resolve(r, FAILOVER)), "at the interval: the new file");

        Files.writeString(file, "192.0.2.77 FilerA-failover\n");
        clock.advance(INTERVAL.minusMillis(1));
        assertEquals(List.of("192.0.2.99"), addresses(resolve(r, FAILOVER)), "the interval counts from the last check");
        clock.advance(INTERVAL);
        assertEquals(List.of("192.0.2.77"), addresses(resolve(r, FAILOVER)));
    }

    @Test
    void aSameSizeRewriteWithTheSameModificationTimeIsSeenWhileTheTimeIsRecent() throws IOException {
        Path file = hosts("192.0.2.10 FilerA-failover\n");
        HostsFileResolver r = open(file);
        FileTime written = Files.getLastModifiedTime(file);
        assertEquals(List.of("192.0.2.10"), addresses(resolve(r, FAILOVER)));

        Files.writeString(file, "192.0.2.11 FilerA-failover\n");
        Files.setLastModifiedTime(file, written); // what a coarse file-system clock does to a quick rewrite
        clock.advance(INTERVAL);
        assertEquals(List.of("192.0.2.11"), addresses(resolve(r, FAILOVER)), "recent stamps are not trusted; the content decides");
    }

    @Test
    void anUnchangedStampOfAnOldFileIsTrustedWithoutReadingIt() throws IOException {
        Path file = hosts("192.0.2.10 FilerA-failover\n");
        Files.setLastModifiedTime(file, LONG_AGO);
        HostsFileResolver r = open(file);

        Files.writeString(file, "192.0.2.11 FilerA-failover\n");
        Files.setLastModifiedTime(file, LONG_AGO);
        clock.advance(INTERVAL);
        assertEquals(List.of("192.0.2.10"), addresses(resolve(r, FAILOVER)),
                "same time, size and file on an old file: the check is one stat, the content is not re-read");

        Files.setLastModifiedTime(file, FileTime.from(LONG_AGO.toInstant().plusSeconds(1)));
        clock.advance(INTERVAL);
        assertEquals(List.of("192.0.2.11"), addresses(resolve(r, FAILOVER)), "a new time: re-read");
    }

    @Test
    void anAtomicReplaceByRenameIsSeenEvenWithTheSameTimeAndSize() throws IOException {
        Path file = hosts("192.0.2.10 FilerA-failover\n");
        Files.setLastModifiedTime(file, LONG_AGO);
        HostsFileResolver r = open(file);

        Path next = dir.resolve("hosts.new");
        Files.writeString(next, "192.0.2.12 FilerA-failover\n");
        Files.setLastModifiedTime(next, LONG_AGO);
        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        clock.advance(INTERVAL);
        assertEquals(List.of("192.0.2.12"), addresses(resolve(r, FAILOVER)), "a different file (inode) is re-read");
    }

    @Test
    void aZeroCheckIntervalChecksOnEveryResolve() throws IOException {
        Path file = hosts("192.0.2.10 FilerA-failover\n");
        HostsFileResolver r = new HostsFileResolver(context(file).option(HostsOptions.CHECK_INTERVAL, Duration.ZERO).build(),
                log, System::currentTimeMillis);
        Files.writeString(file, "192.0.2.13 FilerA-failover\n");
        assertEquals(List.of("192.0.2.13"), addresses(resolve(r, FAILOVER)), "no clock advance needed");
    }

    @Test
    void concurrentResolvesDuringReloadsSeeOneVersionOrTheOtherNeverAMixture() throws Exception {
        String v1 = "192.0.2.1 FilerA-failover\n192.0.2.2 FilerA-failover\n";
        String v2 = "192.0.2.3 FilerA-failover\n192.0.2.4 FilerA-failover\n";
        Path file = hosts(v1);
        HostsFileResolver r = open(file);
        Set<List<String>> allowed = Set.of(List.of("192.0.2.1", "192.0.2.2"), List.of("192.0.2.3", "192.0.2.4"));
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch started = new CountDownLatch(3);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<List<String>>> readers = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                readers.add(pool.submit(() -> {
                    started.countDown();
                    List<String> bad = new ArrayList<>();
                    int n = 0;
                    while (!stop.get() || n < 100) {
                        List<String> got = addresses(resolve(r, FAILOVER));
                        if (!allowed.contains(got)) {
                            bad.add(got.toString());
                        }
                        n++;
                    }
                    return bad;
                }));
            }
            assertTrue(started.await(30, TimeUnit.SECONDS), "readers started");
            Path next = dir.resolve("hosts.next");
            for (int i = 0; i < 100; i++) {
                Files.writeString(next, i % 2 == 0 ? v2 : v1);
                Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                clock.advance(INTERVAL);
                addresses(resolve(r, FAILOVER));
            }
            stop.set(true);
            for (Future<List<String>> f : readers) {
                List<String> bad = f.get(60, TimeUnit.SECONDS);
                assertTrue(bad.isEmpty(), () -> "mixed answers: " + bad);
            }
            assertEquals(List.of("192.0.2.1", "192.0.2.2"), addresses(resolve(r, FAILOVER)), "the last version written");
        } finally {
            stop.set(true);
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        }
    }

    // ---- failures ---------------------------------------------------------------------------------------

    @Test
    void aDeletedFileFailsNamingTheFileAndTheErrorThenRecovers() throws IOException {
        Path file = hosts("192.0.2.10 FilerA-failover\n");
        HostsFileResolver r = open(file);
        assertEquals(List.of("192.0.2.10"), addresses(resolve(r, FAILOVER)));
        log.records.clear();

        Files.delete(file);
        assertEquals(List.of("192.0.2.10"), addresses(resolve(r, FAILOVER)), "not checked yet");
        clock.advance(INTERVAL);
        Resolution.Failed failed = assertInstanceOf(Resolution.Failed.class, resolve(r, FAILOVER));
        assertTrue(failed.reason().contains(file.toString()), failed.reason());
        assertTrue(failed.reason().contains("does not exist"), failed.reason());
        assertTrue(failed.reason().contains("no names are served from it"), "says the last copy is not served: " + failed.reason());
        UnderstudyException cause = assertInstanceOf(UnderstudyException.class, failed.cause());
        assertEquals(ErrorCode.HOSTS_FILE_UNREADABLE, cause.code());
        assertInstanceOf(NoSuchFileException.class, cause.getCause());
        assertInstanceOf(Resolution.Failed.class, resolve(r, ServerName.of("unknown")), "not NotFound: nothing can be said");
        assertEquals(failed.reason(), r.failure().orElseThrow());
        assertTrue(r.table().isEmpty());
        assertTrue(r.toString().contains("failing"), r.toString());

        clock.advance(INTERVAL);
        resolve(r, FAILOVER);
        clock.advance(INTERVAL);
        resolve(r, FAILOVER);
        assertEquals(1, log.count("WARNING"), () -> "one warning for one failure, however often it is checked: " + log.records);

        Files.writeString(file, "192.0.2.14 FilerA-failover\n");
        clock.advance(INTERVAL);
        assertEquals(List.of("192.0.2.14"), addresses(resolve(r, FAILOVER)), "recovers once the file is back");
        assertTrue(r.failure().isEmpty());
        assertEquals(1, log.count("INFO"), () -> "recovery is logged: " + log.records);
    }

    @Test
    void aFileMissingAtOpenIsFailedAtResolveNotAnExceptionAtOpen() {
        Path missing = dir.resolve("no-such-hosts");
        HostsFileResolver r = new HostsFileResolverProvider().open(context(missing).build());
        Resolution.Failed f = assertInstanceOf(Resolution.Failed.class, resolve(r, FAILOVER));
        assertTrue(f.reason().startsWith("hosts file " + missing + " cannot be read (it does not exist)"), f.reason());
        assertTrue(f.reason().contains(HostsOptions.FILE.name()), "says which option to fix: " + f.reason());
    }

    @Test
    void aDirectoryIsNotARegularFile() {
        HostsFileResolver r = open(dir);
        Resolution.Failed f = assertInstanceOf(Resolution.Failed.class, resolve(r, FAILOVER));
        assertTrue(f.reason().contains(dir + " is not a regular file"), f.reason());
    }

    @Test
    void aFileLargerThanTheLimitFails() throws IOException {
        Path file = hosts("192.0.2.10 FilerA-failover\n");
        HostsFileResolver r = new HostsFileResolver(context(file).option(HostsOptions.MAX_BYTES, 16).build(), log, System::currentTimeMillis);
        Resolution.Failed f = assertInstanceOf(Resolution.Failed.class, resolve(r, FAILOVER));
        assertTrue(f.reason().contains("is 27 bytes, more than hosts.maxBytes (16)"), f.reason());
    }

    @Test
    void resolveAfterCloseIsAnError() throws IOException {
        HostsFileResolver r = open(hosts("192.0.2.10 FilerA-failover\n"));
        r.close();
        UnderstudyException e = assertThrows(UnderstudyException.class, () -> resolve(r, FAILOVER));
        assertEquals(ErrorCode.CLOSED, e.code());
        assertTrue(r.toString().endsWith(", closed]"), r.toString());
    }

    // ---- problems and logging ---------------------------------------------------------------------------

    @Test
    void problemsAreLoggedOncePerVersionOfTheFile() throws IOException {
        Path file = hosts("192.0.2.10 FilerA-failover\n999.0.0.1 FilerX\n192.0.2.11 bad_name!\n");
        HostsFileResolver r = open(file);
        assertEquals(List.of(2, 3), r.problems().stream().map(HostsProblem::line).toList());
        assertEquals(1, log.count("WARNING"), () -> "one record for the file: " + log.records);
        String warning = log.records.getFirst();
        assertTrue(warning.contains(file + ":2: '999.0.0.1' is not an IP address"), warning);
        assertTrue(warning.contains(file + ":3: host name 'bad_name!' is not valid"), warning);
        assertTrue(warning.contains("has 2 problems"), warning);

        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5))); // touched, not changed
        clock.advance(INTERVAL);
        assertEquals(List.of("192.0.2.10"), addresses(resolve(r, FAILOVER)));
        clock.advance(INTERVAL);
        resolve(r, FAILOVER);
        assertEquals(1, log.count("WARNING"), () -> "same content, no new warning: " + log.records);

        Files.writeString(file, "192.0.2.10 FilerA-failover\nbad line\n");
        clock.advance(INTERVAL);
        resolve(r, FAILOVER);
        assertEquals(2, log.count("WARNING"), () -> "a new version is reported: " + log.records);
        assertTrue(log.records.getLast().contains("has 1 problem;"), log.records.getLast());
        assertEquals(List.of(2), r.problems().stream().map(HostsProblem::line).toList());
    }

    @Test
    void aCleanFileLogsNoWarning() throws IOException {
        open(hosts("192.0.2.10 FilerA-failover\n"));
        assertEquals(0, log.count("WARNING"), () -> log.records.toString());
    }

    // ---- answers and options ----------------------------------------------------------------------------

    @Test
    void answersNameTheFileLinesAndCarryTheConfiguredTtl() throws IOException {
        Path file = hosts("192.0.2.10 FilerA-failover\n# comment\n2001:db8::10 filera-failover\n");
        HostsFileResolver r = new HostsFileResolverProvider().open(ProviderContext.builder().clock(clock)
                .setting("hosts.file", file.toString()).setting("hosts.ttl", "30s").build());
        Resolution.Resolved ok = assertInstanceOf(Resolution.Resolved.class, resolve(r, FAILOVER));
        assertEquals("hosts file " + file + " lines 1, 3", ok.source());
        assertEquals(Duration.ofSeconds(30), ok.ttl());
        assertEquals(List.of("192.0.2.10", "2001:db8:0:0:0:0:0:10"), addresses(ok));
        Resolution.NotFound nf = assertInstanceOf(Resolution.NotFound.class, resolve(r, ServerName.of("FilerB-failover")));
        assertEquals("'FilerB-failover' is not in hosts file " + file + " (1 name)", nf.reason());
        assertEquals(Duration.ofSeconds(30), nf.ttl(), "negative answers are cached for the same TTL");
        assertEquals(file, r.file());
        assertTrue(r.toString().contains("1 name, 0 problems"), r.toString());
    }

    @Test
    void theDataAccessPortDoesNotChangeTheAnswer() throws IOException {
        HostsFileResolver r = open(hosts("192.0.2.10 FilerA-failover\n"));
        assertEquals(r.resolve(new NameQuery(FAILOVER, io.understudy.api.DataAccessPort.PDAF)),
                r.resolve(new NameQuery(FAILOVER, io.understudy.api.DataAccessPort.DAFS)));
    }

    @Test
    void invalidOptionsFailAtOpenNamingTheOption() throws IOException {
        Path file = hosts("192.0.2.10 FilerA-failover\n");
        HostsFileResolverProvider p = new HostsFileResolverProvider();
        UnderstudyException ttl = assertThrows(UnderstudyException.class,
                () -> p.open(context(file).option(HostsOptions.TTL, Duration.ofSeconds(-1)).build()));
        assertEquals(ErrorCode.INVALID_CONFIGURATION, ttl.code());
        assertTrue(ttl.getMessage().contains("hosts.ttl"), ttl.getMessage());
        UnderstudyException interval = assertThrows(UnderstudyException.class,
                () -> p.open(ProviderContext.builder().setting("hosts.checkInterval", "soon").build()));
        assertEquals(ErrorCode.INVALID_CONFIGURATION, interval.code());
        assertTrue(interval.getMessage().contains("hosts.checkInterval"), interval.getMessage());
        UnderstudyException max = assertThrows(UnderstudyException.class,
                () -> p.open(context(file).option(HostsOptions.MAX_BYTES, 0).build()));
        assertTrue(max.getMessage().contains("hosts.maxBytes"), max.getMessage());
    }

    @Test
    void defaultsAreTheSystemHostsFileFiveSecondsAndTwoSeconds() {
        if (!System.getProperty("os.name", "").startsWith("Windows")) {
            assertEquals(Path.of("/etc/hosts"), HostsOptions.FILE.defaultValue());
        }
        assertEquals(Duration.ofSeconds(5), HostsOptions.TTL.defaultValue());
        assertEquals(Duration.ofSeconds(2), HostsOptions.CHECK_INTERVAL.defaultValue());
        assertEquals(List.of("hosts.file", "hosts.ttl", "hosts.checkInterval", "hosts.maxBytes"),
                HostsOptions.all().stream().map(io.understudy.api.spi.Option::name).toList());
        HostsFileResolver r = new HostsFileResolverProvider().open(ProviderContext.builder().clock(clock).build());
        assertEquals(HostsOptions.FILE.defaultValue(), r.file());
        Resolution answer = resolve(r, ServerName.of("localhost"));
        if (Files.isReadable(r.file())) {
            assertFalse(answer instanceof Resolution.Failed, () -> "the system hosts file is readable but: " + answer);
        } else {
            assertInstanceOf(Resolution.Failed.class, answer);
        }
    }

    @Test
    void theProviderIsTheAlwaysAvailableDefault() {
        HostsFileResolverProvider p = new HostsFileResolverProvider();
        assertEquals("hosts", p.id());
        assertEquals(5, p.priority());
        assertTrue(p.availability().isAvailable());
        assertEquals(Set.of(InetEndpoint.class), p.producedTypes());
        assertEquals("hosts(priority 5, available, " + HostsFileResolverProvider.class.getName() + ")", p.toString());
    }

    /** Records what the resolver logs, as "LEVEL message". */
    static final class RecordingLogger implements System.Logger {
        final List<String> records = new CopyOnWriteArrayList<>();

        long count(String level) {
            return records.stream().filter(s -> s.startsWith(level + " ")).count();
        }

        @Override
        public String getName() {
            return "recording";
        }

        @Override
        public boolean isLoggable(Level level) {
            return true;
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
            records.add(level.getName() + " " + msg);
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String format, Object... params) {
            records.add(level.getName() + " " + (params == null ? format : MessageFormat.format(format, params)));
        }
    }
}
