package io.understudy.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

public class NamesTest {

    @ParameterizedTest
    @ValueSource(strings = {"FilerA", "filer-a.example.com", "a", "x1", "FilerA-failover", "host.", "123abc"})
    void validServerNames(String name) {
        assertEquals(name, ServerName.of(name).value());
    }

    @Test
    void invalidServerNamesSayWhy() {
        assertReason(() -> ServerName.of("bad_name!"), ErrorCode.INVALID_SERVER_NAME, "'_' at offset 3");
        assertReason(() -> ServerName.of("Filer A"), ErrorCode.INVALID_SERVER_NAME, "U+0020 at offset 5");
        assertReason(() -> ServerName.of(""), ErrorCode.INVALID_SERVER_NAME, "empty");
        assertReason(() -> ServerName.of(null), ErrorCode.INVALID_SERVER_NAME, "null");
        assertReason(() -> ServerName.of("-filer"), ErrorCode.INVALID_SERVER_NAME, "starts or ends with a hyphen");
        assertReason(() -> ServerName.of("a..b"), ErrorCode.INVALID_SERVER_NAME, "empty label");
        assertReason(() -> ServerName.of("x".repeat(64)), ErrorCode.INVALID_SERVER_NAME, "limit is 63");
        assertReason(() -> ServerName.of(("abcdefghi.").repeat(26)), ErrorCode.INVALID_SERVER_NAME, "limit is 253");
    }

    @Test
    void matchingIgnoresCaseAndTrailingDot() {
        assertTrue(ServerName.of("FilerA").matches(ServerName.of("filera.")));
        assertFalse(ServerName.of("FilerA").matches(ServerName.of("FilerB")));
        assertEquals("filera", ServerName.of("FilerA.").canonical());
    }

    @Test
    void portNames() {
        assertEquals("DAFS", DataAccessPort.DAFS.name());
        assertEquals("pDAF", DataAccessPort.PDAF.name());
        assertEquals(DataAccessPort.of("vol7"), DataAccessPort.of("vol7"));
        assertReason(() -> DataAccessPort.of("DA FS"), ErrorCode.INVALID_PORT_NAME, "a space at offset 2");
        assertReason(() -> DataAccessPort.of(""), ErrorCode.INVALID_PORT_NAME, "empty");
        assertReason(() -> DataAccessPort.of("x".repeat(33)), ErrorCode.INVALID_PORT_NAME, "limit is 32");
        assertReason(() -> DataAccessPort.of("a\u0000"), ErrorCode.INVALID_PORT_NAME, "U+0000");
    }

    @Test
    void endpoints() throws Exception {
        InetAddress lo = InetAddress.getByAddress(new byte[] {127, 0, 0, 11});
        assertEquals("127.0.0.11", InetEndpoint.of(lo).describe());
        assertEquals("127.0.0.11:7001", new InetEndpoint(lo, 7001).describe());
        assertEquals(7000, InetEndpoint.of(lo).socketAddress(7000).getPort());
        assertEquals(7001, new InetEndpoint(lo, 7001).socketAddress(7000).getPort());
        assertEquals("[::1]", InetEndpoint.of(InetAddress.getByName("::1")).describe());
        assertEquals("[fe80::1:0:0:2]:9", new InetEndpoint(InetAddress.getByName("fe80:0:0:0:1:0:0:2"), 9).describe());
        assertEquals("[2001:db8::]", InetEndpoint.of(InetAddress.getByName("2001:db8:0:0:0:0:0:0")).describe());
        assertReason(() -> new InetEndpoint(lo, 70000), ErrorCode.INVALID_ENDPOINT, "out of range");
        assertReason(() -> new InetEndpoint(null, 1), ErrorCode.INVALID_ENDPOINT, "needs an address");
        assertEquals("vi:hostA/nic0", new ViEndpoint("hostA/nic0").describe());
        assertReason(() -> new ViEndpoint("has space"), ErrorCode.INVALID_ENDPOINT, "without spaces");
        assertEquals("ib:fe80:0000:0000:0000:0002:c903:0001:0b21",
                new IbEndpoint("fe80:0000:0000:0000:0002:c903:0001:0b21").describe());
        assertReason(() -> new IbEndpoint("fe80::1"), ErrorCode.INVALID_ENDPOINT, "eight groups");
    }

    @Test
    void errorCodesAreUniqueAndStable() {
        assertEquals(1001, ErrorCode.INVALID_SERVER_NAME.code());
        assertEquals(2002, ErrorCode.NO_PROVIDER.code());
        assertEquals(5001, ErrorCode.FENCED.code());
        long distinct = java.util.Arrays.stream(ErrorCode.values()).mapToInt(ErrorCode::code).distinct().count();
        assertEquals(ErrorCode.values().length, distinct);
        for (ErrorCode c : ErrorCode.values()) {
            assertEquals(c.category().ordinal() + 1, c.code() / 1000, c + " is numbered outside its category");
        }
        assertTrue(new UnderstudyException(ErrorCode.TIMEOUT, "x").getMessage().startsWith("US-3002 "));
    }

    public static void assertReason(org.junit.jupiter.api.function.Executable e, ErrorCode code, String fragment) {
        UnderstudyException ex = assertThrows(UnderstudyException.class, e);
        assertEquals(code, ex.code(), ex.getMessage());
        assertTrue(ex.getMessage().contains(fragment), () -> "message '" + ex.getMessage() + "' lacks '" + fragment + "'");
    }
}
