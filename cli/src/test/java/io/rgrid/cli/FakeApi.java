package io.rgrid.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.rgrid.cli.http.Multipart;
import io.rgrid.model.ExecutionSpec;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.FailureReason;
import io.rgrid.model.Json;
import io.rgrid.model.NetworkMode;
import io.rgrid.model.api.ApiPaths;
import io.rgrid.model.api.Auth;
import io.rgrid.model.api.ErrorCode;
import io.rgrid.model.api.ExecutionView;
import io.rgrid.model.api.Problem;
import io.rgrid.model.api.SubmitSpec;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * An in-process stand-in for api-service that answers the CLI's calls the way the API does:
 * bearer auth with problem+json 401s, 201 + ExecutionView on submit, a scripted state
 * progression on GET, stored logs, cancel.
 */
public final class FakeApi implements AutoCloseable {

    public static final String KEY = "test-key";
    public static final String WORKER = "rgrid-worker-ab12cd";

    private final HttpServer server;
    /** Each GET of an execution returns the next view of its list; the last one repeats. */
    private final Map<UUID, List<ExecutionView>> progressions = new ConcurrentHashMap<>();
    private final Map<UUID, String> logs = new ConcurrentHashMap<>();
    public final List<Submission> submissions = new CopyOnWriteArrayList<>();
    public final List<String> requests = new CopyOnWriteArrayList<>();
    /** The states a new submission's GETs walk through (a spec with image "bad/image" is refused with 422). */
    private volatile Function<SubmitSpec, List<ExecutionState>> plan = spec -> List.of(
            ExecutionState.QUEUED, ExecutionState.ASSIGNED, ExecutionState.RUNNING, ExecutionState.SUCCEEDED);
    /** The log of executions created from now on. */
    private volatile String logText = "hello from the grid\n";
    private volatile Integer failedExitCode = 3;

    /** A received submission, parsed. */
    public record Submission(SubmitSpec spec, List<Multipart.Part> parts, String contentLength) {
    }

    public FakeApi() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public FakeApi plan(ExecutionState... states) {
        plan = spec -> List.of(states);
        return this;
    }

    public FakeApi failedExitCode(Integer code) {
        failedExitCode = code;
        return this;
    }

    public FakeApi log(String text) {
        logText = text;
        return this;
    }

    /** Registers an execution directly, as if someone had submitted it earlier. */
    public UUID existing(ExecutionState... states) {
        UUID id = UUID.randomUUID();
        progressions.put(id, views(id, List.of(states), null));
        logs.put(id, logText);
        return id;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String query = exchange.getRequestURI().getQuery();
            requests.add(exchange.getRequestMethod() + " " + path + (query == null ? "" : "?" + query));
            String token = Auth.bearerToken(exchange.getRequestHeaders().getFirst(Auth.HEADER));
            if (!KEY.equals(token)) {
                problem(exchange, ErrorCode.UNAUTHENTICATED, "missing or unknown API key");
                return;
            }
            if (path.equals(ApiPaths.EXECUTIONS) && exchange.getRequestMethod().equals("POST")) {
                submit(exchange);
                return;
            }
            String[] segments = path.substring(ApiPaths.EXECUTIONS.length()).split("/");
            UUID id = segments.length > 1 ? UUID.fromString(segments[1]) : null;
            List<ExecutionView> views = id == null ? null : progressions.get(id);
            if (views == null) {
                problem(exchange, ErrorCode.NOT_FOUND, "no execution " + id);
                return;
            }
            if (segments.length == 2) {
                ExecutionView view = views.size() > 1 ? views.remove(0) : views.get(0);
                json(exchange, 200, view);
            } else if (segments[2].equals("logs")) {
                if (query != null && !query.equals("attempt=1")) {
                    problem(exchange, ErrorCode.NOT_FOUND, "execution " + id + " has attempts 1 to 1");
                    return;
                }
                send(exchange, 200, "text/plain; charset=utf-8", logs.get(id).getBytes(StandardCharsets.UTF_8));
            } else if (segments[2].equals("cancel")) {
                ExecutionView current = views.get(0);
                ExecutionView cancelled = view(id, ExecutionState.CANCELLED, null, null);
                views.clear();
                views.add(cancelled);
                json(exchange, 202, current.isTerminal() ? current : cancelled);
            } else {
                problem(exchange, ErrorCode.NOT_FOUND, "no such path");
            }
        }
    }

    private void submit(HttpExchange exchange) throws IOException {
        String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
        byte[] body = exchange.getRequestBody().readAllBytes();
        List<Multipart.Part> parts = Multipart.parse(body, Multipart.boundaryOf(contentType));
        SubmitSpec spec = Json.mapper().readValue(parts.get(0).content(), SubmitSpec.class);
        submissions.add(new Submission(spec, parts, exchange.getRequestHeaders().getFirst("Content-Length")));
        if ("bad/image".equals(spec.image())) {
            problem(exchange, Problem.of(ErrorCode.INVALID_SPEC, "the spec is invalid",
                    List.of(new Problem.FieldError("image", "image 'bad/image' is not allowed"))));
            return;
        }
        UUID id = UUID.randomUUID();
        List<ExecutionView> views = views(id, plan.apply(spec), spec);
        progressions.put(id, views);
        logs.put(id, logText);
        json(exchange, 201, views.get(0));
    }

    private List<ExecutionView> views(UUID id, List<ExecutionState> states, SubmitSpec spec) {
        List<ExecutionView> views = new ArrayList<>();
        for (ExecutionState state : states) {
            Integer exitCode = switch (state) {
                case SUCCEEDED -> 0;
                case FAILED -> failedExitCode;
                default -> null;
            };
            views.add(view(id, state, exitCode, spec));
        }
        return views;
    }

    private ExecutionView view(UUID id, ExecutionState state, Integer exitCode, SubmitSpec spec) {
        Instant created = Instant.parse("2025-01-01T10:00:00Z");
        boolean started = state == ExecutionState.RUNNING || state.isTerminal();
        FailureReason reason = switch (state) {
            case FAILED -> FailureReason.NONZERO_EXIT;
            case TIMED_OUT -> FailureReason.TIMEOUT;
            case CANCELLED -> FailureReason.CANCELLED;
            case LOST -> FailureReason.WORKER_LOST;
            default -> null;
        };
        ExecutionSpec resolved = new ExecutionSpec("rgrid/python:3.11-local",
                spec == null ? List.of() : spec.args(), spec == null ? Map.of() : spec.env(),
                1.0, 512, 300, NetworkMode.BRIDGE, 3, Map.of());
        return new ExecutionView(id, "default", state, 1, resolved, "hello.py", List.of(),
                state == ExecutionState.QUEUED ? null : WORKER, exitCode, reason,
                state == ExecutionState.TIMED_OUT ? "ran past 300 s" : null,
                created, created, started ? created.plusSeconds(1) : null,
                state.isTerminal() ? created.plusMillis(2200) : null);
    }

    private static void json(HttpExchange exchange, int status, Object body) throws IOException {
        send(exchange, status, "application/json", Json.mapper().writeValueAsBytes(body));
    }

    private static void problem(HttpExchange exchange, ErrorCode code, String detail) throws IOException {
        problem(exchange, Problem.of(code, detail));
    }

    private static void problem(HttpExchange exchange, Problem problem) throws IOException {
        send(exchange, problem.status(), Problem.MEDIA_TYPE, Json.mapper().writeValueAsBytes(problem));
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
