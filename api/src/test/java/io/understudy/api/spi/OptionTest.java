package io.understudy.api.spi;

import static io.understudy.api.NamesTest.assertReason;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.understudy.api.DataAccessPort;
import io.understudy.api.ErrorCode;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class OptionTest {

    static final Option<Duration> TIMEOUT = Option.duration("x.timeout", Duration.ofSeconds(2), "how long to wait");
    static final Option<Integer> SIZE = Option.integer("x.size", 10, "how big");
    static final Option<Boolean> FLAG = Option.bool("x.flag", false, "whether");

    @Test
    void durations() {
        assertEquals(Duration.ofMillis(250), Option.parseDuration("250ms"));
        assertEquals(Duration.ofMillis(1500), Option.parseDuration("1.5s"));
        assertEquals(Duration.ofSeconds(2), Option.parseDuration("PT2S"));
        assertReason(() -> TIMEOUT.parse("soon"), ErrorCode.INVALID_CONFIGURATION, "option x.timeout: cannot use 'soon'");
        assertReason(() -> TIMEOUT.parse("-5s"), ErrorCode.INVALID_CONFIGURATION, "x.timeout");
    }

    @Test
    void contextPrefersTypedThenTextThenDefault() {
        ProviderContext ctx = ProviderContext.builder().setting("x.size", "42").setting("x.flag", "true")
                .option(TIMEOUT, Duration.ofMillis(5)).portNumber(DataAccessPort.DAFS, 7000).nodeName("FilerA").build();
        assertEquals(Duration.ofMillis(5), ctx.option(TIMEOUT));
        assertEquals(42, ctx.option(SIZE));
        assertEquals(true, ctx.option(FLAG));
        assertEquals(7000, ctx.portNumber(DataAccessPort.DAFS).orElseThrow());
        assertEquals(true, ctx.portNumber(DataAccessPort.PDAF).isEmpty());
        assertEquals("FilerA", ctx.nodeName().orElseThrow());
        assertEquals(10, ProviderContext.defaults().option(SIZE));
        assertReason(() -> ProviderContext.builder().setting("x.size", "ten").build().option(SIZE),
                ErrorCode.INVALID_CONFIGURATION, "x.size");
        assertReason(() -> ProviderContext.builder().portNumber(DataAccessPort.DAFS, 70000),
                ErrorCode.INVALID_CONFIGURATION, "70000");
    }
}
