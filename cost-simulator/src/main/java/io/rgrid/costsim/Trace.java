package io.rgrid.costsim;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * A workload to replay: executions with their arrival time, run time and CPUs. The file format
 * (documented in {@code traces/README.md}) is CSV with the header {@code arrival_s,duration_s,cpus};
 * blank lines and lines starting with {@code #} are ignored; rows may come in any order.
 *
 * @param name the file name, for the table
 * @param jobs the executions, by arrival (ties keep file order)
 */
public record Trace(String name, List<Job> jobs) {

    static final String HEADER = "arrival_s,duration_s,cpus";

    /** One execution: when it is submitted, how long it runs once started, how many CPUs it asks for. */
    public record Job(int index, long arrivalMillis, long durationMillis, double cpus) {
    }

    public Trace {
        jobs = jobs.stream().sorted(Comparator.comparingLong(Job::arrivalMillis).thenComparingInt(Job::index)).toList();
        if (jobs.isEmpty()) {
            throw new IllegalArgumentException(name + ": the trace has no executions");
        }
    }

    public static Trace read(Path file) throws IOException {
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return parse(file.getFileName().toString(), reader);
        }
    }

    /** @throws IllegalArgumentException naming the line and what is wrong with it */
    public static Trace parse(String name, Reader source) throws IOException {
        BufferedReader reader = new BufferedReader(source);
        List<Job> jobs = new ArrayList<>();
        boolean headerSeen = false;
        int lineNumber = 0;
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
            lineNumber++;
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            if (!headerSeen) {
                if (!trimmed.replace(" ", "").toLowerCase(Locale.ROOT).equals(HEADER)) {
                    throw new IllegalArgumentException(name + ":" + lineNumber + ": the first line must be the header '"
                            + HEADER + "', not '" + trimmed + "'");
                }
                headerSeen = true;
                continue;
            }
            String[] fields = trimmed.split(",", -1);
            if (fields.length != 3) {
                throw new IllegalArgumentException(name + ":" + lineNumber + ": expected 3 fields (" + HEADER
                        + "), got " + fields.length + " in '" + trimmed + "'");
            }
            double arrival = number(name, lineNumber, "arrival_s", fields[0]);
            double duration = number(name, lineNumber, "duration_s", fields[1]);
            double cpus = number(name, lineNumber, "cpus", fields[2]);
            if (arrival < 0) {
                throw new IllegalArgumentException(name + ":" + lineNumber + ": arrival_s must be >= 0, got " + fields[0]);
            }
            if (duration <= 0) {
                throw new IllegalArgumentException(name + ":" + lineNumber + ": duration_s must be > 0, got " + fields[1]);
            }
            if (cpus <= 0) {
                throw new IllegalArgumentException(name + ":" + lineNumber + ": cpus must be > 0, got " + fields[2]);
            }
            jobs.add(new Job(jobs.size(), Math.round(arrival * 1000), Math.round(duration * 1000), cpus));
        }
        if (!headerSeen) {
            throw new IllegalArgumentException(name + ": empty file; expected the header '" + HEADER + "'");
        }
        return new Trace(name, jobs);
    }

    private static double number(String name, int line, String field, String text) {
        try {
            double value = Double.parseDouble(text.strip());
            if (Double.isNaN(value) || Double.isInfinite(value)) {
                throw new NumberFormatException();
            }
            return value;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ":" + line + ": " + field + " must be a number, got '" + text + "'");
        }
    }

    /** Time from the first arrival to the last one. */
    public long spanMillis() {
        return jobs.getLast().arrivalMillis() - jobs.getFirst().arrivalMillis();
    }

    /** CPU-hours the trace asks for: the floor of any policy's bill in CPU terms. */
    public double cpuHours() {
        return jobs.stream().mapToDouble(j -> j.cpus() * j.durationMillis() / 3_600_000.0).sum();
    }
}
