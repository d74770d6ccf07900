package io.understudy.examples.fileservice;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The rules for a file's path inside a volume. A valid path is 1 to {@value #MAX_BYTES} bytes of UTF-8
 * (well-formed Unicode), contains no NUL, and is a sequence of {@code /}-separated components that are
 * neither empty nor {@code .} nor {@code ..}: so no leading, trailing or doubled slash. Examples:
 * {@code readme.txt}, {@code docs/2024/report.pdf}. Paths are compared as exact strings; there is no
 * normalisation, so every file has exactly one name.
 *
 * <p>Directories are implicit: there is no operation on them, and {@link FileOp#LIST} returns every file of
 * the volume.
 *
 * @since 0.1
 */
public final class FilePaths {

    /** Maximum length of a path in UTF-8 bytes. */
    public static final int MAX_BYTES = 255;

    private FilePaths() {
    }

    /**
     * {@return why {@code path} is not a valid path, or null if it is one}
     *
     * @param path the candidate, may be null
     */
    public static String problemWith(String path) {
        if (path == null) {
            return "it is null";
        }
        if (path.isEmpty()) {
            return "it is empty";
        }
        int bytes = utf8Length(path);
        if (bytes < 0) {
            return "it is not well-formed Unicode (an unpaired surrogate)";
        }
        if (bytes > MAX_BYTES) {
            return "it is " + bytes + " bytes in UTF-8, the limit is " + MAX_BYTES;
        }
        if (path.indexOf('\0') >= 0) {
            return "it contains a NUL character";
        }
        if (path.startsWith("/")) {
            return "it starts with '/'; paths are relative to the volume, such as docs/readme.txt";
        }
        if (path.endsWith("/")) {
            return "it ends with '/'";
        }
        int start = 0;
        while (start <= path.length()) {
            int slash = path.indexOf('/', start);
            int end = slash < 0 ? path.length() : slash;
            String component = path.substring(start, end);
            if (component.isEmpty()) {
                return "it has an empty component (\"//\")";
            }
            if (component.equals(".") || component.equals("..")) {
                return "it has a '" + component + "' component";
            }
            start = end + 1;
        }
        return null;
    }

    /**
     * Checks a path.
     *
     * @param path the path
     * @return the path
     * @throws IllegalArgumentException saying what is wrong with it
     */
    public static String check(String path) {
        String problem = problemWith(path);
        if (problem != null) {
            throw new IllegalArgumentException("invalid path " + quote(path) + ": " + problem);
        }
        return path;
    }

    /** {@return the UTF-8 bytes of a valid path} */
    static byte[] utf8(String path) {
        return path.getBytes(StandardCharsets.UTF_8);
    }

    /** {@return the path as a quoted string, safe to log: control characters escaped, long ones cut} */
    static String quote(String path) {
        if (path == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder("'");
        int n = Math.min(path.length(), 80);
        for (int i = 0; i < n; i++) {
            char c = path.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                sb.append(String.format("\\x%02x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append(path.length() > n ? "...'" : "'").toString();
    }

    private static int utf8Length(String s) {
        try {
            ByteBuffer b = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(s));
            return b.remaining();
        } catch (CharacterCodingException e) {
            return -1;
        }
    }
}
