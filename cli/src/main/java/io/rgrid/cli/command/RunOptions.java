package io.rgrid.cli.command;

import io.rgrid.cli.core.CliException;
import io.rgrid.model.MemorySize;
import io.rgrid.model.NetworkMode;
import io.rgrid.model.api.SubmitSpec;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.TypeConversionException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code rgrid run} and {@code rgrid local run} take: the script, its arguments, its
 * inputs and limits. rgrid's own options may come before or after SCRIPT; any other
 * argument after SCRIPT goes to the script, and everything after {@code --} does.
 */
public final class RunOptions {

    @Parameters(index = "0", paramLabel = "SCRIPT", description = "The Python script to run.")
    Path script;

    @Parameters(index = "1..*", paramLabel = "ARGS",
            description = "Arguments for the script. Put them after -- when they look like rgrid options.")
    List<String> args = new ArrayList<>();

    @Option(names = {"-i", "--input"}, paramLabel = "FILE|GLOB",
            description = "A file the script reads, placed in its working directory under its file name. "
                    + "Repeatable; a quoted glob ('data/*.csv', 'in/**.json') adds every match.")
    List<String> inputPatterns = new ArrayList<>();

    /** {@link #inputPatterns} expanded by {@link #validate()}. */
    List<Path> inputs = new ArrayList<>();

    @Option(names = {"-r", "--requirements"}, paramLabel = "FILE",
            description = "A requirements.txt to pip-install before the script runs "
                    + "(default: the requirements.txt beside the script, if there is one).")
    Path requirements;

    @Option(names = "--no-requirements", description = "Do not use the requirements.txt beside the script.")
    boolean noRequirements;

    @Option(names = "--env-file", paramLabel = "FILE",
            description = "KEY=VALUE lines (# comments, optional 'export ', quotes stripped) added to the script's "
                    + "environment; --env wins over it. Repeatable.")
    List<Path> envFiles = new ArrayList<>();

    @Option(names = {"-o", "--output-dir"}, paramLabel = "DIR",
            description = "Where to download the outputs after a successful run (default: rgrid-outputs/ID; "
                    + "with --batch: DIR/<input name>/).")
    Path outputDir;

    @Option(names = "--no-download", description = "Do not download the outputs (rgrid outputs ID does it later).")
    boolean noDownload;

    @Option(names = "--batch", paramLabel = "GLOB",
            description = "One execution per file matching GLOB (quote it): the file is an input of its execution, "
                    + "its name the script's first argument and RGRID_BATCH_INPUT. Shows a live table and a summary.")
    String batch;

    /** The files --batch matched, expanded by {@link #validate()}. */
    List<Path> batchFiles = new ArrayList<>();

    /** Set by {@link #validate()} when the requirements.txt beside the script was picked up. */
    Path defaultRequirements;

    @Option(names = "--image", paramLabel = "IMAGE", description = "Container image (default: the grid's).")
    String image;

    @Option(names = "--cpus", paramLabel = "N", converter = PositiveDouble.class,
            description = "CPU limit in cores, fractions allowed (e.g. 0.5, 2).")
    Double cpus;

    @Option(names = {"-m", "--memory"}, paramLabel = "SIZE", converter = Memory.class,
            description = "Memory limit: 512m, 2g or a number of MiB.")
    String memory;

    @Option(names = "--timeout", paramLabel = "SECONDS", converter = PositiveInt.class,
            description = "Wall-clock limit of the script in seconds; exit code 124 when exceeded.")
    Integer timeoutSeconds;

    @Option(names = {"-e", "--env"}, paramLabel = "KEY=VALUE",
            description = "An environment variable for the script. Repeatable.")
    Map<String, String> env = new LinkedHashMap<>();

    @Option(names = {"-l", "--label"}, paramLabel = "KEY=VALUE", description = "A label on the execution. Repeatable.")
    Map<String, String> labels = new LinkedHashMap<>();

    @Option(names = "--network", paramLabel = "MODE", converter = Network.class,
            description = "Container network: bridge (default) or none.")
    String network;

    @Option(names = "--max-attempts", paramLabel = "N", converter = PositiveInt.class,
            description = "Attempts before an execution whose worker is lost ends as LOST.")
    Integer maxAttempts;

    @Option(names = "--machine", paramLabel = "TYPE",
            description = "Run on this machine type (e.g. cx33) instead of the cheapest allowed one that fits.")
    String machine;

    @Option(names = {"-d", "--detach"}, description = "Print the execution id and exit without following it.")
    boolean detach;

    @Option(names = "--timings", description = "At the end, print on stderr where the run's time went, stage by stage.")
    boolean timings;

    /**
     * Checks what can be checked before talking to the API: the files exist and the inputs'
     * names (their names on the worker) are distinct.
     */
    void validate() {
        if (script.toString().startsWith("-")) {
            throw CliException.usage("unknown option '" + script + "' (rgrid run --help lists the options)");
        }
        requireFile(script, "script");
        inputs = new ArrayList<>();
        for (String pattern : inputPatterns) {
            inputs.addAll(Globs.expand(pattern, "--input"));
        }
        if (batch != null) {
            batchFiles = Globs.expand(batch, "--batch");
        }
        Map<String, Path> byName = new HashMap<>();
        for (Path input : inputs) {
            requireFile(input, "input");
            Path clash = byName.putIfAbsent(input.getFileName().toString(), input);
            if (clash != null) {
                throw CliException.usage("two inputs are named " + input.getFileName() + " (" + clash + ", " + input
                        + "); inputs are placed by file name, rename one");
            }
        }
        if (requirements != null) {
            requireFile(requirements, "requirements file");
        } else if (!noRequirements) {
            Path beside = script.toAbsolutePath().getParent().resolve("requirements.txt");
            if (Files.isRegularFile(beside) && Files.isReadable(beside)) {
                defaultRequirements = beside;
            }
        }
        Map<String, String> merged = new LinkedHashMap<>();
        for (Path file : envFiles) {
            merged.putAll(EnvFile.read(file));
        }
        merged.putAll(env);
        env = merged;
        for (String key : env.keySet()) {
            if (key.isEmpty() || key.contains("\0")) {
                throw CliException.usage("--env needs KEY=VALUE with a non-empty KEY, not '=" + env.get(key) + "'");
            }
        }
    }

    SubmitSpec toSpec() {
        return toSpec(List.copyOf(args), env);
    }

    /** The spec of one --batch execution: the input's name first among the script's arguments, and in its env. */
    SubmitSpec toBatchSpec(Path input) {
        String name = input.getFileName().toString();
        List<String> batchArgs = new ArrayList<>();
        batchArgs.add(name);
        batchArgs.addAll(args);
        Map<String, String> batchEnv = new LinkedHashMap<>(env);
        batchEnv.put("RGRID_BATCH_INPUT", name);
        return toSpec(batchArgs, batchEnv);
    }

    private SubmitSpec toSpec(List<String> scriptArgs, Map<String, String> environment) {
        return new SubmitSpec(image, List.copyOf(scriptArgs), environment.isEmpty() ? null : Map.copyOf(environment), cpus,
                memory, timeoutSeconds, network, maxAttempts, labels.isEmpty() ? null : Map.copyOf(labels), machine);
    }

    private static void requireFile(Path file, String what) {
        if (Files.isDirectory(file)) {
            throw CliException.usage(file + " is a directory; the " + what + " must be a file");
        }
        if (!Files.isRegularFile(file)) {
            throw CliException.usage("no such file: " + file);
        }
        if (!Files.isReadable(file)) {
            throw CliException.usage("cannot read " + file + " (permission denied)");
        }
    }

    /** Validates with the API's own parser, so a bad size is a usage error before any upload. */
    static final class Memory implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            try {
                MemorySize.parseMb(value);
                return value.trim();
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    static final class Network implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            try {
                return NetworkMode.parse(value).wire();
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    static final class PositiveDouble implements ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            try {
                double parsed = Double.parseDouble(value);
                if (parsed > 0 && Double.isFinite(parsed)) {
                    return parsed;
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw new TypeConversionException("'" + value + "' is not a positive number");
        }
    }

    static final class PositiveInt implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            try {
                int parsed = Integer.parseInt(value.trim());
                if (parsed > 0) {
                    return parsed;
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw new TypeConversionException("'" + value + "' is not a positive whole number");
        }
    }
}
