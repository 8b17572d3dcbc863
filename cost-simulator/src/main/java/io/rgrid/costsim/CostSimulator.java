package io.rgrid.costsim;

import io.rgrid.model.event.MachineType;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code bench/cost-simulator.sh [options] TRACE.csv...}: replays each trace through RGrid's policy
 * and the three alternatives and prints one Markdown table per trace plus a verdict line.
 */
public final class CostSimulator {

    static final String USAGE = """
            usage: cost-simulator [options] TRACE.csv...
              --boot-delay D        create → first heartbeat (default 90s)
              --price EUR           per started billing period (default 0.0060, Hetzner cx22 net)
              --server-type NAME    label only (default cx22)
              --slots N             executions per worker (default 2)
              --cpus N              CPUs per worker (default 2)
              --idle-timeout D      the Ray-like policy's timeout (default 60s)
              --types NAME:CPUS:EUR,...
                                    machine types (e.g. cx23:2:0.0057,cx33:4:0.0095): compares RGrid's
                                    cheapest type that fits with one large type (the largest) for everything;
                                    a worker has one slot per CPU of its type
              --queue-threshold N, --max-workers N, --min-workers N, --interval D,
              --billing-period D, --terminate-window D
                                    override the orchestrator's defaults (rgrid.orchestrator.scaling.*)
            Durations: 90s, 5m, 1h, 250ms. Trace format: cost-simulator/traces/README.md.""";

    private CostSimulator() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        List<Path> files = new ArrayList<>();
        Map<String, String> options = new HashMap<>();
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("-h") || a.equals("--help")) {
                    out.println(USAGE);
                    return 0;
                }
                if (!a.startsWith("--")) {
                    files.add(Path.of(a));
                    continue;
                }
                if (!OPTIONS.contains(a)) {
                    throw new IllegalArgumentException("unknown option " + a);
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(a + " needs a value");
                }
                options.put(a, args[++i]);
            }
            Settings s = settings(options);
            if (files.isEmpty()) {
                throw new IllegalArgumentException("no trace given");
            }
            List<Trace> traces = new ArrayList<>();
            for (Path file : files) {
                if (!Files.isRegularFile(file)) {
                    throw new IllegalArgumentException(file + ": no such file");
                }
                traces.add(Trace.read(file));
            }
            List<MachineType> types = options.containsKey("--types") ? types(options.get("--types")) : List.of();
            out.println(describe(s) + (types.isEmpty() ? "" : " Machine types: " + types.stream()
                    .map(t -> String.format(Locale.ROOT, "%s (%s CPUs, EUR %.4f)", t.name(), trim(t.cpus()),
                            t.hourlyPriceEur()))
                    .collect(Collectors.joining(", ")) + "."));
            for (Trace trace : traces) {
                out.println();
                out.print(table(trace, s, policies(s, types)));
            }
            return 0;
        } catch (IllegalArgumentException | IOException e) {
            err.println("cost-simulator: " + e.getMessage());
            err.println(USAGE);
            return 2;
        }
    }

    private static final Set<String> OPTIONS = Set.of("--boot-delay", "--price", "--server-type", "--slots", "--cpus",
            "--idle-timeout", "--queue-threshold", "--max-workers", "--min-workers", "--interval", "--billing-period",
            "--terminate-window", "--types");

    /** The defaults ({@link Settings#defaults()}) with the options given on the command line. */
    static Settings settings(Map<String, String> o) {
        Settings d = Settings.defaults();
        return new Settings(
                o.getOrDefault("--server-type", d.serverType()),
                o.containsKey("--price") ? number("--price", o.get("--price")) : d.pricePerPeriod(),
                o.containsKey("--boot-delay") ? Settings.duration(o.get("--boot-delay")) : d.bootDelay(),
                o.containsKey("--slots") ? integer("--slots", o.get("--slots")) : d.slots(),
                o.containsKey("--cpus") ? number("--cpus", o.get("--cpus")) : d.cpus(),
                o.containsKey("--queue-threshold") ? integer("--queue-threshold", o.get("--queue-threshold")) : d.queueThreshold(),
                o.containsKey("--max-workers") ? integer("--max-workers", o.get("--max-workers")) : d.maxWorkers(),
                o.containsKey("--min-workers") ? integer("--min-workers", o.get("--min-workers")) : d.minWorkers(),
                o.containsKey("--interval") ? Settings.duration(o.get("--interval")) : d.tick(),
                o.containsKey("--billing-period") ? Settings.duration(o.get("--billing-period")) : d.billingPeriod(),
                o.containsKey("--terminate-window") ? Settings.duration(o.get("--terminate-window")) : d.terminateWindow(),
                o.containsKey("--idle-timeout") ? Settings.duration(o.get("--idle-timeout")) : d.idleTimeout());
    }

    /** RGrid first, then the alternatives: scale-down rules with one type, one large type with {@code types}. */
    static List<Policy> policies(Settings s, List<MachineType> types) {
        if (types.isEmpty()) {
            return List.of(Policy.rgrid(), Policy.deleteWhenIdle(), Policy.idleTimeout(s.idleTimeout()),
                    Policy.alwaysMax());
        }
        MachineType largest = types.stream().max(Comparator.comparingDouble(MachineType::cpus)).orElseThrow();
        return List.of(Policy.rgrid("rgrid (cheapest type that fits)", types),
                Policy.rgrid("one large type for everything (" + largest.name() + ")", List.of(largest)));
    }

    /** {@code NAME:CPUS:EUR,...}; the trace has no memory column, so a type's memory is not modelled. */
    static List<MachineType> types(String value) {
        List<MachineType> out = new ArrayList<>();
        for (String entry : value.split(",")) {
            String[] f = entry.strip().split(":");
            if (f.length != 3 || f[0].isBlank()) {
                throw new IllegalArgumentException("--types: '" + entry + "' is not NAME:CPUS:EUR (e.g. cx33:4:0.0095)");
            }
            out.add(new MachineType(f[0], number("--types", f[1]), 0, number("--types", f[2])));
        }
        return List.copyOf(out);
    }

    static String describe(Settings s) {
        return String.format(Locale.ROOT, "Worker: %s, %d slots, %s CPUs, EUR %.4f per started %s, boot %s. "
                        + "Scaling: queue threshold %d, max %d, min %d workers, tick %s, terminate window %s. "
                        + "Ray-like idle timeout %s.",
                s.serverType(), s.slots(), trim(s.cpus()), s.pricePerPeriod(), human(s.billingPeriod()),
                human(s.bootDelay()), s.queueThreshold(), s.maxWorkers(), s.minWorkers(), human(s.tick()),
                human(s.terminateWindow()), human(s.idleTimeout()));
    }

    static String table(Trace trace, Settings s, List<Policy> policies) {
        List<Result> results = policies.stream().map(p -> Simulation.run(trace, p, s)).toList();
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%s: %d executions over %s, %.1f CPU-hours of work%n%n",
                trace.name(), trace.jobs().size(), human(Duration.ofMillis(trace.spanMillis())), trace.cpuHours()));
        b.append("| policy | cost (EUR) | server-hours | servers created | peak | wait p50 | wait p95 | wait max |\n");
        b.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Result r : results) {
            b.append(String.format(Locale.ROOT, "| %s | %.4f | %d | %d | %d | %s | %s | %s |%n", r.policy(),
                    r.costEur(), r.periods(), r.serversCreated(), r.peakWorkers(), seconds(r.waitP50Millis()),
                    seconds(r.waitP95Millis()), seconds(r.waitMaxMillis())));
        }
        b.append('\n').append(verdict(results)).append('\n');
        return b.toString();
    }

    /** RGrid against the cheapest alternative whose p95 wait is no worse than RGrid's. */
    static String verdict(List<Result> results) {
        Result rgrid = results.getFirst();
        Optional<Result> rival = results.stream().skip(1)
                .filter(r -> r.waitP95Millis() <= rgrid.waitP95Millis())
                .min(Comparator.comparingDouble(Result::costEur));
        Result cheapest = results.stream().skip(1).min(Comparator.comparingDouble(Result::costEur)).orElseThrow();
        if (rival.isEmpty()) {
            return String.format(Locale.ROOT, "Verdict: no alternative reaches RGrid's p95 wait (%s); "
                    + "the cheapest alternative, %s, costs EUR %.4f against RGrid's EUR %.4f.",
                    seconds(rgrid.waitP95Millis()), cheapest.policy(), cheapest.costEur(), rgrid.costEur());
        }
        Result r = rival.get();
        String outcome = rgrid.costEur() <= r.costEur() + 1e-9 ? "RGrid costs no more" : "RGrid costs MORE";
        return String.format(Locale.ROOT, "Verdict: %s: EUR %.4f against EUR %.4f for %s, the cheapest "
                        + "alternative with a p95 wait no worse than RGrid's (%s against %s).",
                outcome, rgrid.costEur(), r.costEur(), r.policy(), seconds(r.waitP95Millis()),
                seconds(rgrid.waitP95Millis()));
    }

    static String seconds(long millis) {
        return millis % 1000 == 0 ? (millis / 1000) + " s" : String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }

    static String human(Duration d) {
        long s = d.toSeconds();
        if (d.toMillis() % 1000 != 0) {
            if (s >= 3600) {
                return String.format(Locale.ROOT, "%.1f h", d.toMillis() / 3_600_000.0);
            }
            return s >= 60 ? String.format(Locale.ROOT, "%.1f min", d.toMillis() / 60_000.0) : d.toMillis() + " ms";
        }
        if (s >= 3600 && s % 60 == 0) {
            return s % 3600 == 0 ? (s / 3600) + " h" : String.format(Locale.ROOT, "%.1f h", s / 3600.0);
        }
        if (s >= 60 && s % 60 == 0) {
            return (s / 60) + " min";
        }
        return s + " s";
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    private static double number(String flag, String v) {
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " must be a number, not '" + v + "'");
        }
    }

    private static int integer(String flag, String v) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " must be a whole number, not '" + v + "'");
        }
    }
}
