/**
 * The data path's framing: every request carries a session id and a sequence number; every reply carries
 * the same pair and a status. Shared by the failover client and the node engine, over any transport.
 */
module io.understudy.session {
    requires transitive io.understudy.api;
    exports io.understudy.session;
}
