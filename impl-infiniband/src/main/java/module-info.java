/**
 * The InfiniBand verbs transport ({@code ib}): frames over reliable-connected queue pairs with posted
 * receive buffers and credit-based flow control; data-access ports map to RDMA CM port numbers. Its settings
 * are the typed keys in {@link io.understudy.transport.ib.IbOptions}.
 */
module io.understudy.transport.ib {
    requires transitive io.understudy.spi.transport;
    exports io.understudy.transport.ib;
    provides io.understudy.spi.transport.TransportProvider with io.understudy.transport.ib.IbTransportProvider;
}
