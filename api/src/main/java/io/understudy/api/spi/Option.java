package io.understudy.api.spi;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;

/**
 * A typed configuration key for a provider-specific setting, in the manner of Netty's {@code ChannelOption}:
 * the core interfaces stay small and each plugin declares its own keys. A value is either set in code
 * ({@link ProviderContext.Builder#option}) or given as text in the deployment configuration and parsed by
 * the key's parser.
 *
 * @param <T>          the value type
 * @param name         the key, such as {@code tcp.connectTimeout}
 * @param defaultValue the value when none is given, not null
 * @param parser       turns configuration text into a value; throws {@link IllegalArgumentException} on bad text
 * @param description  one sentence for documentation and error messages
 * @since 0.1
 */
public record Option<T>(String name, T defaultValue, Function<String, T> parser, String description) {

    /** Validates the key. */
    public Option {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(defaultValue, "defaultValue");
        Objects.requireNonNull(parser, "parser");
        Objects.requireNonNull(description, "description");
    }

    /**
     * {@return a duration key; text is ISO-8601 ({@code PT2S}) or a number with {@code ms} or {@code s}}
     *
     * @param name         the key
     * @param defaultValue the default
     * @param description  one sentence
     */
    public static Option<Duration> duration(String name, Duration defaultValue, String description) {
        return new Option<>(name, defaultValue, Option::parseDuration, description);
    }

    /**
     * {@return an integer key}
     *
     * @param name         the key
     * @param defaultValue the default
     * @param description  one sentence
     */
    public static Option<Integer> integer(String name, int defaultValue, String description) {
        return new Option<>(name, defaultValue, s -> Integer.valueOf(s.trim()), description);
    }

    /**
     * {@return a text key}
     *
     * @param name         the key
     * @param defaultValue the default
     * @param description  one sentence
     */
    public static Option<String> string(String name, String defaultValue, String description) {
        return new Option<>(name, defaultValue, s -> s, description);
    }

    /**
     * {@return a boolean key; text is {@code true} or {@code false}}
     *
     * @param name         the key
     * @param defaultValue the default
     * @param description  one sentence
     */
    public static Option<Boolean> bool(String name, boolean defaultValue, String description) {
        return new Option<>(name, defaultValue, s -> switch (s.trim()) {
            case "true" -> Boolean.TRUE;
            case "false" -> Boolean.FALSE;
            default -> throw new IllegalArgumentException("expected true or false");
        }, description);
    }

    /**
     * Parses configuration text for this key.
     *
     * @param text the text
     * @return the value
     * @throws UnderstudyException with {@link ErrorCode#INVALID_CONFIGURATION} naming the key and the reason
     */
    public T parse(String text) {
        try {
            return Objects.requireNonNull(parser.apply(text), "parser returned null");
        } catch (RuntimeException e) {
            throw new UnderstudyException(ErrorCode.INVALID_CONFIGURATION,
                    "option " + name + ": cannot use '" + text + "': " + e.getMessage() + " (" + description + ")", e);
        }
    }

    /**
     * Parses a duration: ISO-8601 ({@code PT1.5S}) or a non-negative number followed by {@code ms} or {@code s}.
     *
     * @param text the text
     * @return the duration
     * @throws IllegalArgumentException if the text is neither form
     */
    public static Duration parseDuration(String text) {
        String t = text.trim();
        try {
            if (t.startsWith("P") || t.startsWith("p")) {
                return requireNonNegative(Duration.parse(t));
            }
            if (t.endsWith("ms")) {
                return requireNonNegative(Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2).trim())));
            }
            if (t.endsWith("s")) {
                return requireNonNegative(Duration.ofMillis(Math.round(Double.parseDouble(t.substring(0, t.length() - 1).trim()) * 1000)));
            }
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("'" + text + "' is not a duration (e.g. 250ms, 2s or PT2S)", e);
        }
        throw new IllegalArgumentException("'" + text + "' is not a duration (e.g. 250ms, 2s or PT2S)");
    }

    private static Duration requireNonNegative(Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("a duration must not be negative");
        }
        return d;
    }
}
