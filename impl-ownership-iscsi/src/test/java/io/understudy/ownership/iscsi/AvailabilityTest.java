package io.understudy.ownership.iscsi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.understudy.api.ErrorCode;
import io.understudy.api.UnderstudyException;
import io.understudy.api.ownership.OwnershipProvider;
import io.understudy.api.spi.Availability;
import io.understudy.api.spi.ProviderContext;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** Availability tells the truth and never throws; discovery finds the provider; options are validated. */
class AvailabilityTest {

    @Test
    void aMissingLibraryIsUnavailableWithThePackageToInstall() {
        LibIscsi.Probe p = LibIscsi.probe(false, "libiscsi-does-not-exist.so.99");
        assertNull(p.lib());
        Availability.Unavailable u = assertInstanceOf(Availability.Unavailable.class, p.availability());
        assertTrue(u.reason().contains("libiscsi7") && u.reason().contains("apt-get install"), u.reason());
        assertTrue(u.reason().contains("libiscsi-does-not-exist.so.99"), u.reason());
    }

    @Test
    void aLibraryWithoutTheSymbolsIsUnavailableNamingTheSymbol() {
        LibIscsi.Probe p = LibIscsi.probe(false, "libc.so.6");
        Availability.Unavailable u = assertInstanceOf(Availability.Unavailable.class, p.availability());
        assertTrue(u.reason().contains("iscsi_create_context"), u.reason());
    }

    @Test
    void theKillSwitchMakesItUnavailable() {
        Availability a = LibIscsi.probe(true, LibIscsi.LIBRARY).availability();
        assertFalse(a.isAvailable());
        assertTrue(a.toString().contains(LibIscsi.DISABLE_PROPERTY), a.toString());
    }

    @Test
    void availabilityMatchesWhetherTheLibraryIsInstalled() {
        boolean installed = java.nio.file.Files.exists(java.nio.file.Path.of("/usr/lib/x86_64-linux-gnu/libiscsi.so.7"))
                || java.nio.file.Files.exists(java.nio.file.Path.of("/usr/lib/aarch64-linux-gnu/libiscsi.so.7"));
        Availability a = new IscsiOwnershipProvider().availability();
        if (installed) {
            assertTrue(a.isAvailable(), "libiscsi.so.7 is installed, yet: " + a);
        } else {
            assertFalse(a.isAvailable());
        }
        assertTrue(new IscsiOwnershipProvider().toString().startsWith("iscsi(priority 3, "), new IscsiOwnershipProvider().toString());
    }

    @Test
    void serviceLoaderFindsTheProvider() {
        boolean found = ServiceLoader.load(OwnershipProvider.class).stream()
                .anyMatch(p -> p.type() == IscsiOwnershipProvider.class && IscsiOwnershipProvider.ID.equals(p.get().id()));
        assertTrue(found, "META-INF/services must list IscsiOwnershipProvider");
    }

    @Test
    void badOptionsAreConfigurationErrorsThatSayWhatIsExpected() {
        UnderstudyException none = assertThrows(UnderstudyException.class, () -> new IscsiOwnershipProvider().open(
                ProviderContext.builder().nodeName("FilerA").build()));
        assertTrue(none.code() == ErrorCode.INVALID_CONFIGURATION || none.code() == ErrorCode.PROVIDER_UNAVAILABLE, none.toString());
        UnderstudyException bad = assertThrows(UnderstudyException.class,
                () -> IscsiOwnershipProvider.parseDisks("d0=http://x/y/1", 5));
        assertEquals(ErrorCode.INVALID_CONFIGURATION, bad.code());
        assertTrue(bad.getMessage().contains("iscsi://HOST[:PORT]/TARGET-IQN/LUN"), bad.getMessage());
        assertThrows(UnderstudyException.class, () -> IscsiOwnershipProvider.parseDisks("d0=iscsi://h/iqn.x/1,d0=iscsi://h/iqn.x/2", 5));
        assertThrows(UnderstudyException.class, () -> IscsiOwnershipProvider.parseDisks("d0=iscsi://h/iqn.x/999", 5));
        IscsiTarget t = IscsiOwnershipProvider.parseDisks("d0=iscsi://10.0.0.1/iqn.2026-01.x:y/3", 7).values().iterator().next();
        assertEquals(new IscsiTarget("10.0.0.1:3260", "iqn.2026-01.x:y", 3, 7), t);
    }
}
