package io.understudy.config;

import io.understudy.api.DataAccessPort;
import io.understudy.api.FailoverNaming;
import io.understudy.api.InetEndpoint;
import io.understudy.api.ServerName;
import io.understudy.api.UnderstudyException;
import io.understudy.api.ownership.DiskId;
import io.understudy.api.ownership.NodeId;
import io.understudy.api.spi.Option;
import io.understudy.config.InvalidConfigurationException.Problem;
import io.understudy.config.NamingConfig.ConventionKind;
import io.understudy.config.NamingConfig.OnNotFound;
import io.understudy.config.Tree.Entry;
import io.understudy.config.Tree.ListNode;
import io.understudy.config.Tree.Loc;
import io.understudy.config.Tree.MapNode;
import io.understudy.config.Tree.Node;
import io.understudy.config.Tree.Scalar;
import io.understudy.config.Tree.Type;
import java.math.BigInteger;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Turns a parsed {@link Tree} into the configuration records. It collects every problem it can find in one
 * pass (unknown keys, wrong types, bad values) before giving up, so a user fixes them all at once; checks
 * that need several values (duplicate node names, a disk owned twice) run in the records' constructors,
 * whose problems the binder re-states with the full key path and the line and column.
 *
 * <p>On failure a value method records a problem and returns null; a section whose values had problems is
 * not constructed. One binder binds one document; not thread-safe.
 */
final class Binder {

    private static final Pattern DURATION_TEXT = Pattern.compile("\\d+\\s*ms|\\d+(\\.\\d+)?\\s*s|[Pp].*");
    private static final String DURATION_EXPECTED = "a duration such as 250ms, 1.5s or PT2S";

    private final String source;
    private final List<Problem> problems = new ArrayList<>();
    private final Map<String, Loc> locations = new HashMap<>();

    Binder(String source) {
        this.source = source;
    }

    DeploymentConfig bind(Node root) {
        if (!(root instanceof MapNode map)) {
            throw Tree.fail(source, root.loc(), "the top level is " + root.describe()
                    + "; expected a mapping of sections (cluster, naming, transport, ownership, client), or {} for every default");
        }
        Section top = new Section("", "", map);
        Optional<ClusterConfig> cluster = optionalSection(top, "cluster", this::cluster);
        NamingConfig naming = naming(section(top, "naming"));
        TransportConfig transport = transport(section(top, "transport"));
        OwnershipConfig ownership = ownership(section(top, "ownership"));
        Optional<ClientConfig> client = optionalSection(top, "client", this::client);
        top.finish();
        if (problems.isEmpty()) {
            DeploymentConfig config = construct("", () -> new DeploymentConfig(cluster, naming, transport, ownership, client));
            if (problems.isEmpty()) {
                return config;
            }
        }
        throw new InvalidConfigurationException(inDocumentOrder(problems));
    }

    /** Problems sorted by line and column (a stable sort: ties keep the order found); those without a line last. */
    private static List<Problem> inDocumentOrder(List<Problem> found) {
        List<Problem> sorted = new ArrayList<>(found);
        sorted.sort(java.util.Comparator.comparingInt((Problem p) -> p.line() == 0 ? Integer.MAX_VALUE : p.line())
                .thenComparingInt(Problem::column));
        return sorted;
    }

    // ---- sections

    private ClusterConfig cluster(Section s) {
        if (s == null) {
            return null;
        }
        int before = problems.size();
        String name = text(s, "name", ClusterConfig.DEFAULT_NAME);
        Duration heartbeat = duration(s, "heartbeatInterval", ClusterConfig.DEFAULT_HEARTBEAT_INTERVAL, Checks::positive);
        Integer missed = integer(s, "missedHeartbeats", ClusterConfig.DEFAULT_MISSED_HEARTBEATS, 1,
                ClusterConfig.MAX_MISSED_HEARTBEATS, "a heartbeat count");
        Duration countdown = duration(s, "takeoverCountdown", ClusterConfig.DEFAULT_TAKEOVER_COUNTDOWN, Checks::nonNegative);
        Duration giveback = duration(s, "givebackTimeout", ClusterConfig.DEFAULT_GIVEBACK_TIMEOUT, Checks::positive);
        Section ic = section(s, "interconnect");
        InterconnectConfig interconnect = null;
        if (ic != null) {
            int icBefore = problems.size();
            String transport = id(ic, "transport", InterconnectConfig.DEFAULT_TRANSPORT);
            InterconnectConfig.Authentication auth = choice(ic, "authentication", InterconnectConfig.Authentication.class,
                    InterconnectConfig.Authentication.HMAC_SHA256);
            String keyFile = text(ic, "keyFile", null);
            if (keyFile != null && keyFile.isBlank()) {
                add(ic.pathOf("keyFile"), ic.locOf("keyFile"), "is empty; expected the path of the key file, such as cluster.key");
            }
            java.nio.file.Path keyPath = null;
            if (keyFile != null && !keyFile.isBlank()) {
                try {
                    keyPath = java.nio.file.Path.of(keyFile);
                } catch (java.nio.file.InvalidPathException e) {
                    add(ic.pathOf("keyFile"), ic.locOf("keyFile"), "'" + keyFile + "' is not a path: " + e.getReason());
                }
            }
            Duration skew = duration(ic, "maxClockSkew", InterconnectConfig.DEFAULT_MAX_CLOCK_SKEW, Checks::positive);
            ic.finish();
            java.nio.file.Path kp = keyPath;
            interconnect = problems.size() > icBefore ? null
                    : construct("", () -> new InterconnectConfig(transport, auth, Optional.ofNullable(kp), skew));
        }
        List<NodeConfig> nodes = nodes(s);
        s.finish();
        if (problems.size() > before) {
            return null;
        }
        InterconnectConfig icf = interconnect;
        return construct("", () -> new ClusterConfig(name, heartbeat, missed, countdown, giveback, icf, nodes));
    }

    private List<NodeConfig> nodes(Section s) {
        Node n = s.get("nodes");
        String path = s.pathOf("nodes");
        if (n == null) {
            add(path, s.map.loc(), "is required: list the two nodes of the pair, each with name, address and interconnect");
            return null;
        }
        if (!(n instanceof ListNode list)) {
            add(path, n.loc(), "expected a list of nodes, got " + n.describe());
            return null;
        }
        int before = problems.size();
        List<NodeConfig> nodes = new ArrayList<>();
        for (int i = 0; i < list.items().size(); i++) {
            Node item = list.items().get(i);
            String at = Paths.index(path, i);
            locations.put(at, item.loc());
            if (!(item instanceof MapNode m)) {
                add(at, item.loc(), "expected a node (a mapping with name, address and interconnect), got " + item.describe());
                continue;
            }
            nodes.add(node(new Section("cluster.nodes[]", at, m)));
        }
        return problems.size() > before ? null : nodes;
    }

    private NodeConfig node(Section s) {
        int before = problems.size();
        String name = requiredText(s, "name", "a node name such as FilerA");
        String label = text(s, "label", null); // absent: NodeId.of(name) derives it
        NodeId id = null;
        if (name != null) {
            String problem = DataAccessPort.problemWith(name);
            if (problem == null) {
                problem = ServerName.problemWith(name);
            }
            if (problem != null) {
                add(s.pathOf("name"), s.locOf("name"), "'" + name + "' is not a valid node name: " + problem
                        + "; a node's name is also its server name, so expected 1-32 letters, digits and '-' such as FilerA");
            } else {
                try {
                    id = label == null ? NodeId.of(name) : new NodeId(name, label);
                } catch (UnderstudyException e) {
                    add(s.pathOf(label == null ? "name" : "label"), s.locOf(label == null ? "name" : "label"), Checks.reason(e));
                }
            }
        }
        InetAddress address = null;
        String addressText = requiredText(s, "address", "a literal IP address such as 127.0.0.11");
        if (addressText != null) {
            address = Addresses.literal(addressText);
            if (address == null) {
                add(s.pathOf("address"), s.locOf("address"), "'" + addressText + "' is not a literal IP address; expected "
                        + "IPv4 such as 127.0.0.11 or IPv6 such as ::1 (host names are not allowed: a node must not depend on a name service to start)");
            }
        }
        InetEndpoint interconnect = null;
        String icText = requiredText(s, "interconnect", "host:port such as 127.0.0.11:7100");
        if (icText != null) {
            try {
                interconnect = Addresses.hostPort(icText);
            } catch (IllegalArgumentException e) {
                add(s.pathOf("interconnect"), s.locOf("interconnect"), e.getMessage()
                        + "; expected host:port with a literal IP, such as 127.0.0.11:7100 or [::1]:7100");
            }
        }
        List<DiskId> disks = new ArrayList<>();
        List<String> diskNames = textList(s, "disks", List.of());
        if (diskNames != null) {
            for (int i = 0; i < diskNames.size(); i++) {
                String at = Paths.index(s.pathOf("disks"), i);
                try {
                    disks.add(DiskId.of(diskNames.get(i)));
                } catch (UnderstudyException e) {
                    add(at, lookup(at), Checks.reason(e) + "; expected a disk name such as filera-vol0");
                }
            }
        }
        s.finish();
        if (problems.size() > before) {
            return null;
        }
        NodeId fid = id;
        InetAddress fa = address;
        InetEndpoint fi = interconnect;
        return construct(s.path, () -> new NodeConfig(fid, fa, fi, disks));
    }

    private NamingConfig naming(Section s) {
        if (s == null) {
            return null;
        }
        int before = problems.size();
        ConventionKind kind = choice(s, "convention", ConventionKind.class, ConventionKind.SUFFIX);
        FailoverNaming convention = null;
        if (kind != null) {
            String value = text(s, "value", kind.defaultValue());
            if (value != null) {
                try {
                    convention = kind.convention(value);
                } catch (UnderstudyException e) {
                    add(s.pathOf("value"), s.locOf("value"), Checks.reason(e));
                }
            }
        } else {
            s.get("value");
        }
        List<String> resolvers = idList(s, "resolvers", NamingConfig.DEFAULT_RESOLVERS);
        OnNotFound onNotFound = choice(s, "onNotFound", OnNotFound.class, OnNotFound.NEXT);
        Duration cacheTtlCap = duration(s, "cacheTtlCap", NamingConfig.DEFAULT_CACHE_TTL_CAP, Checks::nonNegative);
        Duration negativeTtl = duration(s, "negativeTtl", NamingConfig.DEFAULT_NEGATIVE_TTL, Checks::nonNegative);
        Map<String, String> options = options(s, "options");
        s.finish();
        if (problems.size() > before) {
            return null;
        }
        FailoverNaming c = convention;
        return construct("", () -> new NamingConfig(c, resolvers, onNotFound, cacheTtlCap, negativeTtl, options));
    }

    private TransportConfig transport(Section s) {
        if (s == null) {
            return null;
        }
        int before = problems.size();
        Optional<String> provider = Optional.ofNullable(id(s, "provider", null)); // absent: chosen by priority
        Map<DataAccessPort, Integer> ports = ports(s);
        Duration connect = duration(s, "connectTimeout", TransportConfig.DEFAULT_CONNECT_TIMEOUT, Checks::positive);
        Duration request = duration(s, "requestTimeout", TransportConfig.DEFAULT_REQUEST_TIMEOUT, Checks::positive);
        Map<String, String> options = options(s, "options");
        s.finish();
        if (problems.size() > before) {
            return null;
        }
        return construct("", () -> new TransportConfig(provider, ports, connect, request, options));
    }

    private OwnershipConfig ownership(Section s) {
        if (s == null) {
            return null;
        }
        int before = problems.size();
        Optional<String> provider = Optional.ofNullable(id(s, "provider", null)); // absent: chosen by priority
        Map<String, String> options = options(s, "options");
        s.finish();
        if (problems.size() > before) {
            return null;
        }
        return construct("", () -> new OwnershipConfig(provider, options));
    }

    private ClientConfig client(Section s) {
        if (s == null) {
            return null;
        }
        int before = problems.size();
        String serverText = requiredText(s, "server", "the primary server's name such as FilerA");
        ServerName server = null;
        if (serverText != null) {
            try {
                server = ServerName.of(serverText);
            } catch (UnderstudyException e) {
                add(s.pathOf("server"), s.locOf("server"), Checks.reason(e));
            }
        }
        DataAccessPort primary = port(s, "primaryPort", DataAccessPort.DAFS);
        DataAccessPort secondary = port(s, "secondaryPort", DataAccessPort.PDAF);
        Integer retries = integer(s, "primaryRetries", ClientConfig.DEFAULT_PRIMARY_RETRIES, 0,
                ClientConfig.MAX_PRIMARY_RETRIES, "a retry count");
        Duration backoff = duration(s, "retryBackoff", ClientConfig.DEFAULT_RETRY_BACKOFF, Checks::nonNegative);
        Duration maxBackoff = duration(s, "maxBackoff", ClientConfig.DEFAULT_MAX_BACKOFF, Checks::positive);
        Duration budget = duration(s, "failoverBudget", ClientConfig.DEFAULT_FAILOVER_BUDGET, Checks::positive);
        s.finish();
        if (problems.size() > before) {
            return null;
        }
        ServerName fs = server;
        return construct("", () -> new ClientConfig(fs, primary, secondary, retries, backoff, maxBackoff, budget));
    }

    // ---- composite values

    private Map<DataAccessPort, Integer> ports(Section s) {
        Node n = s.get("ports");
        Map<DataAccessPort, Integer> ports = new LinkedHashMap<>(TransportConfig.DEFAULT_PORTS);
        if (n == null) {
            return ports;
        }
        String path = s.pathOf("ports");
        if (!(n instanceof MapNode m)) {
            add(path, n.loc(), "expected a mapping of port name to number such as {DAFS: 7000, pDAF: 7001}, got " + n.describe());
            return null;
        }
        int before = problems.size();
        for (Entry e : m.entries().values()) {
            String at = Paths.key(path, e.key());
            locations.put(at, e.value().loc());
            String problem = DataAccessPort.problemWith(e.key());
            if (problem != null) {
                add(at, e.keyLoc(), "'" + e.key() + "' is not a data-access port name: " + problem + "; expected a name such as DAFS, pDAF or vol7");
                continue;
            }
            Integer number = integerValue(at, e.value(), null, 1, 65535, "a port number");
            if (number != null) {
                ports.put(DataAccessPort.of(e.key()), number);
            }
        }
        return problems.size() > before ? null : ports;
    }

    private Map<String, String> options(Section s, String key) {
        Node n = s.get(key);
        Map<String, String> options = new LinkedHashMap<>();
        if (n == null) {
            return options;
        }
        String path = s.pathOf(key);
        if (!(n instanceof MapNode m)) {
            add(path, n.loc(), "expected a mapping of option name to text such as {hosts.file: /etc/hosts}, got " + n.describe());
            return null;
        }
        int before = problems.size();
        for (Entry e : m.entries().values()) {
            String at = Paths.key(path, e.key());
            locations.put(at, e.value().loc());
            if (!Checks.OPTION_NAME.matcher(e.key()).matches()) {
                add(at, e.keyLoc(), "'" + e.key() + "' is not an option name; expected <provider-id>.<key> such as hosts.file "
                        + "or tcp.maxFrameSize (letters, digits, '.', '_' and '-')");
                continue;
            }
            if (e.value() instanceof Scalar sc && sc.type() != Type.NULL) {
                options.put(e.key(), sc.text());
            } else {
                add(at, e.value().loc(), "expected the option's value as text, got " + e.value().describe());
            }
        }
        return problems.size() > before ? null : options;
    }

    private DataAccessPort port(Section s, String key, DataAccessPort def) {
        String text = text(s, key, def.name());
        if (text == null) {
            return null;
        }
        try {
            return DataAccessPort.of(text);
        } catch (UnderstudyException e) {
            add(s.pathOf(key), s.locOf(key), Checks.reason(e));
            return null;
        }
    }

    private List<String> idList(Section s, String key, List<String> def) {
        List<String> ids = textList(s, key, def);
        if (ids == null || ids == def) {
            return ids;
        }
        int before = problems.size();
        for (int i = 0; i < ids.size(); i++) {
            String at = Paths.index(s.pathOf(key), i);
            try {
                Checks.id(at, ids.get(i));
            } catch (InvalidConfigurationException e) {
                add(at, lookup(at), e.problems().get(0).message());
            }
        }
        return problems.size() > before ? null : ids;
    }

    private List<String> textList(Section s, String key, List<String> def) {
        Node n = s.get(key);
        if (n == null) {
            return def;
        }
        String path = s.pathOf(key);
        if (!(n instanceof ListNode list)) {
            add(path, n.loc(), "expected a list such as [a, b], got " + n.describe());
            return null;
        }
        List<String> values = new ArrayList<>();
        int before = problems.size();
        for (int i = 0; i < list.items().size(); i++) {
            Node item = list.items().get(i);
            String at = Paths.index(path, i);
            locations.put(at, item.loc());
            if (item instanceof Scalar sc && sc.type() != Type.NULL) {
                values.add(sc.text());
            } else {
                add(at, item.loc(), "expected a name, got " + item.describe());
            }
        }
        return problems.size() > before ? null : values;
    }

    // ---- scalar values

    private String text(Section s, String key, String def) {
        Node n = s.get(key);
        if (n == null) {
            return def;
        }
        if (n instanceof Scalar sc && sc.type() != Type.NULL) {
            return sc.text();
        }
        add(s.pathOf(key), n.loc(), "expected text, got " + n.describe() + removeForDefault(def));
        return null;
    }

    private String requiredText(Section s, String key, String expected) {
        if (s.peek(key) == null) {
            s.get(key);
            add(s.pathOf(key), s.map.loc(), "is required; expected " + expected);
            return null;
        }
        return text(s, key, null);
    }

    private String id(Section s, String key, String def) {
        String text = text(s, key, def);
        if (text == null) {
            return null;
        }
        try {
            return Checks.id(s.pathOf(key), text);
        } catch (InvalidConfigurationException e) {
            add(s.pathOf(key), s.locOf(key), e.problems().get(0).message());
            return null;
        }
    }

    /** An enum constant's configuration name: lower case, {@code _} written {@code -} ({@code HMAC_SHA256} is {@code hmac-sha256}). */
    private static String configName(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private <E extends Enum<E>> E choice(Section s, String key, Class<E> type, E def) {
        String text = text(s, key, configName(def));
        if (text == null) {
            return null;
        }
        List<String> names = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            String name = configName(e);
            if (name.equals(text)) {
                return e;
            }
            names.add(name);
        }
        String close = closest(text, names);
        add(s.pathOf(key), s.locOf(key), "'" + text + "' is not one of " + String.join(", ", names)
                + (close == null ? "" : "; did you mean '" + close + "'?"));
        return null;
    }

    private Duration duration(Section s, String key, Duration def, BiFunction<String, Duration, Duration> check) {
        Node n = s.get(key);
        if (n == null) {
            return def;
        }
        String path = s.pathOf(key);
        if (!(n instanceof Scalar sc) || sc.type() == Type.NULL || sc.type() == Type.BOOLEAN) {
            add(path, n.loc(), "expected " + DURATION_EXPECTED + ", got " + n.describe() + removeForDefault(Checks.format(def)));
            return null;
        }
        if (sc.type() != Type.STRING) {
            add(path, n.loc(), "the number " + sc.text() + " has no unit; expected " + DURATION_EXPECTED
                    + " (for example " + sc.text() + "ms)");
            return null;
        }
        String text = sc.text().trim();
        if (text.startsWith("-")) {
            add(path, n.loc(), "'" + sc.text() + "' is negative; expected " + DURATION_EXPECTED);
            return null;
        }
        Duration d;
        try {
            if (!DURATION_TEXT.matcher(text).matches()) {
                throw new IllegalArgumentException("not a duration");
            }
            d = Option.parseDuration(text);
        } catch (IllegalArgumentException e) {
            boolean negative = e.getCause() != null && String.valueOf(e.getCause().getMessage()).contains("negative");
            add(path, n.loc(), "'" + sc.text() + "' is " + (negative ? "negative" : "not a duration") + "; expected "
                    + DURATION_EXPECTED);
            return null;
        }
        try {
            return check.apply(path, d);
        } catch (InvalidConfigurationException e) {
            add(path, n.loc(), e.problems().get(0).message());
            return null;
        }
    }

    private Integer integer(Section s, String key, int def, int min, int max, String what) {
        Node n = s.get(key);
        return n == null ? Integer.valueOf(def) : integerValue(s.pathOf(key), n, def, min, max, what);
    }

    private Integer integerValue(String path, Node n, Integer def, int min, int max, String what) {
        if (!(n instanceof Scalar sc) || sc.type() != Type.INT) {
            add(path, n.loc(), "expected " + what + " (an integer " + min + "-" + max + "), got " + n.describe()
                    + (def == null ? "" : removeForDefault(def.toString())));
            return null;
        }
        Number number = sc.number();
        long v = number instanceof BigInteger b
                ? (b.signum() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE)
                : number.longValue();
        if (v < min || v > max) {
            add(path, n.loc(), sc.text() + " is out of range; expected " + what + " " + min + "-" + max);
            return null;
        }
        return (int) v;
    }

    private static String removeForDefault(String def) {
        return def == null ? "" : "; remove the key to use the default " + def;
    }

    // ---- problems

    private void add(String path, Loc loc, String message) {
        problems.add(new Problem(source, path, loc.line(), loc.column(), message));
    }

    /** Where a path was written, or the nearest enclosing key that was, for problems found after binding. */
    private Loc lookup(String path) {
        String p = path;
        while (true) {
            Loc l = locations.get(p);
            if (l != null) {
                return l;
            }
            if (p.isEmpty()) {
                return Loc.UNKNOWN;
            }
            p = Paths.parent(p);
        }
    }

    /** Runs a record constructor, re-stating its problems with {@code prefix}, the source and the location. */
    private <T> T construct(String prefix, Supplier<T> constructor) {
        try {
            return constructor.get();
        } catch (InvalidConfigurationException e) {
            for (Problem p : e.problems()) {
                String path = prefix.isEmpty() ? p.path() : p.path().isEmpty() ? prefix : prefix + "." + p.path();
                add(path, lookup(path), p.message());
            }
        } catch (UnderstudyException e) {
            add(prefix, lookup(prefix), Checks.reason(e));
        }
        return null;
    }

    private Section section(Section parent, String key) {
        Node n = parent.get(key);
        String path = parent.pathOf(key);
        String schemaPath = parent.schemaPathOf(key);
        if (n == null) {
            return new Section(schemaPath, path, new MapNode(Map.of(), parent.map.loc()));
        }
        if (n instanceof MapNode m) {
            return new Section(schemaPath, path, m);
        }
        add(path, n.loc(), "expected a mapping, got " + n.describe()
                + (n instanceof Scalar sc && sc.type() == Type.NULL ? "; write {} or remove the key to use the defaults" : ""));
        return null;
    }

    private <T> Optional<T> optionalSection(Section parent, String key, java.util.function.Function<Section, T> binder) {
        if (parent.peek(key) == null) {
            parent.get(key);
            return Optional.empty();
        }
        return Optional.ofNullable(binder.apply(section(parent, key)));
    }

    /** A mapping being bound: remembers which keys were read so the rest can be reported as unknown. */
    private final class Section {
        final String schemaPath;
        final String path;
        final MapNode map;
        private final Set<String> read = new HashSet<>();

        Section(String schemaPath, String path, MapNode map) {
            this.schemaPath = schemaPath;
            this.path = path;
            this.map = map;
            locations.putIfAbsent(path, map.loc());
        }

        String schemaPathOf(String key) {
            return schemaPath.isEmpty() ? key : schemaPath + "." + key;
        }

        String pathOf(String key) {
            return Paths.key(path, key);
        }

        /** The value without marking the key read; null if absent. */
        Node peek(String key) {
            Entry e = map.entries().get(key);
            return e == null ? null : e.value();
        }

        /** The value, marking the key read; null if absent. */
        Node get(String key) {
            Schema.key(schemaPathOf(key));
            read.add(key);
            Entry e = map.entries().get(key);
            if (e == null) {
                return null;
            }
            locations.put(pathOf(key), e.value().loc());
            return e.value();
        }

        Loc locOf(String key) {
            return lookup(pathOf(key));
        }

        void finish() {
            List<String> known = Schema.children(schemaPath);
            for (Entry e : map.entries().values()) {
                if (!read.contains(e.key())) {
                    add(pathOf(e.key()), e.keyLoc(), unknownKey(e.key(), known));
                }
            }
        }

        private String unknownKey(String key, List<String> known) {
            StringBuilder sb = new StringBuilder("unknown key '").append(key).append("'");
            String close = closest(key, known);
            if (close != null) {
                sb.append(" (did you mean '").append(close).append("'?)");
            } else {
                String elsewhere = Schema.keys().stream()
                        .filter(k -> k.name().equals(key) && !k.parent().equals(schemaPath))
                        .map(k -> k.parent().isEmpty() ? "the top level" : k.parent())
                        .findFirst().orElse(null);
                if (elsewhere != null) {
                    sb.append(" (it belongs under ").append(elsewhere).append(")");
                }
            }
            return sb.append("; expected one of ").append(String.join(", ", known)).toString();
        }
    }

    /** The candidate closest to {@code word} by edit distance ignoring case, if it is close enough to be a typo. */
    static String closest(String word, List<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        String w = word.toLowerCase(Locale.ROOT);
        for (String c : candidates) {
            int d = distance(w, c.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                bestDistance = d;
                best = c;
            }
        }
        int allowed = Math.max(1, Math.min(3, word.length() / 3));
        return bestDistance <= allowed ? best : null;
    }

    private static int distance(String a, String b) {
        if (Math.abs(a.length() - b.length()) > 3) {
            return Integer.MAX_VALUE;
        }
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
