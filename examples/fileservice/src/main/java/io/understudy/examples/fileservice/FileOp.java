package io.understudy.examples.fileservice;

/**
 * The file service's operations, with their stable wire codes (byte 1 of every request and reply).
 *
 * @since 0.1
 */
public enum FileOp {
    /** Create an empty file if it does not exist. */
    CREATE(1),
    /** Write bytes at an offset of an existing file. */
    WRITE(2),
    /** Read bytes from an offset of an existing file. */
    READ(3),
    /** List a volume's files with their sizes. */
    LIST(4),
    /** Look up one file's size. */
    STAT(5),
    /**
     * Append bytes at the end of a file, creating it if it does not exist. Not idempotent: run twice, it
     * appends twice, so it needs the journal's exactly-once ({@link JournaledFileService}).
     */
    APPEND(6);

    private final int code;

    FileOp(int code) {
        this.code = code;
    }

    /** {@return the wire code} */
    public int code() {
        return code;
    }

    /**
     * {@return the operation with this wire code, or null if none}
     *
     * @param code the wire code
     */
    public static FileOp ofCode(int code) {
        for (FileOp op : values()) {
            if (op.code == code) {
                return op;
            }
        }
        return null;
    }
}
