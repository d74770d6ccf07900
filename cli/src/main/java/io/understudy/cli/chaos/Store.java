package io.understudy.cli.chaos;

/**
 * One client's view of an append-only log, as the chaos clients use it.
 *
 * @since 0.1
 */
public interface Store extends AutoCloseable {

    /**
     * Appends a record, exactly once.
     *
     * @param record the bytes
     * @return the byte offset at which the record was appended
     * @throws RuntimeException whatever the client throws; {@link Outcomes#classify} decides what it means
     */
    long append(byte[] record);

    /** {@return the log's name, e.g. {@code filera-vol0/chaos/log}} */
    String log();

    /** {@return the node whose connection the client is on now, or null if not connected or unknown} */
    default String node() {
        return null;
    }

    /** {@return the data-access port of that connection (DAFS, pDAF), or null} */
    default String port() {
        return null;
    }

    @Override
    void close();
}
