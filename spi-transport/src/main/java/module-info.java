/**
 * The transport SPI: {@link io.understudy.spi.transport.TransportProvider} and its registry. A transport
 * listens on data-access ports and connects to (endpoint, data-access port); it never moves an address.
 */
module io.understudy.spi.transport {
    requires transitive io.understudy.api;
    exports io.understudy.spi.transport;
    uses io.understudy.spi.transport.TransportProvider;
}
