package io.understudy.api;

import java.util.Locale;
import java.util.Objects;

/**
 * A resolvable server name such as {@code FilerA} or {@code FilerA-failover.example.com}: a host name
 * as RFC 1123 defines it. An invalid name cannot be constructed.
 *
 * <p>Names keep the case they were written in (the seed's names are {@code FilerA}); comparison with
 * {@link #equals} is exact, and {@link #matches} compares the way name services do, ignoring case.
 *
 * @param value the name, 1 to 253 characters, dot-separated labels of 1 to 63 letters, digits and
 *              hyphens that neither start nor end with a hyphen; a single trailing dot is allowed
 * @since 0.1
 */
public record ServerName(String value) {

    /** Validates the name. */
    public ServerName {
        String problem = problemWith(value);
        if (problem != null) {
            throw new UnderstudyException(ErrorCode.INVALID_SERVER_NAME,
                    "invalid server name " + quote(value) + ": " + problem
                            + "; expected a host name such as FilerA or filer-a.example.com");
        }
    }

    /**
     * {@return a server name}
     *
     * @param value the name
     * @throws UnderstudyException with {@link ErrorCode#INVALID_SERVER_NAME} if it is not a host name
     */
    public static ServerName of(String value) {
        return new ServerName(value);
    }

    /**
     * {@return why {@code value} is not a valid server name, or null if it is one}
     *
     * @param value the candidate, may be null
     */
    public static String problemWith(String value) {
        if (value == null) {
            return "it is null";
        }
        if (value.isEmpty()) {
            return "it is empty";
        }
        String name = value.endsWith(".") ? value.substring(0, value.length() - 1) : value;
        if (name.length() > 253) {
            return "it is " + name.length() + " characters long, the limit is 253";
        }
        if (name.isEmpty()) {
            return "it has no labels";
        }
        int labelStart = 0;
        for (int i = 0; i <= name.length(); i++) {
            if (i == name.length() || name.charAt(i) == '.') {
                int len = i - labelStart;
                if (len == 0) {
                    return "it has an empty label at offset " + labelStart;
                }
                if (len > 63) {
                    return "label '" + name.substring(labelStart, i) + "' is " + len + " characters long, the limit is 63";
                }
                if (name.charAt(labelStart) == '-' || name.charAt(i - 1) == '-') {
                    return "label '" + name.substring(labelStart, i) + "' starts or ends with a hyphen";
                }
                labelStart = i + 1;
                continue;
            }
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
            if (!ok) {
                return "character " + describe(c) + " at offset " + i + " is not allowed (letters, digits, '-' and '.' only)";
            }
        }
        return null;
    }

    /**
     * {@return whether this name and {@code other} name the same host, ignoring case and a trailing dot}
     *
     * @param other the other name, not null
     */
    public boolean matches(ServerName other) {
        return canonical().equals(other.canonical());
    }

    /** {@return the lower-case form without a trailing dot, as name services compare names} */
    public String canonical() {
        String v = value.endsWith(".") ? value.substring(0, value.length() - 1) : value;
        return v.toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return value;
    }

    private static String describe(char c) {
        return Character.isISOControl(c) || Character.isWhitespace(c)
                ? String.format("U+%04X", (int) c) : "'" + c + "'";
    }

    static String quote(String s) {
        return s == null ? "null" : "'" + s + "'";
    }

    /** Null-safe equality helper for callers comparing optional names. */
    static boolean same(ServerName a, ServerName b) {
        return Objects.equals(a, b);
    }
}
