package io.understudy.naming.hosts;

import io.understudy.api.ServerName;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A parsed hosts file: its usable entries in file order, an index by name, and the problems found. Made by
 * {@link HostsFileParser}.
 *
 * <p>Immutable and thread-safe.
 *
 * @since 0.1
 */
public final class HostsTable {

    private final String source;
    private final List<HostsEntry> entries;
    private final Map<String, List<HostsEntry>> byName;
    private final List<HostsProblem> problems;
    private final int problemCount;

    HostsTable(String source, List<HostsEntry> entries, List<HostsProblem> problems, int problemCount) {
        this.source = Objects.requireNonNull(source, "source");
        this.entries = List.copyOf(entries);
        this.problems = List.copyOf(problems);
        this.problemCount = problemCount;
        // Index by canonical name; per name keep the first line for each distinct address, in file order.
        Map<String, List<HostsEntry>> index = new HashMap<>();
        Map<String, Set<InetAddress>> seen = new HashMap<>();
        for (HostsEntry e : this.entries) {
            for (ServerName n : e.names()) {
                String key = n.canonical();
                if (seen.computeIfAbsent(key, k -> new HashSet<>()).add(e.address())) {
                    index.computeIfAbsent(key, k -> new ArrayList<>()).add(e);
                }
            }
        }
        index.replaceAll((k, v) -> List.copyOf(v));
        this.byName = Map.copyOf(index);
    }

    /** {@return the source name given to the parser, such as the file's path} */
    public String source() {
        return source;
    }

    /** {@return every usable entry, in file order} */
    public List<HostsEntry> entries() {
        return entries;
    }

    /**
     * Looks a name up, ignoring case and a trailing dot (as {@link ServerName#canonical()} compares).
     *
     * @param name the name, not null
     * @return the entries that give the name an address, in file order, one per distinct address (the first
     *         line that gives it); empty if the name is not in the file
     */
    public List<HostsEntry> lookup(ServerName name) {
        return byName.getOrDefault(name.canonical(), List.of());
    }

    /** {@return how many distinct names (canonical forms) the file defines} */
    public int nameCount() {
        return byName.size();
    }

    /**
     * {@return the problems found, in line order; at most {@link HostsFileParser#MAX_PROBLEMS}, see
     * {@link #problemCount()} for the total}
     */
    public List<HostsProblem> problems() {
        return problems;
    }

    /** {@return how many problems were found in all, including those beyond the listed ones} */
    public int problemCount() {
        return problemCount;
    }

    @Override
    public String toString() {
        return "HostsTable[" + source + ", " + entries.size() + " entries, " + byName.size() + " names, "
                + problemCount + " problems]";
    }
}
