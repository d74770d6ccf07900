package io.understudy.transport.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.InetEndpoint;
import io.understudy.spi.transport.TransportProvider;
import io.understudy.spi.transport.TransportRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * ServiceLoader finds the TCP transport. Surefire runs this class twice: on the module path (the default
 * execution: {@code provides} in module-info) and on the class path (execution {@code class-path-discovery}:
 * META-INF/services), so both registrations are proven.
 */
class TcpDiscoveryTest {

    @Test
    void defaultRegistrySelectsTcpForInetEndpoints() {
        Module module = TcpTransportProvider.class.getModule();
        System.out.println("TcpDiscoveryTest on the " + (module.isNamed() ? "module path (" + module.getName() + ")" : "class path"));
        TransportRegistry registry = TransportRegistry.getDefault();
        assertTrue(registry.failures().isEmpty(), () -> "load failures: " + registry.failures());
        List<String> ids = registry.providers().stream().map(TransportProvider::id).toList();
        assertTrue(ids.contains("tcp"), () -> "tcp not among " + ids);
        TransportProvider selected = registry.select(null, InetEndpoint.class);
        assertInstanceOf(TcpTransportProvider.class, selected);
        assertEquals("tcp", registry.select("tcp", null).id());
        assertTrue(registry.describe().contains("tcp"), registry.describe());
    }

    @Test
    void bothRegistrationsNameTheProvider() throws IOException {
        String services = "META-INF/services/" + TransportProvider.class.getName();
        try (InputStream in = TcpTransportProvider.class.getModule().isNamed()
                ? TcpTransportProvider.class.getModule().getResourceAsStream(services)
                : TcpTransportProvider.class.getClassLoader().getResourceAsStream(services)) {
            assertTrue(in != null, services + " is missing");
            assertEquals(TcpTransportProvider.class.getName(), new String(in.readAllBytes(), StandardCharsets.UTF_8).strip());
        }
        Module module = TcpTransportProvider.class.getModule();
        if (module.isNamed()) {
            ModuleDescriptor.Provides provides = module.getDescriptor().provides().stream()
                    .filter(p -> p.service().equals(TransportProvider.class.getName())).findFirst().orElseThrow();
            assertEquals(List.of(TcpTransportProvider.class.getName()), provides.providers());
        }
    }
}
