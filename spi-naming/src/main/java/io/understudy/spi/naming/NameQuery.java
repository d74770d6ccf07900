package io.understudy.spi.naming;

import io.understudy.api.DataAccessPort;
import io.understudy.api.ServerName;
import java.util.Objects;

/**
 * What a resolver is asked: one parameter object so the SPI can grow.
 *
 * @param name the server name to resolve
 * @param port the data-access port the caller wants to reach, for resolvers that publish per-port
 *             locations (DNS SRV); others ignore it
 * @since 0.1
 */
public record NameQuery(ServerName name, DataAccessPort port) {
    /** Validates the fields. */
    public NameQuery {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(port, "port");
    }

    /**
     * {@return a query for the primary port}
     *
     * @param name the name
     */
    public static NameQuery of(ServerName name) {
        return new NameQuery(name, DataAccessPort.DAFS);
    }
}
