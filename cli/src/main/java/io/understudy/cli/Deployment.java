package io.understudy.cli;

import io.understudy.api.DataAccessPort;
import io.understudy.api.ErrorCode;
import io.understudy.api.InetEndpoint;
import io.understudy.api.ServerName;
import io.understudy.api.UnderstudyException;
import io.understudy.api.ownership.NodeId;
import io.understudy.api.ownership.OwnershipRegistry;
import io.understudy.api.ownership.OwnershipService;
import io.understudy.api.spi.ProviderContext;
import io.understudy.client.FailoverClient;
import io.understudy.client.NotFoundPolicy;
import io.understudy.cluster.AdminEndpoint;
import io.understudy.cluster.InterconnectSecurity;
import io.understudy.cluster.NodeSettings;
import io.understudy.config.ClusterConfig;
import io.understudy.config.DeploymentConfig;
import io.understudy.config.InterconnectConfig;
import io.understudy.config.NamingConfig;
import io.understudy.config.NodeConfig;
import io.understudy.spi.naming.NameResolver;
import io.understudy.spi.naming.NameResolverProvider;
import io.understudy.spi.naming.NameResolverRegistry;
import io.understudy.spi.transport.Transport;
import io.understudy.spi.transport.TransportProvider;
import io.understudy.spi.transport.TransportRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a deployment configuration into running parts: transports, ownership, resolvers, node settings and
 * failover clients, choosing every plugin through its registry (never by class name).
 *
 * <p>Two conventions the configuration leaves to the runtime: a node's {@code address} is given to the
 * data transport as the option {@code <transport-id>.bindAddress}; and a node's admin endpoint listens on
 * its interconnect port + 1 on the interconnect address.
 */
final class Deployment {

    final DeploymentConfig config;
    final Path source;

    Deployment(DeploymentConfig config, Path source) {
        this.config = config;
        this.source = source;
    }

    static Deployment load(Path file) {
        return new Deployment(DeploymentConfig.load(file), file);
    }

    ClusterConfig cluster() {
        return config.cluster().orElseThrow(() -> new UnderstudyException(ErrorCode.INVALID_CONFIGURATION,
                source + ": this command needs a 'cluster' section with the two nodes"));
    }

    NodeConfig node(String name) {
        return cluster().node(name).orElseThrow(() -> new UnderstudyException(ErrorCode.INVALID_CONFIGURATION,
                source + ": no node named '" + name + "'; the nodes are " + cluster().nodeIds()));
    }

    /** {@return the data-access transport of a node, listening on the node's address} */
    Transport dataTransport(NodeConfig node) {
        TransportProvider p = transportProvider();
        ProviderContext ctx = config.transport().contextBuilder()
                .setting(p.id() + ".bindAddress", node.address().getHostAddress())
                .nodeName(node.name()).build();
        return p.open(ctx);
    }

    /** {@return the transport of the interconnect and admin endpoint of a node} */
    Transport interconnectTransport(NodeConfig node) {
        TransportProvider p = at("cluster.interconnect.transport",
                () -> TransportRegistry.getDefault().select(cluster().interconnect().transport(), InetEndpoint.class));
        int port = node.interconnect().port();
        ProviderContext ctx = ProviderContext.builder()
                .settings(config.transport().options())
                .portNumber(NodeSettings.INTERCONNECT, port)
                .portNumber(AdminEndpoint.ADMIN, adminPort(node))
                .setting(p.id() + ".bindAddress", node.interconnect().address().getHostAddress())
                .nodeName(node.name()).build();
        return p.open(ctx);
    }

    /** {@return a transport for clients of the data-access ports} */
    Transport clientTransport() {
        TransportProvider p = transportProvider();
        return p.open(config.transport().providerContext());
    }

    /**
     * {@return a transport for reaching admin endpoints} It carries the cluster's key, with which
     * {@link AdminClient} signs every request.
     *
     * @throws UnderstudyException {@link ErrorCode#INVALID_CONFIGURATION} if authentication is on and the key
     *                             file is missing or bad
     */
    Transport adminTransport() {
        InterconnectSecurity security = config.cluster().isPresent() ? security() : InterconnectSecurity.none();
        TransportProvider p = TransportRegistry.getDefault().select(
                config.cluster().map(c -> c.interconnect().transport()).orElse(null), InetEndpoint.class);
        return new AdminClient.KeyedTransport(p.open(ProviderContext.builder().settings(config.transport().options()).build()), security);
    }

    /**
     * {@return how this cluster's interconnect and admin endpoints are authenticated}: the key in
     * {@code cluster.interconnect.keyFile} (relative to the configuration file's directory), or none if
     * {@code authentication: none}. A key file others can read is used, with a warning on standard error.
     *
     * @throws UnderstudyException {@link ErrorCode#INVALID_CONFIGURATION} naming the file and the key if
     *                             {@code hmac-sha256} has no key file, or the key is unreadable, not base64 or short
     */
    InterconnectSecurity security() {
        InterconnectConfig ic = cluster().interconnect();
        if (ic.authentication() == InterconnectConfig.Authentication.NONE) {
            return InterconnectSecurity.none();
        }
        Path key = ic.keyFile().orElseThrow(() -> new UnderstudyException(ErrorCode.INVALID_CONFIGURATION, source
                + ": cluster.interconnect.keyFile is required with cluster.interconnect.authentication: hmac-sha256 (the default): "
                + InterconnectSecurity.HOW_TO_MAKE_A_KEY + ", copy the same file to both nodes and set "
                + "cluster.interconnect.keyFile: cluster.key (relative to this file); or, on an isolated test network only, "
                + "set cluster.interconnect.authentication: none"));
        Path dir = source.toAbsolutePath().getParent();
        Path resolved = dir == null ? key : dir.resolve(key);
        try {
            return InterconnectSecurity.fromKeyFile(resolved, ic.maxClockSkew(),
                    w -> System.err.println("warning: " + source + ": cluster.interconnect.keyFile: " + w));
        } catch (UnderstudyException e) {
            throw new UnderstudyException(e.code(), source + ": cluster.interconnect.keyFile: "
                    + e.getMessage().substring(e.code().tag().length() + 1), e);
        }
    }

    private TransportProvider transportProvider() {
        return at("transport.provider",
                () -> TransportRegistry.getDefault().select(config.transport().provider().orElse(null), InetEndpoint.class));
    }

    /** Runs a provider selection, naming the configuration key and file in its error. */
    private <T> T at(String key, java.util.function.Supplier<T> selection) {
        try {
            return selection.get();
        } catch (UnderstudyException e) {
            throw new UnderstudyException(e.code(), source + ": " + key + ": " + e.getMessage().substring(e.code().tag().length() + 1), e);
        }
    }

    static int adminPort(NodeConfig node) {
        return node.interconnect().port() + 1;
    }

    static InetEndpoint adminEndpoint(NodeConfig node) {
        return new InetEndpoint(node.interconnect().address(), adminPort(node));
    }

    OwnershipService ownership(NodeConfig node) {
        return at("ownership.provider", () -> OwnershipRegistry.getDefault().select(config.ownership().provider().orElse(null)))
                .open(config.ownership().providerContext(node.name()));
    }

    List<NameResolver> resolvers() {
        NamingConfig n = config.naming();
        List<NameResolver> out = new ArrayList<>();
        for (NameResolverProvider p : at("naming.resolvers",
                () -> NameResolverRegistry.getDefault().selectAll(n.resolvers(), InetEndpoint.class))) {
            out.add(p.open(n.providerContext()));
        }
        return out;
    }

    NodeSettings settings(NodeConfig me) {
        ClusterConfig c = cluster();
        NodeConfig partner = c.partnerOf(me.id());
        int rank = c.nodeIds().indexOf(me.id());
        return new NodeSettings(me.id(), partner.id(), rank, me.disks(), partner.disks(), DataAccessPort.DAFS,
                DataAccessPort.PDAF, NodeSettings.INTERCONNECT, partner.interconnect(), c.heartbeatInterval(),
                c.missedHeartbeats(), c.takeoverCountdown(), c.givebackTimeout(), c.heartbeatInterval().multipliedBy(2),
                config.transport().connectTimeout());
    }

    /** {@return a failover client builder for a server, configured from the naming, transport and client sections} */
    FailoverClient.Builder client(ServerName server, Transport transport) {
        NamingConfig n = config.naming();
        FailoverClient.Builder b = FailoverClient.builder().server(server).naming(n.convention()).transport(transport)
                .resolvers(resolvers())
                .notFoundPolicy(n.onNotFound() == NamingConfig.OnNotFound.NEXT ? NotFoundPolicy.TRY_NEXT : NotFoundPolicy.FAIL)
                .maxCacheTtl(n.cacheTtlCap()).negativeCacheTtl(n.negativeTtl())
                .connectTimeout(config.transport().connectTimeout()).requestTimeout(config.transport().requestTimeout());
        config.client().ifPresent(c -> b.primaryPort(c.primaryPort()).secondaryPort(c.secondaryPort())
                .primaryRetries(c.primaryRetries()).retryBackoff(c.retryBackoff()).maxBackoff(c.maxBackoff())
                .failoverBudget(c.failoverBudget()));
        return b;
    }

    List<NodeId> nodeIds() {
        return cluster().nodeIds();
    }
}
