package io.understudy.config;

import static io.understudy.config.Configs.json;
import static io.understudy.config.Configs.yaml;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.DataAccessPort;
import io.understudy.api.FailoverNaming;
import io.understudy.api.InetEndpoint;
import io.understudy.api.ServerName;
import io.understudy.api.ownership.DiskId;
import io.understudy.api.ownership.NodeId;
import io.understudy.api.spi.Option;
import io.understudy.api.spi.ProviderContext;
import java.io.StringReader;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeploymentConfigTest {

    @Test
    void emptyMappingIsEveryDefaultWithNeitherClusterNorClient() {
        DeploymentConfig c = yaml("{}");
        assertEquals(DeploymentConfig.defaults(), c);
        assertTrue(c.cluster().isEmpty());
        assertTrue(c.client().isEmpty());
        assertEquals(FailoverNaming.suffix("-failover"), c.naming().convention());
        assertEquals(List.of("hosts"), c.naming().resolvers());
        assertEquals(NamingConfig.OnNotFound.NEXT, c.naming().onNotFound());
        assertEquals(Duration.ofSeconds(30), c.naming().cacheTtlCap());
        assertEquals(Duration.ofSeconds(2), c.naming().negativeTtl());
        assertEquals(Optional.empty(), c.transport().provider());
        assertEquals(Map.of(DataAccessPort.DAFS, 7000, DataAccessPort.PDAF, 7001), c.transport().ports());
        assertEquals(Duration.ofSeconds(2), c.transport().connectTimeout());
        assertEquals(Duration.ofSeconds(5), c.transport().requestTimeout());
        assertEquals(Optional.empty(), c.ownership().provider());
        assertEquals(yaml("# just a comment\n{}\n"), c);
        assertEquals(json("{}"), c);
    }

    @Test
    void tinyClientConfigTakesEveryOtherDefault() {
        DeploymentConfig c = yaml("client: {server: FilerA}");
        ClientConfig client = c.client().orElseThrow();
        assertEquals(ClientConfig.of(ServerName.of("FilerA")), client);
        assertEquals(DataAccessPort.DAFS, client.primaryPort());
        assertEquals(DataAccessPort.PDAF, client.secondaryPort());
        assertEquals(2, client.primaryRetries());
        assertEquals(Duration.ofMillis(50), client.retryBackoff());
        assertEquals(Duration.ofSeconds(1), client.maxBackoff());
        assertEquals(Duration.ofSeconds(30), client.failoverBudget());
        assertEquals(ServerName.of("FilerA-failover"), c.naming().convention().failoverName(client.server()));
    }

    @Test
    void clusterBecomesNodeIdsWithLabelsAndDiskIds() {
        ClusterConfig cl = yaml(Configs.DEMO).cluster().orElseThrow();
        assertEquals("demo", cl.name());
        assertEquals(List.of(new NodeId("FilerA", "A"), new NodeId("FilerB", "B")), cl.nodeIds());
        NodeConfig a = cl.nodes().get(0);
        assertEquals("A", a.label());
        assertEquals(ServerName.of("FilerA"), a.serverName());
        assertEquals(List.of(DiskId.of("filera-vol0")), a.disks());
        assertEquals(List.of(DiskId.of("filera-vol0"), DiskId.of("filerb-vol0")), cl.disks());
        assertEquals(Optional.of(new NodeId("FilerB", "B")), cl.ownerOf(DiskId.of("filerb-vol0")));
        assertEquals(Optional.empty(), cl.ownerOf(DiskId.of("nope")));
        assertEquals("FilerB", cl.partnerOf(a.id()).name());
        assertEquals("FilerA", cl.partnerOf(new NodeId("FilerB", "B")).name());
        assertEquals(Optional.of(a), cl.node("filera"));
        assertThrows(IllegalArgumentException.class, () -> cl.node(NodeId.of("FilerC")));
        assertEquals(Duration.ofMillis(500), cl.failureDetectionTime());
        assertEquals(InetEndpoint.of(a.address()).address(), a.interconnect().address());
        assertEquals(7100, a.interconnect().port());
        assertEquals("tcp", cl.interconnect().transport());
        assertEquals(InterconnectConfig.Authentication.HMAC_SHA256, cl.interconnect().authentication(), "secure by default");
        assertEquals(java.util.Optional.empty(), cl.interconnect().keyFile());
        assertEquals(java.time.Duration.ofSeconds(30), cl.interconnect().maxClockSkew());
    }

    @Test
    void explicitLabelsAndIpv6() throws Exception {
        DeploymentConfig c = yaml(Configs.DEMO
                .replace("name: FilerA\n", "name: FilerA\n      label: FA\n")
                .replace("address: 127.0.0.12", "address: \"::1\"")
                .replace("interconnect: 127.0.0.12:7100", "interconnect: \"[::1]:7100\""));
        NodeConfig b = c.cluster().orElseThrow().nodes().get(1);
        assertEquals("FA", c.cluster().orElseThrow().nodes().get(0).label());
        assertEquals(InetAddress.getByName("::1"), b.address());
        assertEquals(new InetEndpoint(InetAddress.getByName("::1"), 7100), b.interconnect());
    }

    @Test
    void transportBecomesProviderContextWithPortNumbersAndTextOptions() {
        DeploymentConfig c = yaml("""
                transport:
                  provider: tcp
                  ports: {DAFS: 8000, vol7: 8010}
                  options: {tcp.maxFrameSize: "16777216", tcp.noDelay: true}
                """);
        TransportConfig t = c.transport();
        assertEquals(Optional.of("tcp"), t.provider());
        assertEquals(List.of(DataAccessPort.DAFS, DataAccessPort.PDAF, DataAccessPort.of("vol7")), List.copyOf(t.ports().keySet()));
        ProviderContext ctx = t.providerContext("FilerA");
        assertEquals(OptionalInt.of(8000), ctx.portNumber(DataAccessPort.DAFS));
        assertEquals(OptionalInt.of(7001), ctx.portNumber(DataAccessPort.PDAF));
        assertEquals(OptionalInt.of(8010), ctx.portNumber(DataAccessPort.of("vol7")));
        assertEquals(Optional.of("FilerA"), ctx.nodeName());
        assertEquals(16777216, ctx.option(Option.integer("tcp.maxFrameSize", 1024, "max frame")));
        assertEquals(Boolean.TRUE, ctx.option(Option.bool("tcp.noDelay", false, "no delay")));
        assertEquals(Map.of("tcp.maxFrameSize", "16777216", "tcp.noDelay", "true"), t.providerContext().settings());
        assertEquals(OptionalInt.empty(), t.portNumber(DataAccessPort.of("vol8")));
    }

    @Test
    void ownershipAndNamingBecomeProviderContexts() {
        DeploymentConfig c = yaml("""
                ownership: {provider: file, options: {file.directory: /var/lib/understudy/disks}}
                naming: {resolvers: [hosts, dns], onNotFound: fail, options: {hosts.file: /etc/hosts, dns.server: "127.0.0.1:5353"}}
                """);
        assertEquals(Optional.of("file"), c.ownership().provider());
        ProviderContext own = c.ownership().providerContext("FilerB");
        assertEquals("/var/lib/understudy/disks", own.option(Option.string("file.directory", "/tmp", "dir")));
        assertEquals(Optional.of("FilerB"), own.nodeName());
        assertTrue(own.portNumbers().isEmpty());
        assertEquals(List.of("hosts", "dns"), c.naming().resolvers());
        assertEquals(NamingConfig.OnNotFound.FAIL, c.naming().onNotFound());
        assertEquals("127.0.0.1:5353", c.naming().providerContext().settings().get("dns.server"));
    }

    @Test
    void conventionsSuffixPrefixTemplate() {
        ServerName a = ServerName.of("filera.example.com");
        assertEquals("filera-ha.example.com",
                yaml("naming: {convention: suffix, value: -ha}").naming().convention().failoverName(a).value());
        assertEquals("failover-filera.example.com",
                yaml("naming: {convention: prefix}").naming().convention().failoverName(a).value());
        assertEquals("fo-filera-b.example.com",
                yaml("naming: {convention: template, value: \"fo-{name}-b\"}").naming().convention().failoverName(a).value());
        assertEquals(FailoverNaming.template("{name}-failover"), yaml("naming: {convention: template}").naming().convention());
    }

    @Test
    void durationForms() {
        ClientConfig c = yaml("client: {server: s, retryBackoff: 0ms, maxBackoff: 1.5s, failoverBudget: PT1M}").client().orElseThrow();
        assertEquals(Duration.ZERO, c.retryBackoff());
        assertEquals(Duration.ofMillis(1500), c.maxBackoff());
        assertEquals(Duration.ofMinutes(1), c.failoverBudget());
    }

    @Test
    void jsonVariantWorks() {
        DeploymentConfig fromJson = json("""
                {"cluster": {"name": "demo", "nodes": [
                   {"name": "FilerA", "address": "127.0.0.11", "interconnect": "127.0.0.11:7100", "disks": ["filera-vol0"]},
                   {"name": "FilerB", "address": "127.0.0.12", "interconnect": "127.0.0.12:7100", "disks": ["filerb-vol0"]}]},
                 "client": {"server": "FilerA"}}
                """);
        assertEquals(yaml(Configs.DEMO), fromJson);
        assertEquals(yaml("client: {server: FilerA}"),
                DeploymentConfig.read(new StringReader("{\"client\":{\"server\":\"FilerA\"}}"), "no-extension", ConfigFormat.JSON));
        assertEquals(ConfigFormat.JSON, ConfigFormat.forSourceName("/etc/understudy/Demo.JSON"));
        assertEquals(ConfigFormat.YAML, ConfigFormat.forSourceName("demo.yml"));
        assertEquals(ConfigFormat.YAML, ConfigFormat.forSourceName("demo"));
    }

    @Test
    void loadsFilesByExtension(@TempDir Path dir) throws Exception {
        Path y = Files.writeString(dir.resolve("understudy.yaml"), Configs.DEMO);
        Path j = Files.writeString(dir.resolve("understudy.json"), "{\"client\": {\"server\": \"FilerA\"}}");
        assertEquals(yaml(Configs.DEMO), DeploymentConfig.load(y));
        assertEquals(yaml("client: {server: FilerA}"), DeploymentConfig.load(j));
        Path bad = Files.writeString(dir.resolve("bad.json"), "client: {server: FilerA}");
        InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class, () -> DeploymentConfig.load(bad));
        assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("malformed JSON"), e.getMessage());
        InvalidConfigurationException missing = assertThrows(InvalidConfigurationException.class,
                () -> DeploymentConfig.load(dir.resolve("nope.yaml")));
        assertTrue(missing.getMessage().contains("cannot read"), missing.getMessage());
        assertTrue(missing.getMessage().contains("nope.yaml"), missing.getMessage());
    }

    @Test
    void providerIdsAreCheckedForFormNotExistence() {
        assertEquals(Optional.of("no-such-transport"), yaml("transport: {provider: no-such-transport}").transport().provider());
        assertEquals(Optional.of("x9"), yaml("ownership: {provider: x9}").ownership().provider());
    }

    @Test
    void recordsAreImmutable() {
        DeploymentConfig c = yaml(Configs.DEMO + "naming: {options: {hosts.file: /h}}\n");
        assertThrows(UnsupportedOperationException.class, () -> c.cluster().orElseThrow().nodes().clear());
        assertThrows(UnsupportedOperationException.class, () -> c.transport().ports().clear());
        assertThrows(UnsupportedOperationException.class, () -> c.naming().options().clear());
        assertThrows(UnsupportedOperationException.class, () -> c.cluster().orElseThrow().nodes().get(0).disks().clear());
        assertFalse(c.naming().options().isEmpty());
    }

    @Test
    void interconnectAuthenticationIsBound() {
        InterconnectConfig ic = Configs.yaml(Configs.demoWith("  name: demo",
                "  interconnect: {authentication: none, keyFile: keys/cluster.key, maxClockSkew: 5s}")).cluster().orElseThrow().interconnect();
        assertEquals(InterconnectConfig.Authentication.NONE, ic.authentication());
        assertEquals(Optional.of(java.nio.file.Path.of("keys/cluster.key")), ic.keyFile());
        assertEquals(Duration.ofSeconds(5), ic.maxClockSkew());
        assertEquals("hmac-sha256", InterconnectConfig.Authentication.HMAC_SHA256.configName());
    }
}
