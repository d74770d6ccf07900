/**
 * The failover client engine (Fig. 6 of the seed). A {@link io.understudy.client.FailoverClient} carries
 * requests to a server over any transport; when the connection breaks it retries the primary, computes the
 * failover name by the deployment's naming convention, resolves it through the configured name resolvers,
 * connects on the secondary data-access port, and re-sends what was in flight. Nothing on the network has
 * to move, and the failed server never has to say where to go.
 */
module io.understudy.client {
    requires transitive io.understudy.api;
    requires transitive io.understudy.spi.transport;
    requires transitive io.understudy.spi.naming;
    requires transitive io.understudy.session;
    exports io.understudy.client;
}
