package io.understudy.naming.dns;

import io.understudy.spi.naming.Resolution;

/**
 * Why a DNS lookup did not resolve, one constant per outcome a deployment has to tell apart. The first two
 * are answers (the server spoke: the name or the record is not there) and come back as
 * {@link Resolution.NotFound}, so the next resolver in the configured order is tried and the SDK may cache
 * the absence for the SOA-derived TTL; the others mean no usable answer came back and come back as
 * {@link Resolution.Failed} whose cause is a {@link DnsLookupException} carrying the constant.
 *
 * <p>Every {@code NotFound} reason and {@code Failed} reason starts with the constant's name, followed by the
 * name asked, the record type and the server, such as {@code "TIMEOUT: no answer for FilerA-failover. A from
 * 127.0.0.1:53 within 2000 ms (2 tries)"}. {@link #of(Resolution)} classifies a resolution.
 *
 * @since 0.1
 */
public enum DnsOutcome {
    /** The name does not exist (RCODE 3, "NXDOMAIN"). {@code NotFound}. */
    NXDOMAIN,
    /** The name exists but has no record of the types asked ("NODATA": RCODE 0, empty answer). {@code NotFound}. */
    NODATA,
    /** The server answered SERVFAIL (RCODE 2) or REFUSED (RCODE 5), or another error code. {@code Failed}. */
    SERVFAIL,
    /** No answer within the configured timeout, from every server and try. {@code Failed}. */
    TIMEOUT,
    /** The server could not be reached: ICMP port unreachable, connection refused, no route. {@code Failed}. */
    UNREACHABLE,
    /** An answer came back that is not a well-formed DNS message for the question asked. {@code Failed}. */
    MALFORMED;

    /**
     * {@return the outcome a resolution of this plugin reports, or null for a {@code Resolved} one or one that
     * did not come from this plugin}
     *
     * @param resolution a resolution returned by a {@link DnsResolver}
     */
    public static DnsOutcome of(Resolution resolution) {
        return switch (resolution) {
            case Resolution.Resolved r -> null;
            case Resolution.NotFound n -> prefix(n.reason());
            case Resolution.Failed f -> f.cause() instanceof DnsLookupException e ? e.outcome() : prefix(f.reason());
        };
    }

    private static DnsOutcome prefix(String reason) {
        for (DnsOutcome o : values()) {
            if (reason.startsWith(o.name() + ":")) {
                return o;
            }
        }
        return null;
    }
}
