package io.understudy.ownership.iscsi.discovery;

import io.understudy.api.ownership.OwnershipProvider;
import io.understudy.api.ownership.OwnershipRegistry;

/**
 * Run in a child JVM by {@code DiscoveryTest}: prints what {@link OwnershipRegistry} finds. In its own
 * package so that it loads from the class path while the provider's module is on the module path.
 */
public final class DiscoveryMain {

    private DiscoveryMain() {
    }

    /**
     * Prints each provider (id, class, module, whether available) and each failure.
     *
     * @param args unused
     */
    public static void main(String[] args) {
        OwnershipRegistry r = OwnershipRegistry.getDefault();
        for (OwnershipProvider p : r.providers()) {
            Module m = p.getClass().getModule();
            System.out.println("provider " + p.id() + " " + p.getClass().getName() + " " + (m.isNamed() ? m.getName() : "unnamed")
                    + " " + (p.availability().isAvailable() ? "available" : "unavailable"));
        }
        r.failures().forEach(f -> System.out.println("failure " + f));
        System.out.println("selected " + r.select("iscsi").id());
    }
}
