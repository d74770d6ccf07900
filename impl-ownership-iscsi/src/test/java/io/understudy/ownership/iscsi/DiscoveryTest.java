package io.understudy.ownership.iscsi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.ownership.OwnershipProvider;
import io.understudy.ownership.iscsi.discovery.DiscoveryMain;
import java.io.File;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The provider is found on the class path ({@code META-INF/services}) and on the module path
 * ({@code provides} in module-info), each in a child JVM with only that path and native access granted to
 * the right name; where libiscsi is installed it is available in both.
 */
class DiscoveryTest {

    private static String location(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> run(List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xshare:auto", "-XX:TieredStopAtLevel=1"));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child timed out: " + cmd);
        assertEquals(0, p.exitValue(), "child failed: " + cmd + "\n" + out);
        return out.lines().toList();
    }

    private static String expectedAvailability() {
        return LibIscsi.availability().isAvailable() ? "available" : "unavailable";
    }

    @Test
    void onTheClassPath() throws Exception {
        String cp = location(IscsiOwnershipProvider.class) + File.pathSeparator + location(OwnershipProvider.class)
                + File.pathSeparator + location(DiscoveryMain.class);
        List<String> out = run(List.of("--enable-native-access=ALL-UNNAMED", "-cp", cp, DiscoveryMain.class.getName()));
        assertEquals(List.of("provider iscsi io.understudy.ownership.iscsi.IscsiOwnershipProvider unnamed " + expectedAvailability(),
                "selected iscsi"), LibIscsi.availability().isAvailable() ? out : out.subList(0, 1));
    }

    @Test
    void onTheModulePath() throws Exception {
        String modules = location(IscsiOwnershipProvider.class) + File.pathSeparator + location(OwnershipProvider.class);
        List<String> out = run(List.of("--enable-native-access=io.understudy.ownership.iscsi", "--module-path", modules,
                "--add-modules", "io.understudy.ownership.iscsi", "-cp", location(DiscoveryMain.class), DiscoveryMain.class.getName()));
        assertEquals(List.of("provider iscsi io.understudy.ownership.iscsi.IscsiOwnershipProvider io.understudy.ownership.iscsi "
                + expectedAvailability(), "selected iscsi"), LibIscsi.availability().isAvailable() ? out : out.subList(0, 1));
    }
}
