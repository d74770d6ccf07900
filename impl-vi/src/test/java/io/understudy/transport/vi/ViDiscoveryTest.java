package io.understudy.transport.vi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.ViEndpoint;
import io.understudy.spi.transport.TransportProvider;
import io.understudy.spi.transport.TransportRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * ServiceLoader finds the VI transport. Surefire runs this class twice: on the module path (module-info
 * {@code provides}) and on the class path (META-INF/services).
 */
class ViDiscoveryTest {

    @Test
    void registryFindsViAndSelectsItForViEndpoints() {
        Module module = ViTransportProvider.class.getModule();
        System.out.println("ViDiscoveryTest on the " + (module.isNamed() ? "module path (" + module.getName() + ")" : "class path"));
        TransportRegistry registry = TransportRegistry.getDefault();
        assertTrue(registry.failures().isEmpty(), () -> "load failures: " + registry.failures());
        List<String> ids = registry.providers().stream().map(TransportProvider::id).toList();
        assertTrue(ids.contains("vi"), () -> "vi not among " + ids);
        assertInstanceOf(ViTransportProvider.class, registry.select(null, ViEndpoint.class));
        assertEquals("vi", registry.select("vi", null).id());
    }

    @Test
    void bothRegistrationsNameTheProvider() throws IOException {
        String services = "META-INF/services/" + TransportProvider.class.getName();
        Module module = ViTransportProvider.class.getModule();
        try (InputStream in = module.isNamed() ? module.getResourceAsStream(services)
                : ViTransportProvider.class.getClassLoader().getResourceAsStream(services)) {
            assertTrue(in != null, services + " is missing");
            assertEquals(ViTransportProvider.class.getName(), new String(in.readAllBytes(), StandardCharsets.UTF_8).strip());
        }
        if (module.isNamed()) {
            ModuleDescriptor.Provides provides = module.getDescriptor().provides().stream()
                    .filter(p -> p.service().equals(TransportProvider.class.getName())).findFirst().orElseThrow();
            assertEquals(List.of(ViTransportProvider.class.getName()), provides.providers());
        }
    }
}
