/**
 * The naming SPI: {@link io.understudy.spi.naming.NameResolverProvider} and its registry. A resolver turns
 * a server name (typically a computed failover name) into ranked candidate endpoints.
 */
module io.understudy.spi.naming {
    requires transitive io.understudy.api;
    exports io.understudy.spi.naming;
    uses io.understudy.spi.naming.NameResolverProvider;
}
