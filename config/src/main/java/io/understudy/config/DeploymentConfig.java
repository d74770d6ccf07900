package io.understudy.config;

import io.understudy.api.DataAccessPort;
import io.understudy.api.FailoverNaming;
import io.understudy.api.ServerName;
import io.understudy.api.UnderstudyException;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A whole deployment configuration: the cluster (the server side), the naming convention and resolvers,
 * the transport, the ownership provider and the client. Loaded from YAML or JSON by {@link #load(Path)} or
 * {@link #read(Reader, String)}; every key, its type, default and meaning are in {@code docs/CONFIGURATION.md}.
 *
 * <p>Every section has defaults, so the empty mapping {@code {}} is a valid configuration with neither a
 * cluster nor a client, and {@code client: {server: FilerA}} is a complete client configuration.
 *
 * <p>Loading rejects unknown keys (suggesting the closest known one), values of the wrong type or out of
 * range, and values that contradict each other, with an {@link InvalidConfigurationException} that lists
 * each problem with the key's full path, the source, the line and column, and what was expected.
 *
 * <p>Immutable and thread-safe. No component is null.
 *
 * @param cluster   the pair of nodes; empty for a pure client configuration
 * @param naming    the naming convention and resolvers
 * @param transport the data path's transport and port numbers
 * @param ownership the ownership provider
 * @param client    the failover client; empty for a configuration that only runs nodes
 * @since 0.1
 */
public record DeploymentConfig(Optional<ClusterConfig> cluster, NamingConfig naming, TransportConfig transport,
                               OwnershipConfig ownership, Optional<ClientConfig> client) {

    /**
     * Checks the sections against each other: the client's ports have numbers, no node's interconnect uses a
     * data-access port's number on the same address, and the naming convention turns every server name into
     * a valid failover name.
     *
     * @throws InvalidConfigurationException naming the key and the reason
     */
    public DeploymentConfig {
        Checks.required("cluster", cluster);
        Checks.required("naming", naming);
        Checks.required("transport", transport);
        Checks.required("ownership", ownership);
        Checks.required("client", client);
        client.ifPresent(c -> {
            checkMapped("client.primaryPort", c.primaryPort(), transport);
            checkMapped("client.secondaryPort", c.secondaryPort(), transport);
            checkFailoverName("client.server", c.server(), naming.convention());
        });
        cluster.ifPresent(cl -> {
            for (int i = 0; i < cl.nodes().size(); i++) {
                NodeConfig n = cl.nodes().get(i);
                String at = Paths.index("cluster.nodes", i);
                checkFailoverName(at + ".name", n.serverName(), naming.convention());
                boolean sameHost = n.address().equals(n.interconnect().address()) || n.address().isAnyLocalAddress();
                for (Map.Entry<DataAccessPort, Integer> e : transport.ports().entrySet()) {
                    if (sameHost && e.getValue() == n.interconnect().port()) {
                        throw Checks.problem(at + ".interconnect", "port " + n.interconnect().port() + " is also the "
                                + e.getKey() + " data-access port (transport.ports) on " + Addresses.show(n.address())
                                + "; expected an interconnect port that no data-access port uses");
                    }
                }
            }
        });
    }

    private static void checkMapped(String path, DataAccessPort port, TransportConfig transport) {
        if (transport.portNumber(port).isEmpty()) {
            throw Checks.problem(path, port + " has no number in transport.ports; add one, e.g. transport.ports: {"
                    + port + ": 7010}");
        }
    }

    private static void checkFailoverName(String path, ServerName name, FailoverNaming convention) {
        try {
            convention.failoverName(name);
        } catch (UnderstudyException e) {
            throw Checks.problem(path, "the naming convention cannot derive a failover name from '" + name + "': "
                    + Checks.reason(e) + "; choose a shorter name or another naming.value");
        }
    }

    /** {@return the configuration of the empty mapping {@code {}}: every default, no cluster, no client} */
    public static DeploymentConfig defaults() {
        return new DeploymentConfig(Optional.empty(), NamingConfig.defaults(), TransportConfig.defaults(),
                OwnershipConfig.defaults(), Optional.empty());
    }

    /**
     * Loads a configuration file: JSON if its name ends with {@code .json}, else YAML. Read as UTF-8.
     *
     * @param file the file, not null
     * @return the configuration
     * @throws InvalidConfigurationException if the file cannot be read, is malformed, or has a bad value;
     *                                       problems name the file, the key and the line
     */
    public static DeploymentConfig load(Path file) {
        Objects.requireNonNull(file, "file");
        String source = file.toString();
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            throw new InvalidConfigurationException(java.util.List.of(new InvalidConfigurationException.Problem(
                    source, "", 0, 0, "cannot read the configuration file: " + e + "; check the path and its permissions")));
        }
        return read(new StringReader(text), source, ConfigFormat.forSourceName(source));
    }

    /**
     * Reads a configuration: JSON if {@code sourceName} ends with {@code .json}, else YAML. The reader is read
     * to its end and not closed.
     *
     * @param reader     the text, not null
     * @param sourceName what messages call the source, such as a file or resource name, not null
     * @return the configuration
     * @throws InvalidConfigurationException if the text is malformed or has a bad value
     */
    public static DeploymentConfig read(Reader reader, String sourceName) {
        return read(reader, sourceName, ConfigFormat.forSourceName(sourceName));
    }

    /**
     * Reads a configuration in the given format. The reader is read to its end and not closed.
     *
     * @param reader     the text, not null
     * @param sourceName what messages call the source, not null
     * @param format     the format, not null
     * @return the configuration
     * @throws InvalidConfigurationException if the text is malformed or has a bad value
     */
    public static DeploymentConfig read(Reader reader, String sourceName, ConfigFormat format) {
        Objects.requireNonNull(reader, "reader");
        Objects.requireNonNull(sourceName, "sourceName");
        Objects.requireNonNull(format, "format");
        return new Binder(sourceName).bind(Tree.read(reader, sourceName, format));
    }
}
