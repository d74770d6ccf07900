/**
 * The failover-time harness behind {@code understudy bench}: FilerA and FilerB as real {@code understudy node}
 * processes on loopback, clients writing continuously, faults injected at a recorded instant (kill -9,
 * "I am failing", operator takeover, giveback), the client-observed outage measured and broken into shares
 * from the nodes' events. Performance is reported, never asserted.
 */
package io.understudy.bench.failover;
