package io.understudy.cli.chaos;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Random;

/**
 * One fault of a chaos schedule.
 *
 * @param kind   what to do
 * @param target the node (FilerA, FilerB) or, for {@link Kind#CLIENTDROP}, the client index as a string
 * @param delayMs how long to wait before applying it
 * @param holdMs  how long the fault lasts before it is undone (pause, cut, and the time a killed or failed
 *                node stays down before its restart); 0 where it does not apply
 * @since 0.1
 */
public record Fault(Kind kind, String target, long delayMs, long holdMs) {

    /** The fault kinds, by their {@code --faults} names. */
    public enum Kind {
        /** SIGKILL a node; restart it after a while; giveback. */
        KILL9,
        /** SIGSTOP a node for 100-1500 ms (around the 500 ms detection window), then SIGCONT. */
        PAUSE,
        /** Cut the interconnect on both nodes, then restore it. */
        CUT,
        /** Admin {@code fail} ("I am failing") on a node; restart it; giveback. */
        IAMFAILING,
        /** Operator takeover of a node by its partner; giveback. */
        TAKEOVER,
        /** Close a client's connection under it. */
        CLIENTDROP,
        /**
         * Fail a node's iSCSI LUN for 300-2000 ms (every write fails, as with a LUN taken offline), then bring it
         * back; needs {@code --disks iscsi}. The node acknowledges nothing it could not write and remounts the
         * volume when the LUN answers; nobody takes over (the partner cannot reach a failed shared LUN either).
         */
        DISKERROR;

        /** {@return the name used on the command line} */
        public String flag() {
            return name().toLowerCase(Locale.ROOT);
        }

        /**
         * Parses a comma-separated list of fault names.
         *
         * @param csv e.g. {@code kill9,pause}
         * @return the kinds, in the given order, without repeats
         * @throws IllegalArgumentException naming the bad entry and the valid names
         */
        public static List<Kind> parseList(String csv) {
            List<Kind> out = new ArrayList<>();
            for (String s : csv.split(",")) {
                String t = s.trim();
                if (t.isEmpty()) {
                    continue;
                }
                Kind k = null;
                for (Kind c : values()) {
                    if (c.flag().equals(t.toLowerCase(Locale.ROOT))) {
                        k = c;
                    }
                }
                if (k == null) {
                    List<String> names = new ArrayList<>();
                    for (Kind c : values()) {
                        names.add(c.flag());
                    }
                    throw new IllegalArgumentException("unknown fault '" + t + "'; the faults are " + String.join(",", names));
                }
                if (!out.contains(k)) {
                    out.add(k);
                }
            }
            if (out.isEmpty()) {
                throw new IllegalArgumentException("no faults given");
            }
            return out;
        }
    }

    /** Validates the fields. */
    public Fault {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(target, "target");
    }

    /**
     * A run's schedule: the enabled kinds in a random order, then again in another order, and so on; each
     * with a random target, a delay of 200-1000 ms and a hold time. The run applies a prefix of it.
     *
     * @param random  the run's random source ({@code new Random(seed + run)})
     * @param kinds   the enabled kinds
     * @param nodes   the node names
     * @param clients how many clients there are
     * @param length  how many faults to draw
     * @return the schedule
     */
    public static List<Fault> schedule(Random random, List<Kind> kinds, List<String> nodes, int clients, int length) {
        List<Fault> out = new ArrayList<>();
        while (out.size() < length) {
            List<Kind> round = new ArrayList<>(kinds);
            Collections.shuffle(round, random);
            for (Kind k : round) {
                if (out.size() == length) {
                    break;
                }
                String target = k == Kind.CLIENTDROP ? Integer.toString(random.nextInt(clients))
                        : nodes.get(random.nextInt(nodes.size()));
                long delay = 200 + random.nextInt(800);
                long hold = switch (k) {
                    case PAUSE -> 100 + random.nextInt(1400);
                    case CUT -> 300 + random.nextInt(1200);
                    case DISKERROR -> 300 + random.nextInt(1700);
                    case KILL9, IAMFAILING -> random.nextInt(1000);
                    default -> 0;
                };
                out.add(new Fault(k, target, delay, hold));
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return kind.flag() + ":" + target + (holdMs > 0 ? "/" + holdMs + "ms" : "");
    }
}
