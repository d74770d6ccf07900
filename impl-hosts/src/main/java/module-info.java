/**
 * The hosts-file naming plugin, Understudy's embedded default name resolver: resolves server and failover
 * names ({@code FilerA-failover}) from a hosts-format file, re-reading it when it changes. Provides
 * {@link io.understudy.spi.naming.NameResolverProvider} with id {@code hosts}.
 */
module io.understudy.naming.hosts {
    requires transitive io.understudy.spi.naming;

    exports io.understudy.naming.hosts;

    provides io.understudy.spi.naming.NameResolverProvider with io.understudy.naming.hosts.HostsFileResolverProvider;
}
