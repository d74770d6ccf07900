package io.understudy.ownership.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.api.ownership.OwnershipProvider;
import io.understudy.api.ownership.OwnershipRegistry;
import io.understudy.ownership.file.discovery.DiscoveryMain;
import java.io.File;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The provider is found on the class path (through {@code META-INF/services}) and on the module path
 * (through {@code provides} in module-info), each proved in a child JVM that has only that path.
 */
class DiscoveryTest {

    @TempDir
    Path dir;

    @Test
    void theRegistryFindsAndSelectsTheFileProvider() {
        OwnershipRegistry r = OwnershipRegistry.load(FileOwnershipProvider.class.getClassLoader());
        assertTrue(r.failures().isEmpty(), r.failures().toString());
        OwnershipProvider p = r.providers().stream().filter(x -> x.id().equals("file")).findFirst().orElseThrow();
        assertEquals(FileOwnershipProvider.class, p.getClass());
        assertEquals("file", r.select(null).id());
        UnderstudyException e = org.junit.jupiter.api.Assertions.assertThrows(UnderstudyException.class, () -> r.select("iscsi"));
        assertEquals(ErrorCode.NO_PROVIDER, e.code());
        assertTrue(e.getMessage().contains("understudy-impl-ownership-file"), e.getMessage());
    }

    @Test
    void onTheClassPath() throws Exception {
        List<String> out = run(List.of("-cp", ChildJvm.fullClassPath(), DiscoveryMain.class.getName()));
        assertEquals(List.of(
                "provider file io.understudy.ownership.file.FileOwnershipProvider unnamed available",
                "selected file", "by property file", "iscsi NO_PROVIDER"), out);
    }

    @Test
    void onTheModulePath() throws Exception {
        String modules = ChildJvm.location(FileOwnershipProvider.class) + File.pathSeparator
                + ChildJvm.location(OwnershipProvider.class);
        List<String> out = run(List.of("--module-path", modules, "--add-modules", "io.understudy.ownership.file",
                "-cp", ChildJvm.location(DiscoveryMain.class), DiscoveryMain.class.getName()));
        assertEquals(List.of(
                "provider file io.understudy.ownership.file.FileOwnershipProvider io.understudy.ownership.file available",
                "selected file", "by property file", "iscsi NO_PROVIDER"), out);
    }

    private List<String> run(List<String> args) throws Exception {
        List<String> cmd = ChildJvm.javaCommand();
        cmd.addAll(args);
        try (ChildJvm child = ChildJvm.start(dir.resolve("discovery.err"), cmd)) {
            List<String> out = child.drain();
            assertEquals(0, child.exitCode(), "child failed: " + out + "\n" + child.stderr());
            return out;
        }
    }
}
