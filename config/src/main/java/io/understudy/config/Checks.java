package io.understudy.config;

import io.understudy.api.UnderstudyException;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The validation shared by the records' constructors and the binder. Each check throws an
 * {@link InvalidConfigurationException} naming the key path it was given; the binder adds source and line.
 */
final class Checks {

    /** Provider and resolver ids, as {@link io.understudy.api.spi.Provider#id()} describes them. */
    static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,31}");
    /** Option names: a provider id, a dot, then the provider's own key ({@code hosts.file}, {@code tcp.maxFrameSize}). */
    static final Pattern OPTION_NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,31}\\.[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    /** The longest duration any key accepts; longer ones are almost certainly typos, and overflow nanosecond arithmetic. */
    static final Duration MAX_DURATION = Duration.ofDays(1);

    private Checks() {
    }

    static InvalidConfigurationException problem(String path, String message) {
        return new InvalidConfigurationException(path, message);
    }

    static <T> T required(String path, T value) {
        if (value == null) {
            throw problem(path, "is required (got null)");
        }
        return value;
    }

    static String id(String path, String id) {
        required(path, id);
        if (!ID.matcher(id).matches()) {
            throw problem(path, "'" + id + "' is not a provider id; expected 1-32 lower-case letters, digits and '-', "
                    + "starting with a letter or digit, such as tcp or hosts");
        }
        return id;
    }

    static Duration positive(String path, Duration d) {
        required(path, d);
        if (d.isNegative() || d.isZero()) {
            throw problem(path, format(d) + " must be positive; expected a duration such as 250ms, 2s or PT2S");
        }
        return atMostMax(path, d);
    }

    static Duration nonNegative(String path, Duration d) {
        required(path, d);
        if (d.isNegative()) {
            throw problem(path, format(d) + " is negative; expected 0 or more, such as 0s, 250ms or PT2S");
        }
        return atMostMax(path, d);
    }

    private static Duration atMostMax(String path, Duration d) {
        if (d.compareTo(MAX_DURATION) > 0) {
            throw problem(path, format(d) + " is longer than the limit of " + format(MAX_DURATION) + " (PT24H)");
        }
        return d;
    }

    static int range(String path, int value, int min, int max, String what) {
        if (value < min || value > max) {
            throw problem(path, value + " is out of range; expected " + what + " " + min + "-" + max);
        }
        return value;
    }

    static Map<String, String> options(String path, Map<String, String> options) {
        required(path, options);
        Map<String, String> copy = new LinkedHashMap<>();
        options.forEach((k, v) -> {
            if (k == null) {
                throw problem(path, "has a null option name");
            }
            String keyPath = Paths.key(path, k);
            if (!OPTION_NAME.matcher(k).matches()) {
                throw problem(keyPath, "'" + k + "' is not an option name; expected <provider-id>.<key> such as "
                        + "hosts.file or tcp.maxFrameSize (letters, digits, '.', '_' and '-')");
            }
            copy.put(k, required(keyPath, v));
        });
        return Collections.unmodifiableMap(copy);
    }

    static <T> List<T> list(String path, List<T> values) {
        required(path, values);
        for (int i = 0; i < values.size(); i++) {
            required(Paths.index(path, i), values.get(i));
        }
        return List.copyOf(values);
    }

    /** The message of an API exception without its {@code US-nnnn} tag, to be re-stated under a key path. */
    static String reason(UnderstudyException e) {
        String m = e.getMessage();
        String tag = e.code().tag() + " ";
        return m.startsWith(tag) ? m.substring(tag.length()) : m;
    }

    /** Re-states an exception from an API value type as a problem at {@code path}. */
    static InvalidConfigurationException at(String path, UnderstudyException e) {
        if (e instanceof InvalidConfigurationException ice) {
            return ice;
        }
        return problem(path, reason(e));
    }

    /** A duration the way the configuration writes it: {@code 250ms}, {@code 2s}, else ISO-8601. */
    static String format(Duration d) {
        if (d.getNano() % 1_000_000 != 0 || d.isNegative()) {
            return d.toString();
        }
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }
}
