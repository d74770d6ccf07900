package io.understudy.naming.hosts;

import io.understudy.api.ServerName;
import java.net.InetAddress;
import java.util.List;
import java.util.Objects;

/**
 * One usable line of a hosts file: an address and the names it is given, the canonical name first and then
 * its aliases, as written. Names that were invalid on the line are not here (they are reported as
 * {@link HostsProblem}s).
 *
 * <p>The address carries the line's first name as its host name, so calling {@link InetAddress#getHostName()}
 * on it never triggers a reverse lookup.
 *
 * @param line    the line number, counting from 1
 * @param address the address, parsed as a literal without any lookup
 * @param names   the names, not empty, in the order written
 * @since 0.1
 */
public record HostsEntry(int line, InetAddress address, List<ServerName> names) {

    /** Validates the fields. */
    public HostsEntry {
        if (line < 1) {
            throw new IllegalArgumentException("line numbers count from 1, got " + line);
        }
        Objects.requireNonNull(address, "address");
        names = List.copyOf(names);
        if (names.isEmpty()) {
            throw new IllegalArgumentException("a hosts entry needs at least one name");
        }
    }

    /** {@return the canonical name: the first name on the line} */
    public ServerName canonicalName() {
        return names.getFirst();
    }

    /** {@return the line as it would be written back: the address and then the names, space-separated} */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(address.getHostAddress());
        for (ServerName n : names) {
            sb.append(' ').append(n);
        }
        return sb.toString();
    }
}
