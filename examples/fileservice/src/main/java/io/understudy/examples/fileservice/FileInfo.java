package io.understudy.examples.fileservice;

/**
 * A file of a volume and its size.
 *
 * @param path the file's path, valid by {@link FilePaths}
 * @param size its size in bytes: one past the highest byte ever written, holes read as zeros
 * @since 0.1
 */
public record FileInfo(String path, long size) {

    /**
     * Validates the fields.
     *
     * @throws IllegalArgumentException if the path is invalid or the size negative
     */
    public FileInfo {
        FilePaths.check(path);
        if (size < 0) {
            throw new IllegalArgumentException("file size " + size + " is negative");
        }
    }
}
