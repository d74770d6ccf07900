/**
 * An example transport plugin over Unix domain sockets, written against the transport SPI only. It shows
 * the three things every plugin has: a provider class, its registration ({@code provides} here and
 * {@code META-INF/services} for the class path), and a test that runs the testkit's conformance suite.
 */
module io.understudy.examples.uds {
    requires transitive io.understudy.spi.transport;
    exports io.understudy.examples.uds;
    provides io.understudy.spi.transport.TransportProvider with io.understudy.examples.uds.UdsTransportProvider;
}
