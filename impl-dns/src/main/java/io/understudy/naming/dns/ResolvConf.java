package io.understudy.naming.dns;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The two things the resolver takes from {@code resolv.conf}: {@code nameserver} lines and the last
 * {@code search} or {@code domain} line. Read once per provider context, by this plugin, so dnsjava's
 * process-wide {@code ResolverConfig} is never consulted. Takes a {@link Reader} so it is tested without files.
 */
record ResolvConf(List<InetSocketAddress> servers, List<String> search) {

    static ResolvConf parse(Reader in) throws IOException {
        List<InetSocketAddress> servers = new ArrayList<>();
        List<String> search = List.of();
        BufferedReader r = new BufferedReader(in);
        for (String line; (line = r.readLine()) != null; ) {
            String[] w = line.strip().split("\\s+");
            if (w.length < 2 || w[0].startsWith("#") || w[0].startsWith(";")) {
                continue;
            }
            switch (w[0]) {
                case "nameserver" -> {
                    try {
                        servers.add(DnsOptions.parseServer(w[1].contains("%") ? w[1].substring(0, w[1].indexOf('%')) : w[1]));
                    } catch (IllegalArgumentException e) {
                        // glibc ignores what it cannot parse; so do we
                    }
                }
                case "search", "domain" -> {
                    try {
                        search = DnsOptions.parseSearch(String.join(" ", List.of(w).subList(1, w.length)));
                    } catch (IllegalArgumentException e) {
                        search = List.of();
                    }
                }
                default -> {
                }
            }
        }
        return new ResolvConf(List.copyOf(servers), search);
    }
}
