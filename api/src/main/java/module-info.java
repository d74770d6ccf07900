/**
 * Understudy's core API: validated value types (server names, data-access ports, endpoints), failover
 * naming conventions, the ownership contracts, the events the engines publish, the provider base class
 * shared by every SPI, and the root exception with its stable codes. This module has no dependencies.
 */
module io.understudy.api {
    exports io.understudy.api;
    exports io.understudy.api.event;
    exports io.understudy.api.ownership;
    exports io.understudy.api.spi;
    // OwnershipRegistry (in the api, as there is no ownership SPI module) calls ServiceLoader.load.
    uses io.understudy.api.ownership.OwnershipProvider;
}
