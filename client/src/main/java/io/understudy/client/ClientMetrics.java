package io.understudy.client;

/**
 * A snapshot of a {@link FailoverClient}'s counters, taken by {@link FailoverClient#metrics()}. Counters
 * only grow for the life of the client; outages are in milliseconds of the client's clock.
 *
 * <p>An <em>outage</em> runs from {@code CONNECTION_BROKEN} to the first reply received after the client
 * reconnected (to the primary or to the failover server), or to the reconnection itself when no request
 * was waiting. Breaks that follow one another before any reply arrives belong to one outage.
 *
 * @param requests         calls made ({@link FailoverClient#call}), counted once each however often re-sent
 * @param replies          replies delivered to callers (OK, application errors and bad-request answers)
 * @param breaks           connection breaks detected (closed, failed, timed out, or answered NOT_SERVING)
 * @param failovers        connections made to the failover server on the secondary port
 * @param returnsToPrimary connections made back to the primary after being on the failover server
 * @param resentRequests   requests re-sent on a new connection because they were unanswered at a break
 * @param giveUps          recoveries that ran out of their failover budget
 * @param lastOutageMillis the length of the most recent finished outage, or 0 if none finished yet
 * @param maxOutageMillis  the longest finished outage, or 0 if none finished yet
 * @since 0.1
 */
public record ClientMetrics(long requests, long replies, long breaks, long failovers, long returnsToPrimary,
                            long resentRequests, long giveUps, long lastOutageMillis, long maxOutageMillis) {

    @Override
    public String toString() {
        return "requests=" + requests + " replies=" + replies + " breaks=" + breaks + " failovers=" + failovers
                + " returnsToPrimary=" + returnsToPrimary + " resent=" + resentRequests + " giveUps=" + giveUps
                + " lastOutage=" + lastOutageMillis + "ms maxOutage=" + maxOutageMillis + "ms";
    }
}
