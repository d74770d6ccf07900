package io.understudy.bench;

import io.understudy.bench.failover.FailoverBench;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code understudy bench [--quick] [--trials N] [--out DIR] [--scenarios a,b,...]}: the benchmarks that run
 * from the launcher. Prints one line per figure as {@code bench: <name> <value> <unit>}; lines starting with
 * {@code note:} say how the figures were taken; progress goes to standard error.
 */
public final class BenchMain {

    private BenchMain() {
    }

    /**
     * Runs the benchmarks.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        try {
            System.exit(run(System.out, System.err, args));
        } catch (IllegalArgumentException e) {
            System.err.println("understudy bench: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
        } catch (Exception e) {
            System.err.println("understudy bench: failed: " + e);
            e.printStackTrace(System.err);
            System.exit(1);
        }
    }

    static final String USAGE = """
            usage: understudy bench [--quick] [--trials N] [--out DIR] [--scenarios S,S,...] [--clients N]
              --quick        fewer trials (5 per scenario), no scaling runs; about 3 minutes on 2 cores
              --trials N     trials per scenario (default 30, quick 5)
              --out DIR      where the chart (failover-throughput.png) and the table (failover.md) go (default bench/results)
              --scenarios    any of: %s (default: all; quick: %s)
              --clients N    clients writing during the main scenarios (default 4)
              --scale-trials N  trials per cell of scale-volumes and scale-clients (default 10, quick 3)
              --skip-datapath   only the failover figures (no JMH data-path benchmarks)
              --only-datapath   only the JMH data-path benchmarks""".formatted(
            String.join(",", FailoverBench.ALL), String.join(",", FailoverBench.QUICK));

    /** Parses the arguments and runs; {@return the exit status}. */
    static int run(PrintStream out, PrintStream log, String... args) throws Exception {
        boolean quick = false;
        Integer trials = null;
        Integer scaleTrials = null;
        int clients = 4;
        Path outDir = Path.of("bench", "results");
        List<String> scenarios = null;
        boolean failover = true;
        boolean datapath = true;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--quick" -> quick = true;
                case "--trials" -> trials = positive(a, value(args, ++i, a));
                case "--scale-trials" -> scaleTrials = positive(a, value(args, ++i, a));
                case "--clients" -> clients = positive(a, value(args, ++i, a));
                case "--out" -> outDir = Path.of(value(args, ++i, a));
                case "--scenarios" -> scenarios = new ArrayList<>(Arrays.asList(value(args, ++i, a).split(",")));
                case "--skip-datapath" -> datapath = false;
                case "--only-datapath" -> failover = false;
                case "-h", "--help" -> {
                    out.println(USAGE);
                    return 0;
                }
                default -> throw new IllegalArgumentException("unknown argument '" + a + "'");
            }
        }
        int t = trials != null ? trials : quick ? 5 : 30;
        int st = scaleTrials != null ? scaleTrials : quick ? Math.min(t, 3) : Math.min(t, 10);
        FailoverBench.Options o = new FailoverBench.Options(t, st, scenarios != null ? scenarios
                : quick ? FailoverBench.QUICK : FailoverBench.ALL, clients, 5, List.of(1, 10, 100), List.of(1, 100, 1000), outDir, quick);
        if (failover) {
            FailoverBench bench = new FailoverBench(o, out, log);
            Thread hook = new Thread(bench::abort, "bench-abort");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                bench.run();
            } finally {
                Runtime.getRuntime().removeShutdownHook(hook);
            }
        }
        if (datapath) {
            // The data-path benchmarks (JMH, forked JVMs): round trip and rate next to raw sockets, shared memory
            // and gRPC; they print their own `bench:` lines (tcp_vs_raw_rtt, tcp_vs_grpc_rate, ...).
            io.understudy.bench.datapath.DataPath.run(out, quick);
        }
        return 0;
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static int positive(String option, String v) {
        try {
            int n = Integer.parseInt(v);
            if (n < 1) {
                throw new IllegalArgumentException(option + " must be at least 1, not " + v);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " takes a whole number, not '" + v + "'");
        }
    }
}
