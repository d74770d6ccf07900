/**
 * Understudy's testkit: abstract JUnit 5 conformance suites for each SPI (transport, naming, ownership)
 * that plugins subclass, fakes, and a manual clock for deterministic time.
 */
open module io.understudy.testkit {
    requires transitive io.understudy.api;
    requires transitive io.understudy.spi.transport;
    requires transitive io.understudy.spi.naming;
    requires transitive org.junit.jupiter.api;
    exports io.understudy.testkit;
    exports io.understudy.testkit.netns;
}
