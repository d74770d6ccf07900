package io.understudy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.cluster.InterconnectSecurity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a deployment finds and checks the interconnect key: secure by default, clear errors naming the file. */
class InterconnectKeyTest {

    @TempDir
    Path dir;

    private Path config(String interconnect) throws Exception {
        Path cfg = dir.resolve("pair.yaml");
        Files.writeString(cfg, """
                cluster:
                  %s
                  nodes:
                    - {name: FilerA, address: 127.0.0.11, interconnect: "127.0.0.11:7100"}
                    - {name: FilerB, address: 127.0.0.12, interconnect: "127.0.0.12:7100"}
                """.formatted(interconnect));
        return cfg;
    }

    private Path key(String name, String text, String perms) throws Exception {
        Path k = dir.resolve(name);
        Files.writeString(k, text);
        Files.setPosixFilePermissions(k, PosixFilePermissions.fromString(perms));
        return k;
    }

    @Test
    void hmacIsTheDefaultAndNeedsAKeyFile() throws Exception {
        Path cfg = config("name: demo");
        UnderstudyException e = assertThrows(UnderstudyException.class, () -> Deployment.load(cfg).security());
        assertEquals(ErrorCode.INVALID_CONFIGURATION, e.code());
        assertTrue(e.getMessage().contains(cfg + ": cluster.interconnect.keyFile is required"), e.getMessage());
        assertTrue(e.getMessage().contains("head -c 32 /dev/urandom | base64 > cluster.key"), e.getMessage());
        UnderstudyException admin = assertThrows(UnderstudyException.class, () -> Deployment.load(cfg).adminTransport());
        assertEquals(ErrorCode.INVALID_CONFIGURATION, admin.code());
    }

    @Test
    void aRelativeKeyFileIsReadNextToTheConfiguration() throws Exception {
        key("cluster.key", Base64.getEncoder().encodeToString(new byte[48]) + "\n", "rw-------");
        InterconnectSecurity s = Deployment.load(config("interconnect: {keyFile: cluster.key, maxClockSkew: 5s}")).security();
        assertTrue(s.enabled());
        assertEquals(java.time.Duration.ofSeconds(5), s.maxClockSkew());
        assertFalse(Deployment.load(config("interconnect: {authentication: none}")).security().enabled());
    }

    @Test
    void badKeysAreRefusedNamingTheFileAndTheReason() throws Exception {
        Path shortKey = key("short.key", Base64.getEncoder().encodeToString(new byte[16]), "rw-------");
        UnderstudyException e = assertThrows(UnderstudyException.class,
                () -> Deployment.load(config("interconnect: {keyFile: short.key}")).security());
        assertEquals(ErrorCode.INVALID_CONFIGURATION, e.code());
        assertTrue(e.getMessage().contains(shortKey + " holds a key of 16 bytes; expected at least 32"), e.getMessage());

        Path notBase64 = key("text.key", "correct horse battery staple, correct horse battery staple!", "rw-------");
        e = assertThrows(UnderstudyException.class, () -> Deployment.load(config("interconnect: {keyFile: text.key}")).security());
        assertTrue(e.getMessage().contains(notBase64 + " is not base64"), e.getMessage());

        e = assertThrows(UnderstudyException.class, () -> Deployment.load(config("interconnect: {keyFile: missing.key}")).security());
        assertTrue(e.getMessage().contains("cannot read the interconnect key file " + dir.resolve("missing.key")), e.getMessage());
    }

    @Test
    void aKeyOthersCanReadIsUsedWithAWarning() throws Exception {
        Path k = key("open.key", Base64.getEncoder().encodeToString(new byte[32]), "rw-r--r--");
        StringBuilder warned = new StringBuilder();
        InterconnectSecurity s = InterconnectSecurity.fromKeyFile(k, java.time.Duration.ofSeconds(30), warned::append);
        assertTrue(s.enabled());
        assertTrue(warned.toString().contains("can be read by its group or by others") && warned.toString().contains("chmod 600"),
                warned.toString());
        StringBuilder quiet = new StringBuilder();
        InterconnectSecurity.fromKeyFile(key("closed.key", Base64.getEncoder().encodeToString(new byte[32]), "rw-------"),
                java.time.Duration.ofSeconds(30), quiet::append);
        assertEquals("", quiet.toString());
    }
}
