package io.understudy.naming.hosts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class InetLiteralTest {

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', textBlock = """
            0.0.0.0                  | 00000000
            255.255.255.255          | ffffffff
            192.0.2.1                | c0000201
            ::                       | 00000000000000000000000000000000
            ::1                      | 00000000000000000000000000000001
            1::                      | 00010000000000000000000000000000
            fe80::1                  | fe800000000000000000000000000001
            2001:DB8:0:0:0:0:0:1     | 20010db8000000000000000000000001
            2001:db8::               | 20010db8000000000000000000000000
            ::ffff:1.2.3.4           | 00000000000000000000ffff01020304
            1:2:3:4:5:6:1.2.3.4      | 00010002000300040005000601020304
            ::1.2.3.4                | 00000000000000000000000001020304
            1:2:3:4:5:6:7::          | 00010002000300040005000600070000
            ::2:3:4:5:6:7:8          | 00000002000300040005000600070008
            1:0:0:2::3               | 00010000000000020000000000000003
            """)
    void acceptsLiterals(String text, String hex) {
        InetLiteral.Parsed p = InetLiteral.parse(text);
        assertNull(p.problem(), text);
        assertArrayEquals(java.util.HexFormat.of().parseHex(hex), p.bytes(), text);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            ""                       | it is empty
            1.2.3.4.5                | four parts, this has more
            1.2.3                    | four parts, this has 3
            1..2.3                   | IPv4 part 2 is empty
            256.0.0.1                | IPv4 part 1 (256) is greater than 255
            1.2.3.04                 | IPv4 part 4 (04) has a leading zero
            1.2.3.-1                 | IPv4 part 4 contains '-'
            0x7f.0.0.1               | IPv4 part 1 contains 'x'
            1.2.3.1000               | IPv4 part 4 has more than three digits
            1234                     | neither an IPv4 address
            localhost                | neither an IPv4 address
            12345::                  | more than four hex digits
            1:::2                    | '::' may appear only once
            1::2::3                  | '::' may appear only once
            1:2:3:4:5:6:7:8:9        | eight groups, this has more
            1:2:3:4:5:6:7            | eight groups, this has 7
            :1:2:3:4:5:6:7           | empty group
            1:2:3:4:5:6:7:           | empty group
            ::ffff:1.2.3.256         | trailing IPv4 part is invalid: IPv4 part 4 (256)
            1:2:3:4:5:6:7:1.2.3.4    | too many groups before its IPv4 part
            1:2:3:4:5:6:7::8         | at most seven groups, this has 8
            g::1                     | contains 'g'
            fe80::1%eth0             | zone ids
            fe80::1%1                | zone ids
            """)
    void rejectsWithAReason(String text, String reason) {
        InetLiteral.Parsed p = InetLiteral.parse(text);
        assertFalse(p.isOk(), () -> text + " was accepted");
        assertTrue(p.problem().contains(reason), () -> text + ": expected '" + reason + "' in '" + p.problem() + "'");
    }

    @Test
    void rejectsNonAsciiDigits() {
        // Character.digit would accept these; a hosts file must not.
        for (String text : new String[] {"\u0661.2.3.4", "1.2.3.\uff14", "\uff11::1", "fe80::\u0661"}) {
            assertFalse(InetLiteral.parse(text).isOk(), () -> Printable.of(text) + " was accepted");
        }
    }

    @Test
    void everyWrittenFormOfRandomAddressesParsesBack() {
        long seed = 0x5eedL;
        Random r = new Random(seed);
        for (int i = 0; i < 2000; i++) {
            byte[] v6 = LiteralFormats.randomV6(r);
            for (String text : new String[] {LiteralFormats.v6Full(v6), LiteralFormats.v6Compressed(v6),
                    LiteralFormats.v6WithV4Tail(v6), LiteralFormats.v6Any(v6, r)}) {
                InetLiteral.Parsed p = InetLiteral.parse(text);
                assertArrayEquals(v6, p.bytes(), () -> "seed " + seed + ": " + text + " -> " + p.problem());
            }
            byte[] v4 = new byte[4];
            r.nextBytes(v4);
            String text = LiteralFormats.v4(v4, 0);
            assertArrayEquals(v4, InetLiteral.parse(text).bytes(), text);
        }
        assertEquals("::", LiteralFormats.v6Compressed(new byte[16]), "the formatter itself");
    }
}
