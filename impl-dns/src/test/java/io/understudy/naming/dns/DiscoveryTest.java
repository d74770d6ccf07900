package io.understudy.naming.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.InetEndpoint;
import io.understudy.spi.naming.NameResolverProvider;
import io.understudy.spi.naming.NameResolverRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The provider is found by {@link java.util.ServiceLoader}. Surefire runs this class twice: on the module
 * path (the default run, where {@code provides} in module-info finds it) and in a second execution on the
 * class path (where {@code META-INF/services} finds it). The system property {@value #PATH_PROPERTY}, set by
 * each execution, makes sure each run really is on the path it claims.
 */
class DiscoveryTest {

    static final String PATH_PROPERTY = "understudy.test.path";
    private static final String SERVICES = "META-INF/services/" + NameResolverProvider.class.getName();

    @Test
    void theDefaultRegistrySelectsDnsByIdForInetEndpoints() {
        NameResolverRegistry registry = NameResolverRegistry.getDefault();
        List<NameResolverProvider> selected = registry.selectAll(List.of("dns"), InetEndpoint.class);
        assertEquals(1, selected.size(), selected::toString);
        assertInstanceOf(DnsResolverProvider.class, selected.getFirst());
        assertEquals(List.of(), registry.failures(), "nothing failed to load");
        assertInstanceOf(DnsResolverProvider.class, registry.select(null, InetEndpoint.class),
                "with nothing selected, the only naming plugin here is chosen: " + registry.describe());
    }

    @Test
    void availableBecauseDnsjavaLoadsOnThisPath() {
        DnsResolverProvider p = new DnsResolverProvider();
        assertTrue(p.availability().isAvailable(), p::toString);
        assertTrue(p.toString().contains("dns") && p.toString().contains("priority 5"), p::toString);
    }

    @Test
    void foundThroughTheMechanismOfThisPath() throws IOException {
        Module module = DnsResolverProvider.class.getModule();
        String expected = System.getProperty(PATH_PROPERTY);
        if (expected != null) {
            assertEquals(expected.equals("module"), module.isNamed(), () -> "this run should be on the " + expected + " path");
        }
        if (module.isNamed()) {
            assertEquals("io.understudy.naming.dns", module.getName());
            ModuleDescriptor.Provides provides = module.getDescriptor().provides().stream()
                    .filter(p -> p.service().equals(NameResolverProvider.class.getName())).findFirst().orElseThrow();
            assertEquals(List.of(DnsResolverProvider.class.getName()), provides.providers());
            assertTrue(NameResolverRegistry.load(ModuleLayer.boot()).providers().stream().anyMatch(DnsResolverProvider.class::isInstance),
                    "found in the boot layer through 'provides'");
        } else {
            assertTrue(NameResolverRegistry.load(DnsResolverProvider.class.getClassLoader()).providers().stream()
                    .anyMatch(DnsResolverProvider.class::isInstance), "found on the class path through META-INF/services");
        }
    }

    @Test
    void theServicesFileNamesTheProvider() throws IOException {
        // Checked on both paths, so a module-path run cannot hide a stale class-path declaration.
        Module module = DnsResolverProvider.class.getModule();
        try (InputStream in = module.isNamed() ? module.getResourceAsStream(SERVICES)
                : DnsResolverProvider.class.getClassLoader().getResourceAsStream(SERVICES)) {
            assertNotNull(in, SERVICES + " is missing");
            List<String> lines = Arrays.stream(new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n"))
                    .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
            assertEquals(List.of(DnsResolverProvider.class.getName()), lines);
        }
    }
}
