package io.understudy.naming.hosts;

import io.understudy.api.spi.Option;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The typed settings of the hosts-file resolver. Set them in code with
 * {@code ProviderContext.builder().option(HostsOptions.FILE, path)} or as text in the deployment
 * configuration under the same names ({@code hosts.file: /etc/understudy/hosts}).
 *
 * <p>How fresh an answer can be: an edit to the file is seen by the next {@code resolve} after at most
 * {@link #CHECK_INTERVAL}, and the SDK may keep serving an earlier answer for its {@link #TTL}, so the worst
 * case is the sum of the two.
 *
 * @since 0.1
 */
public final class HostsOptions {

    /**
     * The hosts file to read: {@code /etc/hosts} by default, or the Windows hosts file under
     * {@code %SystemRoot%} on Windows.
     */
    public static final Option<Path> FILE = new Option<>("hosts.file", defaultFile(), Path::of,
            "the hosts-format file to resolve names from");

    /** The TTL reported on answers (and on not-found answers, for negative caching): 5 seconds by default. */
    public static final Option<Duration> TTL = Option.duration("hosts.ttl", Duration.ofSeconds(5),
            "how long the SDK may cache an answer from the hosts file");

    /**
     * How often, at most, the file is checked for changes (modification time, size, file identity, and the
     * content when those cannot be trusted): 2 seconds by default; 0 checks on every resolve. Checks happen
     * inside {@code resolve}, by the injected clock; no thread is started.
     */
    public static final Option<Duration> CHECK_INTERVAL = Option.duration("hosts.checkInterval", Duration.ofSeconds(2),
            "how often, at most, the hosts file is checked for changes");

    /**
     * The largest file accepted, in bytes: 64 MiB by default. A larger file (or a misconfigured path such as
     * a device) makes resolution fail with the reason, instead of exhausting memory.
     */
    public static final Option<Integer> MAX_BYTES = Option.integer("hosts.maxBytes", 64 * 1024 * 1024,
            "the largest hosts file accepted, in bytes");

    /** {@return every option of this resolver, for documentation and validation of configuration keys} */
    public static List<Option<?>> all() {
        return List.of(FILE, TTL, CHECK_INTERVAL, MAX_BYTES);
    }

    private HostsOptions() {
    }

    private static Path defaultFile() {
        String os = System.getProperty("os.name", "");
        if (os.startsWith("Windows")) {
            String root = System.getenv("SystemRoot");
            return Path.of(root == null ? "C:\\Windows" : root, "System32", "drivers", "etc", "hosts");
        }
        return Path.of("/etc/hosts");
    }
}
