package io.rgrid.model.storage;

import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Where an execution's files live in the bucket (docs/architecture.md, "Storage layout"):
 * <pre>
 * executions/{id}/script
 * executions/{id}/inputs/{name}
 * executions/{id}/requirements.txt
 * executions/{id}/attempts/{n}/runs/{run}/log
 * executions/{id}/attempts/{n}/runs/{run}/outputs/{name}
 * </pre>
 * A run is one start of an attempt on a worker: the agent names it when it accepts the attempt and
 * its reports carry the name, so a stray second run of the same attempt writes beside the first,
 * never over it, and the API serves the run whose report it accepted. The layout before runs
 * ({@code …/attempts/{n}/log}, {@code …/attempts/{n}/outputs/{name}}) stays readable: the key
 * methods that take a run give the old key for a null run, which is what executions written
 * before the change have.
 */
public final class StorageKeys {

    /** The bucket name unless configured otherwise (seed: MINIO_BUCKET_NAME=rgrid). */
    public static final String DEFAULT_BUCKET = "rgrid";

    /** A run's name: lower-case letters, digits and '-', 1 to 64 of them (a UUID fits). */
    private static final Pattern RUN = Pattern.compile("[a-z0-9-]{1,64}");

    private StorageKeys() {
    }

    /** Whether {@code run} may name a run: it becomes one segment of a key, so nothing but [a-z0-9-]. */
    public static boolean isRun(String run) {
        return run != null && RUN.matcher(run).matches();
    }

    public static String executionPrefix(UUID executionId) {
        return "executions/" + executionId + "/";
    }

    public static String script(UUID executionId) {
        return executionPrefix(executionId) + "script";
    }

    public static String input(UUID executionId, String fileName) {
        return executionPrefix(executionId) + "inputs/" + fileName;
    }

    public static String requirements(UUID executionId) {
        return executionPrefix(executionId) + "requirements.txt";
    }

    /** Everything every run of the attempt writes, in both layouts. */
    public static String attemptPrefix(UUID executionId, int attempt) {
        return executionPrefix(executionId) + "attempts/" + attempt + "/";
    }

    /**
     * What one run of the attempt writes; for a null run, the attempt's own prefix (the layout
     * before runs).
     *
     * @throws IllegalArgumentException when {@code run} is not a run's name ({@link #isRun})
     */
    public static String runPrefix(UUID executionId, int attempt, String run) {
        if (run == null) {
            return attemptPrefix(executionId, attempt);
        }
        if (!isRun(run)) {
            throw new IllegalArgumentException("not a run name: '" + OutputNames.printable(run) + "'");
        }
        return attemptPrefix(executionId, attempt) + "runs/" + run + "/";
    }

    /** @param run the run, or null for the layout before runs */
    public static String outputsPrefix(UUID executionId, int attempt, String run) {
        return runPrefix(executionId, attempt, run) + "outputs/";
    }

    /**
     * @param run      the run, or null for the layout before runs
     * @param fileName the output's path below outputs/, folders included ({@code sub/b.txt}); see {@link OutputNames}
     */
    public static String output(UUID executionId, int attempt, String run, String fileName) {
        return outputsPrefix(executionId, attempt, run) + fileName;
    }

    /** @param run the run, or null for the layout before runs */
    public static String log(UUID executionId, int attempt, String run) {
        return runPrefix(executionId, attempt, run) + "log";
    }

    /** The layout before runs: {@code …/attempts/{n}/outputs/}; what executions written then have. */
    public static String outputsPrefix(UUID executionId, int attempt) {
        return outputsPrefix(executionId, attempt, null);
    }

    /** The layout before runs: {@code …/attempts/{n}/outputs/{name}}. */
    public static String output(UUID executionId, int attempt, String fileName) {
        return output(executionId, attempt, null, fileName);
    }

    /** The layout before runs: {@code …/attempts/{n}/log}. */
    public static String log(UUID executionId, int attempt) {
        return log(executionId, attempt, null);
    }
}
