package io.understudy.spi.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.spi.Provider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Discovery with a zoo of misbehaving providers (constructor throws, class missing, unavailable, two with
 * equal priority, a bad id), compiled at test time and loaded in a child JVM twice: from the class path
 * (META-INF/services) and from the module path (module-info {@code provides}). Both must give the same,
 * loud, complete answer.
 */
class DiscoveryZooTest {

    @TempDir
    static Path tmp;

    static final Map<String, String> ZOO = Map.of(
            "Good", provider("Good", "\"good\"", "5", "Availability.available()", ""),
            "TieB", provider("TieB", "\"tie-b\"", "7", "Availability.available()", ""),
            "TieA", provider("TieA", "\"tie-a\"", "7", "Availability.available()", ""),
            "Off", provider("Off", "\"off\"", "9", "Availability.unavailable(\"no VI NIC; load the vi emulation\")", ""),
            "Throws", provider("Throws", "\"throws\"", "5", "Availability.available()",
                    "public Throws() { throw new IllegalStateException(\"boom in constructor\"); }"),
            "BadId", provider("BadId", "\"Bad Id!\"", "5", "Availability.available()", ""),
            "Missing", provider("Missing", "\"missing\"", "5", "Availability.available()", ""));

    static final String MAIN = """
            package zoo;
            import io.understudy.spi.transport.*;
            import io.understudy.api.*;
            public class Main {
                public static void main(String[] a) {
                    TransportRegistry r = TransportRegistry.getDefault();
                    for (TransportProvider p : r.providers()) System.out.println("provider " + p.id());
                    for (var f : r.failures()) System.out.println("failure " + f.className() + " :: " + f);
                    System.out.println("auto " + r.select(null, null).id());
                    try { r.select("off", null); } catch (UnderstudyException e) { System.out.println("off " + e.code() + " " + e.getMessage()); }
                    try { r.select("nope", InetEndpoint.class); } catch (UnderstudyException e) { System.out.println("nope " + e.code() + " " + e.getMessage()); }
                    System.setProperty(TransportRegistry.PROPERTY, "good");
                    System.out.println("property " + r.select(null, null).id());
                }
            }
            """;

    static String provider(String cls, String id, String prio, String availability, String ctor) {
        return """
                package zoo;
                import io.understudy.api.*;
                import io.understudy.api.spi.*;
                import io.understudy.spi.transport.*;
                import java.time.Duration;
                import java.util.Set;
                public class %s extends TransportProvider {
                    %s
                    @Override public String id() { return %s; }
                    @Override public int priority() { return %s; }
                    @Override public Availability availability() { return %s; }
                    @Override public Set<Class<? extends Endpoint>> endpointTypes() { return Set.of(ViEndpoint.class); }
                    @Override public Transport open(ProviderContext c) { throw new UnsupportedOperationException(); }
                }
                """.formatted(cls, ctor, id, prio, availability);
    }

    static String sdkPath;
    static Path classPathZoo;
    static Path modulePathZoo;

    @BeforeAll
    static void compileZoo() throws Exception {
        sdkPath = location(Provider.class) + java.io.File.pathSeparator + location(TransportProvider.class);
        Path src = tmp.resolve("src/zoo");
        Files.createDirectories(src);
        for (var e : ZOO.entrySet()) {
            Files.writeString(src.resolve(e.getKey() + ".java"), e.getValue());
        }
        Files.writeString(src.resolve("Main.java"), MAIN);
        List<String> sources = new ArrayList<>();
        try (var s = Files.list(src)) {
            s.forEach(p -> sources.add(p.toString()));
        }
        String providers = "zoo.Good, zoo.TieB, zoo.TieA, zoo.Off, zoo.Throws, zoo.BadId, zoo.Missing";

        classPathZoo = tmp.resolve("cp");
        List<String> cp = new ArrayList<>(List.of(javac(), "-d", classPathZoo.toString(), "-cp", sdkPath));
        cp.addAll(sources);
        run(cp);
        Path services = classPathZoo.resolve("META-INF/services/" + TransportProvider.class.getName());
        Files.createDirectories(services.getParent());
        Files.writeString(services, "# the zoo\n" + providers.replace(", ", "\n") + "\n");
        Files.delete(classPathZoo.resolve("zoo/Missing.class"));

        modulePathZoo = tmp.resolve("mp");
        Path moduleInfo = tmp.resolve("src/module-info.java");
        Files.writeString(moduleInfo, "module zoo { requires io.understudy.spi.transport; provides "
                + TransportProvider.class.getName() + " with " + providers + "; }");
        List<String> mp = new ArrayList<>(List.of(javac(), "-d", modulePathZoo.toString(), "--module-path", sdkPath,
                moduleInfo.toString()));
        mp.addAll(sources);
        run(mp);
        Files.delete(modulePathZoo.resolve("zoo/Missing.class"));
    }

    @Test
    void classPath() throws Exception {
        String out = run(List.of(java(), "-cp", sdkPath + java.io.File.pathSeparator + classPathZoo, "zoo.Main"));
        assertZoo(out);
    }

    @Test
    void modulePath() throws Exception {
        String out = run(List.of(java(), "--module-path", sdkPath + java.io.File.pathSeparator + modulePathZoo,
                "-m", "zoo/zoo.Main"));
        assertZoo(out);
    }

    private static void assertZoo(String out) {
        List<String> providers = out.lines().filter(l -> l.startsWith("provider ")).toList();
        // Sorted by priority, then id: the unavailable one is listed (it loaded), the ties in id order.
        assertEquals(List.of("provider off", "provider tie-a", "provider tie-b", "provider good"), providers, out);
        assertTrue(out.contains("failure zoo.Throws"), out);
        assertTrue(out.contains("boom in constructor"), out);
        assertTrue(out.contains("failure zoo.Missing"), out);
        assertTrue(out.contains("failure zoo.BadId"), out);
        assertTrue(out.contains("'Bad Id!' is not 1-32 lower-case letters"), out);
        assertTrue(out.contains("auto tie-a"), out);
        assertTrue(out.contains("off PROVIDER_UNAVAILABLE"), out);
        assertTrue(out.contains("no VI NIC; load the vi emulation"), out);
        assertTrue(out.contains("nope NO_PROVIDER"), out);
        assertTrue(out.contains("good (priority 5, zoo.Good): does not fit: it reaches [ViEndpoint], not InetEndpoint"), out);
        assertTrue(out.contains("zoo.Missing failed to load"), out);
        assertTrue(out.contains("understudy-impl-tcp"), out);
        assertTrue(out.contains("property good"), out);
        // The load failures are logged loudly, naming the class.
        assertTrue(out.contains("WARNING") && out.contains("zoo.Throws"), out);
    }

    private static String location(Class<?> c) throws Exception {
        return Paths.get(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    private static String javac() {
        return Paths.get(System.getProperty("java.home"), "bin", "javac").toString();
    }

    private static String java() {
        return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "timed out: " + command);
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), () -> String.join(" ", command) + "\n" + text);
        return text;
    }
}
