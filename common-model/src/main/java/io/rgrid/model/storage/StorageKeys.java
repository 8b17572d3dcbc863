package io.rgrid.model.storage;

import java.util.UUID;

/**
 * Where an execution's files live in the bucket:
 * {@code executions/{id}/script}, {@code …/inputs/{name}}, {@code …/requirements.txt},
 * {@code …/attempts/{n}/outputs/{name}}, {@code …/attempts/{n}/log}.
 */
public final class StorageKeys {

    /** The bucket name unless configured otherwise (seed: MINIO_BUCKET_NAME=rgrid). */
    public static final String DEFAULT_BUCKET = "rgrid";

    private StorageKeys() {
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

    public static String attemptPrefix(UUID executionId, int attempt) {
        return executionPrefix(executionId) + "attempts/" + attempt + "/";
    }

    public static String outputsPrefix(UUID executionId, int attempt) {
        return attemptPrefix(executionId, attempt) + "outputs/";
    }

    /** @param fileName the output's path below outputs/, folders included ({@code sub/b.txt}); see {@link OutputNames} */
    public static String output(UUID executionId, int attempt, String fileName) {
        return outputsPrefix(executionId, attempt) + fileName;
    }

    public static String log(UUID executionId, int attempt) {
        return attemptPrefix(executionId, attempt) + "log";
    }
}
