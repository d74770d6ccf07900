package io.understudy.ownership.file.discovery;

import io.understudy.api.ownership.OwnershipProvider;
import io.understudy.api.ownership.OwnershipRegistry;

/**
 * Run in a child JVM by {@code DiscoveryTest}: prints what {@link OwnershipRegistry} finds. It lives in its
 * own package so that it loads from the class path even when the provider's module is on the module path.
 */
public final class DiscoveryMain {

    private DiscoveryMain() {
    }

    /**
     * Prints each provider (id, class, module, availability), each failure, and the selections.
     *
     * @param args unused
     */
    public static void main(String[] args) {
        OwnershipRegistry r = OwnershipRegistry.getDefault();
        for (OwnershipProvider p : r.providers()) {
            Module m = p.getClass().getModule();
            System.out.println("provider " + p.id() + " " + p.getClass().getName() + " " + (m.isNamed() ? m.getName() : "unnamed")
                    + " " + p.availability());
        }
        r.failures().forEach(f -> System.out.println("failure " + f));
        System.out.println("selected " + r.select(null).id());
        System.setProperty(OwnershipRegistry.PROPERTY, "file");
        System.out.println("by property " + r.select(null).id());
        try {
            r.select("iscsi");
        } catch (io.understudy.api.UnderstudyException e) {
            System.out.println("iscsi " + e.code());
        }
    }
}
