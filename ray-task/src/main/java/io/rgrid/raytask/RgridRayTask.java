package io.rgrid.raytask;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Ray task of Ray dispatch mode. Ray runs it on the node it picked; it hands the attempt to
 * that node's worker-agent over loopback ({@code POST /v1/assignments}, the agent-mode contract)
 * and waits until the agent no longer holds it ({@code GET /v1/assignments/{id}?attempt=N}).
 * The outcome of the script travels as the agent's status report on Kafka; this only tells the
 * orchestrator whether the hand-over worked.
 *
 * <p>JDK only: Ray's Java workers load it from the code-search path next to the installed Ray's
 * {@code ray_dist.jar}. It <b>never throws</b>: in Ray 2.58 a Java task that throws crashes its
 * worker process. Every end is an outcome string, {@code <KIND> <detail>}, kinds in {@link Kind}.
 *
 * <p>The agent's address and token are node-local and come from the environment of the
 * {@code ray start} unit ({@code RGRID_AGENT_URL}, default {@code http://127.0.0.1:8002};
 * {@code RGRID_AGENT_TOKEN}), never from the task's arguments.
 */
public final class RgridRayTask {

    /** The first word of an outcome. */
    public enum Kind {
        /** The agent took the attempt and it has ended (detail: the worker id). */
        FINISHED,
        /** The agent answered but did not take it (detail: HTTP status and body). */
        REFUSED,
        /** The agent could not be reached to hand it over. */
        UNREACHABLE,
        /** The agent took it, then stopped answering or forgot it before it ended. */
        LOST,
        /** Anything else that went wrong in the task. */
        ERROR
    }

    static final String AGENT_URL = "RGRID_AGENT_URL";
    static final String AGENT_TOKEN = "RGRID_AGENT_TOKEN";
    static final String POLL_MS = "RGRID_RAY_TASK_POLL_MS";
    static final String REQUEST_TIMEOUT_MS = "RGRID_RAY_TASK_REQUEST_TIMEOUT_MS";
    static final String DEFAULT_AGENT_URL = "http://127.0.0.1:8002";
    /** Consecutive failed polls after which an accepted attempt counts as lost (≈ 30 s at 1 s). */
    static final int MAX_FAILED_POLLS = 30;
    private static final Pattern WORKER_ID = Pattern.compile("\"workerId\"\\s*:\\s*\"([^\"]*)\"");
    private static final Pattern STATE = Pattern.compile("\"state\"\\s*:\\s*\"([^\"]*)\"");

    private RgridRayTask() {
    }

    /** The Ray task: {@code Ray.task(RgridRayTask::run, executionId, attempt, assignmentJson)}. */
    public static String run(String executionId, String attempt, String assignmentJson) {
        try {
            return run(executionId, attempt, assignmentJson, System.getenv());
        } catch (Throwable t) {
            return Kind.ERROR + " " + t;
        }
    }

    static String run(String executionId, String attempt, String assignmentJson, Map<String, String> env) {
        System.err.println("rgrid-ray-task: execution " + executionId + " attempt " + attempt + " in pid "
                + ProcessHandle.current().pid());
        String base = env.getOrDefault(AGENT_URL, DEFAULT_AGENT_URL).replaceAll("/+$", "");
        String token = env.get(AGENT_TOKEN);
        if (token == null || token.isBlank()) {
            return Kind.UNREACHABLE + " " + AGENT_TOKEN + " is not set in the environment of this Ray node";
        }
        long pollMs = parse(env.get(POLL_MS), 1000);
        Duration requestTimeout = Duration.ofMillis(parse(env.get(REQUEST_TIMEOUT_MS), 10_000));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
                .version(HttpClient.Version.HTTP_1_1).build();
        String status = base + "/v1/assignments/" + executionId + "?attempt=" + attempt;
        String workerId;
        try {
            HttpResponse<String> accepted = http.send(request(base + "/v1/assignments", token, requestTimeout)
                    .POST(HttpRequest.BodyPublishers.ofString(assignmentJson, StandardCharsets.UTF_8)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (accepted.statusCode() / 100 != 2) {
                return Kind.REFUSED + " " + accepted.statusCode() + " " + abbreviate(accepted.body());
            }
            workerId = group(WORKER_ID, accepted.body());
        } catch (HttpTimeoutException e) {
            // Ambiguous: the request reached the agent, which may have accepted it (a loaded host
            // answers late). Ask before calling it unreachable: an attempt the agent holds is
            // followed like an accepted one instead of being taken back while it runs.
            workerId = holder(http, status, token, requestTimeout);
            if (workerId == null) {
                return Kind.UNREACHABLE + " " + base + ": " + e;
            }
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return Kind.UNREACHABLE + " " + base + ": " + e;
        }
        int failed = 0;
        while (true) {
            try {
                Thread.sleep(pollMs);
                HttpResponse<String> response = http.send(request(status, token, requestTimeout).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    failed = 0;
                    if (!"RUNNING".equals(group(STATE, response.body()))) {
                        return Kind.FINISHED + " " + workerId;
                    }
                } else if (response.statusCode() == 404) {
                    return Kind.LOST + " agent " + workerId + " no longer knows attempt " + attempt;
                } else if (++failed >= MAX_FAILED_POLLS) {
                    return Kind.LOST + " agent " + workerId + " answered " + response.statusCode() + " "
                            + abbreviate(response.body());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Kind.ERROR + " interrupted while waiting for attempt " + attempt;
            } catch (Exception e) {
                if (++failed >= MAX_FAILED_POLLS) {
                    return Kind.LOST + " agent " + workerId + " unreachable: " + e;
                }
            }
        }
    }

    /** The worker holding the attempt, by the agent's own account, or null when it does not (or cannot say). */
    private static String holder(HttpClient http, String status, String token, Duration timeout) {
        try {
            HttpResponse<String> response = http.send(request(status, token, timeout).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            String workerId = group(WORKER_ID, response.body());
            return response.statusCode() == 200 && !workerId.isEmpty() ? workerId : null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (Exception e) {
            return null;
        }
    }

    private static HttpRequest.Builder request(String url, String token, Duration timeout) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(timeout)
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json");
    }

    private static String group(Pattern pattern, String body) {
        Matcher m = pattern.matcher(body == null ? "" : body);
        return m.find() ? m.group(1) : "";
    }

    private static long parse(String value, long fallback) {
        try {
            return value == null ? fallback : Math.max(10, Long.parseLong(value.trim()));
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private static String abbreviate(String body) {
        String b = body == null ? "" : body.replaceAll("\\s+", " ");
        return b.length() > 300 ? b.substring(0, 300) + "…" : b;
    }
}
