package io.understudy.transport.ib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.IbEndpoint;
import io.understudy.spi.transport.TransportProvider;
import io.understudy.spi.transport.TransportRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * ServiceLoader finds the ib transport. Surefire runs this class twice: on the module path (module-info
 * provides) and on the class path (META-INF/services). Discovery never throws, whatever the native probe finds.
 */
class IbDiscoveryTest {

    @Test
    void theRegistryFindsIbAndListsItsAvailability() {
        Module module = IbTransportProvider.class.getModule();
        System.out.println("IbDiscoveryTest on the " + (module.isNamed() ? "module path (" + module.getName() + ")" : "class path"));
        TransportRegistry registry = TransportRegistry.getDefault();
        assertTrue(registry.failures().isEmpty(), () -> "load failures: " + registry.failures());
        List<String> ids = registry.providers().stream().map(TransportProvider::id).toList();
        assertTrue(ids.contains("ib"), () -> "ib not among " + ids);
        TransportProvider ib = registry.providers().stream().filter(p -> p.id().equals("ib")).findFirst().orElseThrow();
        assertTrue(ib.reaches(IbEndpoint.class));
        // No -Dunderstudy.ib.software here, and no RDMA device: unavailable, saying why and how to allow software.
        if (!ib.availability().isAvailable()) {
            assertTrue(ib.availability().toString().contains("ib.software"), ib.availability().toString());
        }
        assertTrue(registry.describe().contains("ib"), registry.describe());
    }

    @Test
    void bothRegistrationsNameTheProvider() throws IOException {
        String services = "META-INF/services/" + TransportProvider.class.getName();
        Module module = IbTransportProvider.class.getModule();
        try (InputStream in = module.isNamed() ? module.getResourceAsStream(services)
                : IbTransportProvider.class.getClassLoader().getResourceAsStream(services)) {
            assertTrue(in != null, services + " is missing");
            assertEquals(IbTransportProvider.class.getName(), new String(in.readAllBytes(), StandardCharsets.UTF_8).strip());
        }
        if (module.isNamed()) {
            ModuleDescriptor.Provides provides = module.getDescriptor().provides().stream()
                    .filter(p -> p.service().equals(TransportProvider.class.getName())).findFirst().orElseThrow();
            assertEquals(List.of(IbTransportProvider.class.getName()), provides.providers());
        }
    }
}
