package io.understudy.naming.hosts;

/**
 * Makes text from a hosts file safe to put in a message: a hosts file may hold binary junk, and a log line
 * must not carry control characters (log injection) or a 100 KB token.
 */
final class Printable {

    /** The most characters a quoted token takes in a message, escapes included; longer ones are cut. */
    static final int MAX_QUOTED = 64;

    private Printable() {
    }

    /**
     * {@return the text with control and non-ASCII characters (and backslashes) escaped as {@code \\uXXXX},
     * cut once it reaches {@link #MAX_QUOTED} characters, with the original length appended}
     */
    static String of(String text) {
        return escape(text, MAX_QUOTED);
    }

    /** {@return the text escaped as {@link #of} does, but never cut: for messages built from validated text} */
    static String escape(String text) {
        return escape(text, Integer.MAX_VALUE);
    }

    private static String escape(String text, int max) {
        StringBuilder sb = new StringBuilder(Math.min(text.length(), MAX_QUOTED) + 8);
        for (int i = 0; i < text.length(); i++) {
            if (sb.length() >= max) {
                sb.append("...(").append(text.length()).append(" characters)");
                break;
            }
            char c = text.charAt(i);
            if (c >= 0x20 && c < 0x7f && c != '\\') {
                sb.append(c);
            } else {
                sb.append(String.format("\\u%04X", (int) c));
            }
        }
        return sb.toString();
    }

    /** {@return one character, quoted if printable, else as {@code U+XXXX}} */
    static String describe(char c) {
        return c >= 0x20 && c < 0x7f ? "'" + c + "'" : String.format("U+%04X", (int) c);
    }
}
