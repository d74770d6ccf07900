package io.understudy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeploymentTest {

    @TempDir
    Path dir;

    @Test
    void anUnknownTransportInTheConfigurationIsNamedWithItsKeyAndFile() throws Exception {
        Path cfg = dir.resolve("pair.yaml");
        Files.writeString(cfg, "transport:\n  provider: carrier-pigeon\n");
        UnderstudyException e = assertThrows(UnderstudyException.class, () -> Deployment.load(cfg).clientTransport());
        assertEquals(ErrorCode.NO_PROVIDER, e.code());
        assertTrue(e.getMessage().contains(cfg + ": transport.provider: no transport provider has id 'carrier-pigeon'"), e.getMessage());
        assertTrue(e.getMessage().contains("tcp (priority 5"), "the error lists what is installed: " + e.getMessage());
    }

    @Test
    void anUnknownResolverIsNamedWithItsKey() throws Exception {
        Path cfg = dir.resolve("client.json");
        Files.writeString(cfg, "{\"naming\": {\"resolvers\": [\"hosts\", \"ldap\"]}}");
        UnderstudyException e = assertThrows(UnderstudyException.class, () -> Deployment.load(cfg).resolvers());
        assertTrue(e.getMessage().contains("naming.resolvers: no name resolver provider has id 'ldap'"), e.getMessage());
    }

    @Test
    void theCommandLineReportsBadConfigurationWithPathAndLineAndExitsNonZero() throws Exception {
        Path cfg = dir.resolve("bad.yaml");
        Files.writeString(cfg, "transport:\n  ports:\n    DA FS: 7000\n");
        PrintStream err = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        int rc;
        try {
            rc = Main.run("status", "--config", cfg.toString());
        } finally {
            System.setErr(err);
        }
        String text = buf.toString(StandardCharsets.UTF_8);
        assertEquals(2, rc, text);
        assertTrue(text.contains("transport.ports['DA FS']"), text);
        assertTrue(text.contains("bad.yaml:3:5"), "file, line and column: " + text);
    }
}
