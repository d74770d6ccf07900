package io.understudy.spi.naming;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.Endpoint;
import io.understudy.api.ErrorCode;
import io.understudy.api.InetEndpoint;
import io.understudy.api.UnderstudyException;
import io.understudy.api.ViEndpoint;
import io.understudy.api.spi.Availability;
import io.understudy.api.spi.ProviderContext;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class NameResolverRegistryTest {

    static final class Fake extends NameResolverProvider {
        final String id;
        final int prio;
        final Class<? extends Endpoint> produces;
        final Availability a;

        Fake(String id, int prio, Class<? extends Endpoint> produces, Availability a) {
            this.id = id;
            this.prio = prio;
            this.produces = produces;
            this.a = a;
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public int priority() {
            return prio;
        }

        @Override
        public Availability availability() {
            return a;
        }

        @Override
        public Set<Class<? extends Endpoint>> producedTypes() {
            return Set.of(produces);
        }

        @Override
        public NameResolver open(ProviderContext context) {
            throw new UnsupportedOperationException();
        }
    }

    final Fake hosts = new Fake("hosts", 5, InetEndpoint.class, Availability.available());
    final Fake dns = new Fake("dns", 6, InetEndpoint.class, Availability.available());
    final Fake vidir = new Fake("vidir", 9, ViEndpoint.class, Availability.available());
    final Fake broken = new Fake("broken", 10, InetEndpoint.class, Availability.unavailable("server list empty"));
    final NameResolverRegistry registry = NameResolverRegistry.of(List.of(hosts, dns, vidir, broken));

    @AfterEach
    void clear() {
        System.clearProperty(NameResolverRegistry.PROPERTY);
    }

    @Test
    void configuredOrderIsKept() {
        assertEquals(List.of(hosts, dns), registry.selectAll(List.of("hosts", "dns"), InetEndpoint.class));
        assertEquals(List.of(dns, hosts), registry.selectAll(List.of("dns", "hosts"), InetEndpoint.class));
    }

    @Test
    void propertyListsOrderWhenConfigurationIsSilent() {
        System.setProperty(NameResolverRegistry.PROPERTY, "dns, hosts");
        assertEquals(List.of(dns, hosts), registry.selectAll(List.of(), InetEndpoint.class));
    }

    @Test
    void withoutOrderTheBestAvailableFittingOneIsUsed() {
        assertEquals(List.of(dns), registry.selectAll(List.of(), InetEndpoint.class));
        assertEquals(List.of(vidir), registry.selectAll(List.of(), null));
    }

    @Test
    void aListedResolverThatCannotServeFailsLoudly() {
        UnderstudyException e = assertThrows(UnderstudyException.class,
                () -> registry.selectAll(List.of("hosts", "vidir"), InetEndpoint.class));
        assertEquals(ErrorCode.NO_PROVIDER, e.code());
        assertTrue(e.getMessage().contains("it produces [ViEndpoint], not InetEndpoint"), e.getMessage());
        UnderstudyException unknown = assertThrows(UnderstudyException.class,
                () -> registry.selectAll(List.of("nope"), InetEndpoint.class));
        assertTrue(unknown.getMessage().contains("understudy-impl-hosts"), unknown.getMessage());
        UnderstudyException off = assertThrows(UnderstudyException.class,
                () -> registry.selectAll(List.of("broken"), InetEndpoint.class));
        assertEquals(ErrorCode.PROVIDER_UNAVAILABLE, off.code());
        assertTrue(off.getMessage().contains("server list empty"), off.getMessage());
    }
}
