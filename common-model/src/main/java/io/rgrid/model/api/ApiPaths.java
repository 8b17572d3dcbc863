package io.rgrid.model.api;

/** The public HTTP API's paths. Every call carries {@code Authorization: Bearer <key>}. */
public final class ApiPaths {

    public static final int DEFAULT_PORT = 8000;
    public static final String BASE = "/api/v1";
    public static final String EXECUTIONS = BASE + "/executions";
    /** Multipart parts of a submission. */
    public static final String PART_SPEC = "spec";
    public static final String PART_SCRIPT = "script";
    public static final String PART_INPUTS = "inputs";
    public static final String PART_REQUIREMENTS = "requirements";

    private ApiPaths() {
    }

    public static String execution(String id) {
        return EXECUTIONS + "/" + id;
    }

    public static String logs(String id) {
        return execution(id) + "/logs";
    }

    public static String cancel(String id) {
        return execution(id) + "/cancel";
    }
}
