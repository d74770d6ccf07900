/**
 * The node engine: the interconnect between partners, the failure detector, takeover (Fig. 4), giveback
 * (Fig. 5) and operator takeover (Fig. 7), serving an application's volumes on the primary and secondary
 * data-access ports.
 */
module io.understudy.cluster {
    requires transitive io.understudy.api;
    requires transitive io.understudy.spi.transport;
    requires transitive io.understudy.session;
    exports io.understudy.cluster;
}
