/**
 * Real hosts on one machine: {@link io.understudy.testkit.netns.Netns} builds a topology of Linux network
 * namespaces (nodes, clients, a DNS host; a data network and a separate interconnect), and
 * {@link io.understudy.testkit.netns.FaultInjector} injects real faults into it (kill -9, SIGSTOP pauses, links
 * down, DNS server killed). No test framework is used here, so tools can use these classes at run time.
 */
package io.understudy.testkit.netns;
