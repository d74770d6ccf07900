package io.understudy.config;

import static io.understudy.config.Configs.DEMO;
import static io.understudy.config.Configs.demoWith;
import static io.understudy.config.Configs.failJson;
import static io.understudy.config.Configs.failYaml;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.DataAccessPort;
import io.understudy.api.InetEndpoint;
import io.understudy.api.ServerName;
import io.understudy.api.ownership.DiskId;
import io.understudy.api.ownership.NodeId;
import io.understudy.config.InvalidConfigurationException.Problem;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every way a configuration can be wrong says where (path, source, line) and why. */
class InvalidConfigurationTest {

    /** Asserts exactly one problem at {@code path} on {@code line} (0: don't check) whose message has every fragment. */
    private static Problem one(InvalidConfigurationException e, String path, int line, String... fragments) {
        assertEquals(1, e.problems().size(), e::getMessage);
        Problem p = e.problems().get(0);
        assertEquals(path, p.path(), e::getMessage);
        assertEquals(path, e.path());
        assertEquals("test.yaml", p.source().replace(".json", ".yaml"), e::getMessage);
        if (line > 0) {
            assertEquals(line, p.line(), e::getMessage);
            assertTrue(p.column() > 0, e::getMessage);
        }
        for (String f : fragments) {
            assertTrue(p.message().contains(f), () -> "expected '" + f + "' in: " + e.getMessage());
        }
        assertTrue(e.getMessage().startsWith("US-1100 " + p.source() + ":"), e::getMessage);
        assertTrue(e.getMessage().contains(path.isEmpty() ? p.message() : path + ": "), e::getMessage);
        return p;
    }

    // ---- unknown keys

    @Test
    void unknownTopLevelKeySuggestsClosest() {
        Problem p = one(failYaml("clinet: {server: FilerA}\n"), "clinet", 1, "unknown key 'clinet'", "did you mean 'client'?",
                "expected one of cluster, naming, transport, ownership, client");
        assertEquals(1, p.column());
        assertEquals("test.yaml:1:1: clinet: " + p.message(), p.describe());
    }

    @Test
    void unknownNestedKeySuggestsClosest() {
        one(failYaml(demoWith("  name: demo", "  name: demo\n  hearbeatInterval: 100ms")),
                "cluster.hearbeatInterval", 3, "did you mean 'heartbeatInterval'?");
        one(failYaml(demoWith("disks: [filera-vol0]", "disk: [filera-vol0]")), "cluster.nodes[0].disk", 7, "did you mean 'disks'?");
        one(failYaml("naming: {Convention: prefix}"), "naming.Convention", 1, "did you mean 'convention'?");
        one(failYaml("client: {server: A, zzz: 1}"), "client.zzz", 1, "unknown key 'zzz'", "expected one of server, primaryPort");
    }

    @Test
    void unknownKeyThatBelongsElsewhereSaysWhere() {
        one(failYaml("missedHeartbeats: 3\n"), "missedHeartbeats", 1, "belongs under cluster");
        one(failYaml("transport: {server: A}\n"), "transport.server", 1, "belongs under client");
    }

    // ---- ports

    @Test
    void portNameWithSpaces() {
        one(failYaml("transport:\n  ports:\n    \"DA FS\": 7000\n"), "transport.ports['DA FS']", 3, "a space", "DAFS, pDAF or vol7");
    }

    @Test
    void portNumberOutOfRange() {
        one(failYaml("transport:\n  ports:\n    DAFS: 70000\n"), "transport.ports.DAFS", 3, "70000 is out of range", "1-65535");
        one(failYaml("transport: {ports: {DAFS: 0}}"), "transport.ports.DAFS", 1, "out of range");
        one(failYaml("transport: {ports: {DAFS: 99999999999999999999999}}"), "transport.ports.DAFS", 1, "out of range");
        one(failYaml("transport: {ports: {DAFS: \"7000\"}}"), "transport.ports.DAFS", 1, "expected a port number", "the text '7000'");
    }

    @Test
    void portNumbersMustDiffer() {
        one(failYaml("transport: {ports: {vol7: 7001}}"), "transport.ports.vol7", 1, "also the number of pDAF");
    }

    @Test
    void clientPortsNeedNumbersAndMustDiffer() {
        one(failYaml("client: {server: A, primaryPort: vol7}"), "client.primaryPort", 1, "no number in transport.ports");
        one(failYaml("client: {server: A, secondaryPort: DAFS}"), "client.secondaryPort", 1, "same as client.primaryPort");
        one(failYaml("client: {server: A, primaryPort: \"DA FS\"}"), "client.primaryPort", 1, "a space");
    }

    // ---- durations and counts

    @Test
    void negativeDurations() {
        one(failYaml("client: {server: A, retryBackoff: -5ms}"), "client.retryBackoff", 1, "'-5ms' is negative", "250ms");
        one(failYaml("client: {server: A, failoverBudget: PT-2S}"), "client.failoverBudget", 1, "negative");
        one(failYaml("transport:\n  connectTimeout: -1s\n"), "transport.connectTimeout", 2, "negative");
    }

    @Test
    void otherBadDurations() {
        one(failYaml(demoWith("  name: demo", "  name: demo\n  heartbeatInterval: 0ms")), "cluster.heartbeatInterval", 3, "must be positive");
        one(failYaml(demoWith("  name: demo", "  name: demo\n  heartbeatInterval: 100")), "cluster.heartbeatInterval", 3, "no unit", "100ms");
        one(failYaml("naming: {cacheTtlCap: soon}"), "naming.cacheTtlCap", 1, "'soon' is not a duration");
        one(failYaml("naming: {cacheTtlCap: NaNs}"), "naming.cacheTtlCap", 1, "not a duration");
        one(failYaml("naming: {cacheTtlCap: 2d}"), "naming.cacheTtlCap", 1, "not a duration");
        one(failYaml("naming: {cacheTtlCap: P2D}"), "naming.cacheTtlCap", 1, "longer than the limit");
        one(failYaml("client: {server: A, retryBackoff: 2s, maxBackoff: 1s}"), "client.maxBackoff", 1, "shorter than client.retryBackoff");
    }

    @Test
    void missedHeartbeatsZero() {
        one(failYaml(demoWith("  name: demo", "  name: demo\n  missedHeartbeats: 0")), "cluster.missedHeartbeats", 3,
                "0 is out of range", "1-1000");
        one(failYaml(demoWith("  name: demo", "  name: demo\n  missedHeartbeats: 2.5")), "cluster.missedHeartbeats", 3,
                "expected a heartbeat count", "the number 2.5");
    }

    // ---- nodes

    @Test
    void invalidNodeName() {
        one(failYaml(demoWith("name: FilerA", "name: Filer_A")), "cluster.nodes[0].name", 4, "'Filer_A' is not a valid node name", "'_'");
        one(failYaml(demoWith("name: FilerA", "name: -FilerA")), "cluster.nodes[0].name", 4, "hyphen");
        one(failYaml(demoWith("name: FilerA", "name: " + "a".repeat(33))), "cluster.nodes[0].name", 4, "33 characters");
        one(failYaml(demoWith("    - name: FilerA\n", "    - label: A\n")), "cluster.nodes[0].name", 4, "is required");
    }

    @Test
    void duplicateNodeNames() {
        one(failYaml(demoWith("name: FilerB", "name: FilerA")), "cluster.nodes[1].name", 8, "already the name of cluster.nodes[0]");
        one(failYaml(demoWith("name: FilerB", "name: filera")), "cluster.nodes[1].name", 8, "ignoring case");
    }

    @Test
    void duplicateOrReservedLabels() {
        one(failYaml(demoWith("name: FilerB", "name: NodeA")), "cluster.nodes[1].label", 8, "already the label of FilerA");
        one(failYaml(demoWith("name: FilerA\n", "name: FilerA\n      label: U\n")), "cluster.nodes[0].label", 5, "unowned");
    }

    @Test
    void aPairHasExactlyTwoNodes() {
        String three = DEMO.replace("client:", """
                    - name: FilerC
                      address: 127.0.0.13
                      interconnect: 127.0.0.13:7100
                client:""");
        one(failYaml(three), "cluster.nodes", 4, "has 3 nodes", "exactly 2");
        one(failYaml("cluster: {nodes: []}"), "cluster.nodes", 1, "has 0 nodes");
        one(failYaml("cluster: {name: demo}"), "cluster.nodes", 1, "is required");
        one(failYaml("cluster:\n  nodes: FilerA\n"), "cluster.nodes", 2, "expected a list of nodes");
    }

    @Test
    void diskOwnedByBothNodes() {
        one(failYaml(demoWith("disks: [filerb-vol0]", "disks: [filera-vol0]")), "cluster.nodes[1].disks[0]", 11,
                "'filera-vol0' is also listed under FilerA", "exactly one owner");
        one(failYaml(demoWith("disks: [filera-vol0]", "disks: [x, filera-vol0, x]")), "cluster.nodes[0].disks[2]", 7, "listed twice");
        one(failYaml(demoWith("disks: [filera-vol0]", "disks: [\"a b\"]")), "cluster.nodes[0].disks[0]", 7, "invalid disk name");
    }

    @Test
    void addressMustBeALiteralIp() {
        for (String bad : List.of("filera.example.com", "127.0.0.256", "127.0.0.011", "127.0.0", "[127.0.0.1]", "::g", "localhost")) {
            one(failYaml(demoWith("address: 127.0.0.11", "address: \"" + bad + "\"")), "cluster.nodes[0].address", 5,
                    "is not a literal IP address", "127.0.0.11");
        }
        one(failYaml(demoWith("address: 127.0.0.12", "address: 127.0.0.11")), "cluster.nodes[1].address", 9, "already the address of FilerA");
    }

    @Test
    void interconnectMustBeHostPort() {
        one(failYaml(demoWith("interconnect: 127.0.0.12:7100", "interconnect: 127.0.0.12:71000")), "cluster.nodes[1].interconnect", 10,
                "not a port number", "127.0.0.11:7100");
        one(failYaml(demoWith("interconnect: 127.0.0.12:7100", "interconnect: filerb:7100")), "cluster.nodes[1].interconnect", 10,
                "not a literal IP");
        one(failYaml(demoWith("interconnect: 127.0.0.12:7100", "interconnect: \"::1:7100\"")), "cluster.nodes[1].interconnect", 10,
                "brackets");
        one(failYaml(demoWith("interconnect: 127.0.0.12:7100", "interconnect: 127.0.0.12")), "cluster.nodes[1].interconnect", 10,
                "has no port");
        one(failYaml(demoWith("interconnect: 127.0.0.12:7100", "interconnect: 127.0.0.11:7100")), "cluster.nodes[1].interconnect", 10,
                "already the interconnect endpoint of FilerA");
        one(failYaml(demoWith("interconnect: 127.0.0.11:7100", "interconnect: 127.0.0.11:7001")), "cluster.nodes[0].interconnect", 6,
                "also the pDAF data-access port");
    }

    // ---- naming

    @Test
    void badConvention() {
        one(failYaml("naming:\n  convention: sufix\n"), "naming.convention", 2, "'sufix' is not one of suffix, prefix, template",
                "did you mean 'suffix'?");
        one(failYaml("naming: {convention: SUFFIX}"), "naming.convention", 1, "did you mean 'suffix'?");
        one(failYaml("naming: {convention: custom}"), "naming.convention", 1, "not one of");
    }

    @Test
    void templateWithoutName() {
        one(failYaml("naming: {convention: template, value: \"fo-x\"}"), "naming.value", 1, "{name} exactly once");
        one(failYaml("naming: {convention: suffix, value: \"_fo\"}"), "naming.value", 1, "'_'");
    }

    @Test
    void conventionMustGiveValidNames() {
        String longName = "a".repeat(60);
        one(failYaml("client: {server: " + longName + "}"), "client.server", 1, "cannot derive a failover name", "63");
        one(failYaml("client: {server: \"filer a\"}"), "client.server", 1, "invalid server name");
    }

    @Test
    void resolverAndProviderIdsAreWellFormed() {
        one(failYaml("transport: {provider: TCP}"), "transport.provider", 1, "'TCP' is not a provider id", "lower-case");
        one(failYaml("ownership: {provider: \"\"}"), "ownership.provider", 1, "not a provider id");
        one(failYaml("naming: {resolvers: [hosts, \"Bad Id\"]}"), "naming.resolvers[1]", 1, "not a provider id");
        one(failYaml("naming: {resolvers: [hosts, dns, hosts]}"), "naming.resolvers[2]", 1, "listed twice");
        one(failYaml("naming: {resolvers: []}"), "naming.resolvers", 1, "at least one");
        one(failYaml("naming: {resolvers: hosts}"), "naming.resolvers", 1, "expected a list");
        one(failYaml(demoWith("  name: demo", "  interconnect: {transport: \"v i\"}")), "cluster.interconnect.transport", 2,
                "not a provider id");
    }

    @Test
    void interconnectAuthenticationKeys() {
        one(failYaml(demoWith("  name: demo", "  interconnect: {authentication: hmac-sha265}")), "cluster.interconnect.authentication", 2,
                "'hmac-sha265' is not one of hmac-sha256, none", "did you mean 'hmac-sha256'?");
        one(failYaml(demoWith("  name: demo", "  interconnect: {maxClockSkew: 0s}")), "cluster.interconnect.maxClockSkew", 2,
                "positive");
        one(failYaml(demoWith("  name: demo", "  interconnect: {keyFile: \"\"}")), "cluster.interconnect.keyFile", 2,
                "is empty", "cluster.key");
        one(failYaml(demoWith("  name: demo", "  interconnect: {keyfile: a.key}")), "cluster.interconnect.keyfile", 2,
                "did you mean 'keyFile'?");
    }

    @Test
    void optionNamesAndValues() {
        one(failYaml("naming: {options: {file: /etc/hosts}}"), "naming.options.file", 1, "not an option name", "hosts.file");
        one(failYaml("naming: {options: {hosts.file: [a]}}"), "naming.options['hosts.file']", 1, "expected the option's value as text");
        one(failYaml("transport: {options: [a]}"), "transport.options", 1, "expected a mapping of option name");
    }

    // ---- structure and syntax

    @Test
    void malformedYamlTabIndentation() {
        Problem p = one(failYaml("client:\n\tserver: FilerA\n"), "", 2, "malformed YAML", "tabs");
        assertEquals(1, p.column());
    }

    @Test
    void malformedYamlUnclosedBracket() {
        Problem p = one(failYaml("naming:\n  resolvers: [hosts, dns\nclient: {server: A}\n"), "", 0, "malformed YAML");
        assertTrue(p.line() >= 2, p::describe);
        one(failYaml("client: {server: FilerA\n"), "", 0, "malformed YAML", "expected ',' or '}'");
    }

    @Test
    void malformedJsonHasLine() {
        one(failJson("{\n  \"client\": {\"server\": \"A\",}\n}"), "", 2, "malformed JSON");
        one(failJson("{\"client\": {\"server\": \"A\"}} // comment"), "", 1, "malformed JSON");
    }

    @Test
    void emptyFile() {
        one(failYaml(""), "", 0, "the configuration is empty", "{}");
        one(failYaml("# nothing here\n\n"), "", 0, "is empty");
        one(failJson(""), "", 0, "is empty");
    }

    @Test
    void topLevelMustBeAMapping() {
        one(failYaml("- client\n"), "", 1, "the top level is a list", "expected a mapping");
        one(failYaml("---\n"), "", 0, "the top level is no value");
        one(failYaml("hello\n"), "", 1, "the top level is the text 'hello'");
    }

    @Test
    void nullValuesAreRejected() {
        one(failYaml("client:\n  server:\n"), "client.server", 2, "expected text, got no value");
        one(failYaml("naming:\n"), "naming", 1, "expected a mapping, got no value", "remove the key");
        one(failYaml("client: {server: A, maxBackoff: ~}"), "client.maxBackoff", 1, "remove the key to use the default 1s");
    }

    @Test
    void duplicateKeysAliasesAndDocuments() {
        one(failYaml("client: {server: A}\nclient: {server: B}\n"), "client", 2, "appears twice", "first at line 1");
        one(failYaml("naming: {value: &v -x}\nclient: {server: *v}\n"), "client.server", 2, "aliases");
        one(failYaml("{}\n---\n{}\n"), "", 0, "more than one YAML document");
        one(failJson("{\"a\": 1, \"a\": 2}"), "a", 1, "appears twice");
    }

    @Test
    void absurdNestingIsRejectedNotOverflowed() {
        for (InvalidConfigurationException e : List.of(failYaml("client: " + "[".repeat(200) + "]".repeat(200) + "\n"),
                failJson("{\"client\": " + "[".repeat(5000) + "]".repeat(5000) + "}"))) {
            assertEquals(1, e.problems().size());
            assertTrue(e.path().startsWith("client[0][0]"), e::getMessage);
            assertTrue(e.getMessage().contains("nests deeper than"), e::getMessage);
        }
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        InvalidConfigurationException e = failYaml("""
                cluster:
                  hearbeatInterval: 1s
                  nodes: []
                transport:
                  ports: {DAFS: 70000}
                client:
                  server: FilerA
                  maxBackoff: -1s
                """);
        assertEquals(List.of("cluster.hearbeatInterval", "transport.ports.DAFS", "client.maxBackoff"),
                e.problems().stream().map(Problem::path).toList(), e::getMessage);
        assertEquals(List.of(2, 5, 8), e.problems().stream().map(Problem::line).toList());
        assertTrue(e.getMessage().startsWith("US-1100 3 problems in test.yaml:\n  test.yaml:2:3: cluster.hearbeatInterval: "), e::getMessage);
    }

    // ---- built in code

    @Test
    void recordsValidateWhenBuiltInCode() {
        InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class, () -> new ClientConfig(ServerName.of("A"),
                DataAccessPort.DAFS, DataAccessPort.PDAF, -1, Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(1)));
        assertEquals("client.primaryRetries", e.path());
        assertNull(e.problems().get(0).source());
        assertEquals(0, e.problems().get(0).line());
        assertEquals("client.primaryRetries: -1 is out of range; expected a retry count 0-100", e.problems().get(0).describe());

        InetAddress lo = InetAddress.getLoopbackAddress();
        InvalidConfigurationException n = assertThrows(InvalidConfigurationException.class, () -> new NodeConfig(NodeId.of("FilerA"),
                lo, new InetEndpoint(lo, 7100), List.of(DiskId.of("d"), DiskId.of("d"))));
        assertEquals("disks[1]", n.path());
        assertThrows(InvalidConfigurationException.class, () -> new NodeConfig(NodeId.of("FilerA"), lo, InetEndpoint.of(lo), List.of()));
        assertThrows(InvalidConfigurationException.class, () -> new NodeConfig(new NodeId("Filer_A", "A"), lo, new InetEndpoint(lo, 1), List.of()));
        assertThrows(InvalidConfigurationException.class, () -> new InterconnectConfig("TCP"));
        assertThrows(InvalidConfigurationException.class, () -> new OwnershipConfig(java.util.Optional.empty(), java.util.Map.of("x", "y")));
    }
}
