package io.understudy.bench.datapath;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.util.Statistics;

/**
 * Runs the data-path benchmarks with JMH and reports them: round trip (median, p99) of a 64-byte request
 * echoed, and requests per second with 1 and 16 connections (one request outstanding on each), for raw
 * loopback sockets (the floor), the {@code tcp} transport, the failover client over {@code tcp} (the
 * session layer), gRPC-java unary calls, the {@code vi} transport and its raw shared-memory floor.
 *
 * <p>Besides a table it prints one line per figure, {@code bench: <name> <value> <unit>}, for scripts.
 * Each JMH benchmark runs in one forked JVM that inherits this JVM's class path, so the class path must
 * hold {@code bench/target/classes} (with the generated {@code META-INF/BenchmarkList}) and its
 * dependencies: {@code bench/run-datapath} does that.
 */
public final class DataPath {

    /** How long to measure. */
    enum Profile {
        /**
         * For the test: proves every figure comes out, measures nothing worth reading. Runs the benchmarks
         * inside this JVM (JMH's {@code forks(0)}) to stay well under a minute on a loaded machine; the
         * other profiles fork.
         */
        TINY(0, 100, 1, 200, false),
        /** Under about 90 s on two cores: 1 s warm-up, 2 × 1 s measured per benchmark. */
        QUICK(1, 1000, 2, 1000, false),
        /**
         * 3 × 1 s warm-up, 5 × 2 s measured; the 1-connection rate measured rather than derived, and the
         * pipelined variants.
         */
        FULL(3, 1000, 5, 2000, true);

        final int warmups;
        final int warmupMillis;
        final int iterations;
        final int iterationMillis;
        final boolean full;

        Profile(int warmups, int warmupMillis, int iterations, int iterationMillis, boolean full) {
            this.warmups = warmups;
            this.warmupMillis = warmupMillis;
            this.iterations = iterations;
            this.iterationMillis = iterationMillis;
            this.full = full;
        }
    }

    /** One path measured: its short name (the prefix of its figures), its label, its benchmark method. */
    record Subject(String name, String label, Class<?> bench, String method, boolean rate) {
        String id() {
            return bench.getName() + "." + method;
        }
    }

    static final List<Subject> PATHS = List.of(
            new Subject("raw", "raw sockets, 4-byte prefix (floor)", RawSocketBench.class, "roundTrip", true),
            new Subject("tcp", "tcp transport (send/receive)", TcpBench.class, "roundTrip", true),
            new Subject("client", "FailoverClient.call over tcp", ClientBench.class, "call", true),
            new Subject("grpc", "gRPC-java unary (Netty)", GrpcBench.class, "roundTrip", true),
            new Subject("shm", "raw shm ping-pong (vi floor)", ShmBench.class, "roundTrip", false),
            new Subject("vi", "vi transport (shared memory)", ViBench.class, "roundTrip", true));

    /** Pipelined variants (full profile only): one connection, {@value Echo#DEPTH} requests in flight. */
    static final List<Subject> PIPELINED = List.of(
            new Subject("raw_pipelined", "raw sockets, 16 in flight", RawSocketBench.class, "pipelined", true),
            new Subject("tcp_pipelined", "tcp transport, 16 in flight", TcpBench.class, "pipelined", true));

    private DataPath() {
    }

    /**
     * Runs the benchmarks and prints the table and the {@code bench:} lines.
     *
     * @param out   where to print
     * @param quick a short run (under about 90 s on two cores) instead of the full one
     * @throws IllegalStateException if a benchmark failed (the JMH output is printed first)
     */
    public static void run(PrintStream out, boolean quick) {
        run(out, quick ? Profile.QUICK : Profile.FULL);
    }

    /**
     * Runs the full benchmark, or the quick one with {@code --quick}.
     *
     * @param args {@code --quick} or nothing
     */
    public static void main(String[] args) {
        boolean quick = false;
        for (String a : args) {
            if (a.equals("--quick") || a.equals("quick")) {
                quick = true;
            } else {
                System.err.println("datapath: unknown argument '" + a + "'; usage: DataPath [--quick]");
                System.exit(2);
            }
        }
        run(System.out, quick);
    }

    /** {@return the figures by name} after printing them */
    static Map<String, Double> run(PrintStream out, Profile profile) {
        out.printf(Locale.ROOT, "data path: 64-byte request echoed over 127.0.0.1, JMH, %s profile; %s%n",
                profile.name().toLowerCase(Locale.ROOT), machine());
        Map<String, Statistics> rtt = new LinkedHashMap<>();
        for (RunResult r : jmh(out, profile, PATHS, Mode.SampleTime, 1)) {
            rtt.put(r.getParams().getBenchmark(), r.getPrimaryResult().getStatistics());
        }
        List<Subject> rated = PATHS.stream().filter(Subject::rate).toList();
        Map<String, Double> rate16 = rates(jmh(out, profile, rated, Mode.Throughput, 16));
        Map<String, Double> rate1 = profile.full ? rates(jmh(out, profile, rated, Mode.Throughput, 1)) : Map.of();
        Map<String, Double> pipelined = profile.full ? rates(jmh(out, profile, PIPELINED, Mode.Throughput, 1)) : Map.of();

        Map<String, Double> figures = new LinkedHashMap<>();
        Map<String, String> units = new LinkedHashMap<>();
        out.printf(Locale.ROOT, "%n%-36s %10s %10s %10s %14s %14s%n", "path", "rtt p50", "rtt p99", "rtt mean",
                "rate 1 conn", "rate 16 conns");
        for (Subject p : PATHS) {
            Statistics s = rtt.get(p.id());
            if (s == null) {
                throw new IllegalStateException("JMH returned no round-trip result for " + p.id());
            }
            double p50 = s.getPercentile(50);
            double p99 = s.getPercentile(99);
            put(figures, units, p.name() + "_rtt_p50", p50, "us");
            put(figures, units, p.name() + "_rtt_p99", p99, "us");
            String r1 = "-";
            String r16 = "-";
            if (p.rate()) {
                // One connection with one request outstanding: its rate is 1 / mean round trip, measured
                // directly in the full profile.
                double one = rate1.containsKey(p.id()) ? rate1.get(p.id()) : 1e6 / s.getMean();
                Double sixteen = rate16.get(p.id());
                if (sixteen == null) {
                    throw new IllegalStateException("JMH returned no throughput result for " + p.id());
                }
                put(figures, units, p.name() + "_rate_1", one, "ops/s");
                put(figures, units, p.name() + "_rate_16", sixteen, "ops/s");
                r1 = String.format(Locale.ROOT, "%,.0f/s%s", one, rate1.isEmpty() ? "*" : "");
                r16 = String.format(Locale.ROOT, "%,.0f/s", sixteen);
            }
            out.printf(Locale.ROOT, "%-36s %7.1f us %7.1f us %7.1f us %14s %14s%n", p.label(), p50, p99, s.getMean(), r1, r16);
        }
        for (Subject p : PIPELINED) {
            Double r = pipelined.get(p.id());
            if (r != null) {
                put(figures, units, p.name() + "_rate_1", r, "ops/s");
                out.printf(Locale.ROOT, "%-36s %10s %10s %10s %14s %14s%n", p.label(), "-", "-", "-",
                        String.format(Locale.ROOT, "%,.0f/s", r), "-");
            }
        }
        if (rate1.isEmpty()) {
            out.println("* derived: one connection with one request outstanding does 1 / (mean round trip) requests/s");
        }
        put(figures, units, "tcp_vs_raw_rtt", figures.get("tcp_rtt_p50") / figures.get("raw_rtt_p50"), "x");
        put(figures, units, "client_vs_raw_rtt", figures.get("client_rtt_p50") / figures.get("raw_rtt_p50"), "x");
        put(figures, units, "tcp_vs_grpc_rate", figures.get("tcp_rate_16") / figures.get("grpc_rate_16"), "x");
        put(figures, units, "client_vs_grpc_rate", figures.get("client_rate_16") / figures.get("grpc_rate_16"), "x");
        put(figures, units, "vi_vs_shm_rtt", figures.get("vi_rtt_p50") / figures.get("shm_rtt_p50"), "x");
        out.printf(Locale.ROOT, "goals (reported, not asserted): tcp rtt within 1.25x of raw: %.2fx (%s); "
                        + "tcp rate >= 2x gRPC with 16 connections: %.2fx (%s)%n",
                figures.get("tcp_vs_raw_rtt"), figures.get("tcp_vs_raw_rtt") <= 1.25 ? "met" : "missed",
                figures.get("tcp_vs_grpc_rate"), figures.get("tcp_vs_grpc_rate") >= 2 ? "met" : "missed");
        for (Map.Entry<String, Double> f : figures.entrySet()) {
            String unit = units.get(f.getKey());
            String value = switch (unit) {
                case "us" -> String.format(Locale.ROOT, "%.1f", f.getValue());
                case "x" -> String.format(Locale.ROOT, "%.2f", f.getValue());
                default -> String.format(Locale.ROOT, "%.0f", f.getValue());
            };
            out.println("bench: " + f.getKey() + " " + value + " " + unit);
        }
        out.flush();
        return figures;
    }

    private static void put(Map<String, Double> figures, Map<String, String> units, String name, double value, String unit) {
        figures.put(name, value);
        units.put(name, unit);
    }

    private static Map<String, Double> rates(Collection<RunResult> results) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (RunResult r : results) {
            m.put(r.getParams().getBenchmark(), r.getPrimaryResult().getScore());
        }
        return m;
    }

    /** Runs some benchmarks in one mode, each in one fork; JMH's own output is shown only on failure. */
    private static Collection<RunResult> jmh(PrintStream out, Profile profile, List<Subject> paths, Mode mode, int threads) {
        out.printf(Locale.ROOT, "running %s, %d thread%s: %s%n", mode.shortLabel(), threads, threads == 1 ? "" : "s",
                paths.stream().map(Subject::name).toList());
        ChainedOptionsBuilder b = new OptionsBuilder()
                .mode(mode)
                .timeUnit(mode == Mode.Throughput ? TimeUnit.SECONDS : TimeUnit.MICROSECONDS)
                .threads(threads)
                .forks(profile == Profile.TINY ? 0 : 1)
                .warmupIterations(profile.warmups)
                .warmupTime(TimeValue.milliseconds(profile.warmupMillis))
                .measurementIterations(profile.iterations)
                .measurementTime(TimeValue.milliseconds(profile.iterationMillis))
                .timeout(TimeValue.seconds(60))
                .shouldDoGC(false)
                .shouldFailOnError(true)
                .verbosity(VerboseMode.NORMAL)
                // JMH starts the forked JVM with this JVM's java.class.path.
                .jvmArgs("-Xms256m", "-Xmx256m");
        for (Subject p : paths) {
            b.include("^" + Pattern.quote(p.id()) + "$");
        }
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream jmhOut = profile.full ? out : new PrintStream(log, true, StandardCharsets.UTF_8);
        try {
            Collection<RunResult> results = new Runner(b.build(), OutputFormatFactory.createFormatInstance(jmhOut, VerboseMode.NORMAL))
                    .run();
            if (results.size() != paths.size()) {
                throw new IllegalStateException("JMH ran " + results.size() + " of " + paths.size() + " benchmarks");
            }
            return results;
        } catch (RunnerException | RuntimeException e) {
            out.print(log.toString(StandardCharsets.UTF_8));
            throw new IllegalStateException("data-path benchmark failed (" + mode.shortLabel() + ", " + threads + " threads): "
                    + e.getMessage(), e);
        }
    }

    /** {@return a line about the machine: cores, load, JDK} */
    private static String machine() {
        String load = "?";
        try {
            load = Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim();
        } catch (IOException | RuntimeException e) {
            // Not Linux: the load is unknown.
        }
        return Runtime.getRuntime().availableProcessors() + " cpus, load " + load + ", JDK " + Runtime.version();
    }
}
