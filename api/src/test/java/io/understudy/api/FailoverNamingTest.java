package io.understudy.api;

import static io.understudy.api.NamesTest.assertReason;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class FailoverNamingTest {

    private static final ServerName FILER_A = ServerName.of("FilerA");

    @Test
    void defaultIsTheSeedsSuffix() {
        assertEquals(ServerName.of("FilerA-failover"), FailoverNaming.DEFAULT.failoverName(FILER_A));
        assertEquals("suffix(-failover)", FailoverNaming.DEFAULT.describe());
    }

    @Test
    void suffixPrefixTemplateCustom() {
        assertEquals("FilerA-ha", FailoverNaming.suffix("-ha").failoverName(FILER_A).value());
        assertEquals("failover-FilerA", FailoverNaming.prefix("failover-").failoverName(FILER_A).value());
        assertEquals("fo-FilerA-b", FailoverNaming.template("fo-{name}-b").failoverName(FILER_A).value());
        assertEquals("filera-partner", FailoverNaming.custom("lower+partner", s -> s.toLowerCase() + "-partner")
                .failoverName(FILER_A).value());
    }

    @Test
    void domainIsKept() {
        ServerName fqdn = ServerName.of("filera.example.com");
        assertEquals("filera-failover.example.com", FailoverNaming.DEFAULT.failoverName(fqdn).value());
        assertEquals("failover-filera.example.com", FailoverNaming.prefix("failover-").failoverName(fqdn).value());
    }

    @Test
    void badConventionsAreRejectedWithReason() {
        assertReason(() -> FailoverNaming.suffix("_fo"), ErrorCode.INVALID_NAMING_CONVENTION, "'_' at offset 0");
        assertReason(() -> FailoverNaming.suffix(""), ErrorCode.INVALID_NAMING_CONVENTION, "must not be empty");
        assertReason(() -> FailoverNaming.prefix("fail over"), ErrorCode.INVALID_NAMING_CONVENTION, "a space");
        assertReason(() -> FailoverNaming.template("{name}-{name}"), ErrorCode.INVALID_NAMING_CONVENTION, "exactly once");
        assertReason(() -> FailoverNaming.template("nothing"), ErrorCode.INVALID_NAMING_CONVENTION, "exactly once");
    }

    @Test
    void resultsThatAreNotHostNamesAreRejected() {
        // A label of 60 characters plus "-failover" passes 63: the convention must say so, not build it.
        ServerName longLabel = ServerName.of("f".repeat(60));
        assertReason(() -> FailoverNaming.DEFAULT.failoverName(longLabel), ErrorCode.INVALID_NAMING_CONVENTION,
                "limit is 63");
        assertReason(() -> FailoverNaming.custom("bad", s -> s + " x").failoverName(FILER_A),
                ErrorCode.INVALID_NAMING_CONVENTION, "turned 'FilerA' into 'FilerA x'");
        assertReason(() -> FailoverNaming.prefix("-").failoverName(FILER_A), ErrorCode.INVALID_NAMING_CONVENTION,
                "starts or ends with a hyphen");
    }
}
