package io.understudy.api.spi;

import static io.understudy.api.NamesTest.assertReason;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ProviderRegistryTest {

    static final String PROP = "understudy.test.provider";

    static class P extends Provider {
        final String id;
        final int prio;
        final Availability a;

        P(String id, int prio, Availability a) {
            this.id = id;
            this.prio = prio;
            this.a = a;
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public Availability availability() {
            return a;
        }

        @Override
        public int priority() {
            return prio;
        }
    }

    static class Q extends P {
        Q(String id, int prio) {
            super(id, prio, Availability.available());
        }
    }

    final P low = new P("low", 2, Availability.available());
    final P high = new P("high", 8, Availability.available());
    final P off = new P("off", 10, Availability.unavailable("no device; install rdma-core"));
    final P tieB = new P("tie-b", 5, Availability.available());
    final P tieA = new Q("tie-a", 5);

    @AfterEach
    void clearProperty() {
        System.clearProperty(PROP);
    }

    ProviderRegistry<P> registry(List<ProviderRegistry.LoadFailure> failures, P... ps) {
        return ProviderRegistry.of("widget", PROP, "Add widgets.", List.of(ps), failures);
    }

    @Test
    void sortsByPriorityThenId() {
        ProviderRegistry<P> r = registry(List.of(), low, tieB, off, high, tieA);
        assertEquals(List.of("off", "high", "tie-a", "tie-b", "low"), r.providers().stream().map(Provider::id).toList());
    }

    @Test
    void autoSelectionSkipsUnavailableAndTakesHighest() {
        assertSame(high, registry(List.of(), low, off, high).select(null, ProviderRegistry.Fit.any()));
    }

    @Test
    void equalPrioritiesAreBrokenByIdDeterministically() {
        assertSame(tieA, registry(List.of(), tieB, tieA).select(null, ProviderRegistry.Fit.any()));
        assertSame(tieA, registry(List.of(), tieA, tieB).select(null, ProviderRegistry.Fit.any()));
    }

    @Test
    void explicitIdWinsOverPriorityAndPropertyWinsWithoutConfig() {
        ProviderRegistry<P> r = registry(List.of(), low, high);
        assertSame(low, r.select("low", ProviderRegistry.Fit.any()));
        System.setProperty(PROP, "low");
        assertSame(low, r.select(null, ProviderRegistry.Fit.any()));
        assertSame(high, r.select("high", ProviderRegistry.Fit.any()));
    }

    @Test
    void unavailableSelectionCarriesTheReason() {
        assertReason(() -> registry(List.of(), off, low).select("off", ProviderRegistry.Fit.any()),
                ErrorCode.PROVIDER_UNAVAILABLE, "no device; install rdma-core");
    }

    @Test
    void nothingFitsListsEveryProviderAndEveryFailure() {
        var failure = new ProviderRegistry.LoadFailure("com.example.Broken", new ClassNotFoundException("com.example.Broken"));
        ProviderRegistry<P> r = registry(List.of(failure), low, off);
        UnderstudyException e = org.junit.jupiter.api.Assertions.assertThrows(UnderstudyException.class,
                () -> r.select(null, p -> "it is not blue"));
        assertEquals(ErrorCode.NO_PROVIDER, e.code());
        String m = e.getMessage();
        assertTrue(m.contains("low (priority 2"), m);
        assertTrue(m.contains("does not fit: it is not blue"), m);
        assertTrue(m.contains("off (priority 10"), m);
        assertTrue(m.contains("unavailable: no device"), m);
        assertTrue(m.contains("com.example.Broken failed to load"), m);
        assertTrue(m.contains("Add widgets."), m);
        assertReason(() -> r.select("nope", ProviderRegistry.Fit.any()), ErrorCode.NO_PROVIDER, "no widget provider has id 'nope'");
    }

    @Test
    void emptyRegistrySaysSo() {
        assertReason(() -> registry(List.of()).select(null, ProviderRegistry.Fit.any()), ErrorCode.NO_PROVIDER,
                "No widget providers were found");
    }

    @Test
    void toStringShowsIdPriorityAvailability() {
        assertEquals("off(priority 10, unavailable: no device; install rdma-core, " + P.class.getName() + ")", off.toString());
    }
}
