/**
 * The TCP transport: data-access ports map to TCP port numbers, frames travel length-prefixed over plain
 * blocking sockets. Found by {@link java.util.ServiceLoader} under the id {@code tcp}; its settings are the
 * typed keys in {@link io.understudy.transport.tcp.TcpOptions}.
 */
module io.understudy.transport.tcp {
    requires transitive io.understudy.spi.transport;
    exports io.understudy.transport.tcp;
    provides io.understudy.spi.transport.TransportProvider with io.understudy.transport.tcp.TcpTransportProvider;
}
