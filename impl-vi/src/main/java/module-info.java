/**
 * The VI transport: an emulation of the Virtual Interface Architecture (NICs whose addresses cannot be
 * reassigned, VIs connected by discriminator, registered memory with protection tags, descriptors, work
 * queues and completion queues) over memory-mapped shared-memory rings, and the {@code vi} transport
 * plugin on top of it. Found by {@link java.util.ServiceLoader} under the id {@code vi}; its settings are
 * the typed keys in {@link io.understudy.transport.vi.ViOptions}.
 */
module io.understudy.transport.vi {
    requires transitive io.understudy.spi.transport;
    exports io.understudy.transport.vi;
    provides io.understudy.spi.transport.TransportProvider with io.understudy.transport.vi.ViTransportProvider;
}
