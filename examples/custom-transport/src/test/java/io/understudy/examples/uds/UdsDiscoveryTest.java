package io.understudy.examples.uds;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.InetEndpoint;
import io.understudy.spi.transport.TransportProvider;
import io.understudy.spi.transport.TransportRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * ServiceLoader finds the plugin with nothing but its registration. Surefire runs this twice: on the
 * module path (module-info {@code provides}) and on the class path (META-INF/services).
 */
class UdsDiscoveryTest {

    @Test
    void theDefaultRegistryListsUds() {
        Module m = UdsTransportProvider.class.getModule();
        System.out.println("UdsDiscoveryTest on the " + (m.isNamed() ? "module path (" + m.getName() + ")" : "class path"));
        TransportRegistry registry = TransportRegistry.getDefault();
        assertTrue(registry.failures().isEmpty(), () -> "load failures: " + registry.failures());
        List<String> ids = registry.providers().stream().map(TransportProvider::id).toList();
        assertTrue(ids.contains("uds"), () -> "uds not among " + ids + ": " + registry.describe());
        assertInstanceOf(UdsTransportProvider.class, registry.select("uds", InetEndpoint.class));
    }
}
