/**
 * The DNS naming plugin: resolves server and failover names ({@code FilerA-failover}) with A, AAAA and SRV
 * queries sent by dnsjava to the DNS servers the deployment configures, never through the JVM's
 * {@code InetAddress} cache or dnsjava's process-wide default resolver. Provides
 * {@link io.understudy.spi.naming.NameResolverProvider} with id {@code dns}; its settings are the typed keys
 * in {@link io.understudy.naming.dns.DnsOptions}.
 */
module io.understudy.naming.dns {
    requires transitive io.understudy.spi.naming;
    requires org.dnsjava;

    exports io.understudy.naming.dns;

    provides io.understudy.spi.naming.NameResolverProvider with io.understudy.naming.dns.DnsResolverProvider;
}
