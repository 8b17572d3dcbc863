package io.rgrid.orchestrator.it;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.rgrid.model.Json;
import io.rgrid.model.agent.AgentApi;
import io.rgrid.model.agent.AgentHealth;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A worker-agent's HTTP API reduced to what a test needs: {@code GET /v1/health} answers with the
 * worker's id (the health monitor's probe), {@code POST /v1/assignments} with a fixed status; both
 * are counted, and the attempt of every assignment is kept. {@code POST …/fence} answers
 * {@code held=false} and is recorded ({@link #fences()}). A test can make the probe or the fence
 * fail (503) to play an agent that is cut off.
 */
final class FakeAgent implements AutoCloseable {

    private final HttpServer server;
    private final AtomicInteger probes = new AtomicInteger();
    private final List<Integer> assignedAttempts = new CopyOnWriteArrayList<>();
    private final List<String> fences = new CopyOnWriteArrayList<>();
    private volatile boolean healthy = true;
    private volatile boolean fencing = true;

    private FakeAgent(String workerId, int assignmentStatus) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext(AgentApi.HEALTH, exchange -> {
            probes.incrementAndGet();
            if (!healthy) {
                answer(exchange, 503, "{}".getBytes());
                return;
            }
            answer(exchange, 200, Json.mapper().writeValueAsBytes(
                    new AgentHealth(workerId, "UP", 1, 0, "process", "test", false)));
        });
        server.createContext(AgentApi.ASSIGNMENTS, exchange -> {
            String path = exchange.getRequestURI().getPath();
            if (path.endsWith("/fence")) {
                fence(exchange, path);
                return;
            }
            assignedAttempts.add(Json.mapper().readTree(exchange.getRequestBody().readAllBytes()).path("attempt").asInt());
            answer(exchange, assignmentStatus, "{\"title\":\"no free slot\"}".getBytes());
        });
        server.start();
    }

    /** {@code …/{id}/fence?attempt=N[&stop=true]}: recorded as {@code id:N} or {@code id:N:stop}, answered held=false. */
    private void fence(HttpExchange exchange, String path) throws IOException {
        if (!fencing) {
            answer(exchange, 503, "{}".getBytes());
            return;
        }
        String id = path.substring(AgentApi.ASSIGNMENTS.length() + 1, path.length() - "/fence".length());
        String query = String.valueOf(exchange.getRequestURI().getQuery());
        String attempt = query.replaceAll(".*attempt=([0-9]+).*", "$1");
        fences.add(id + ":" + attempt + (query.contains("stop=true") ? ":stop" : ""));
        answer(exchange, 200, ("{\"executionId\":\"" + id + "\",\"attempt\":" + attempt + ",\"held\":false}")
                .getBytes());
    }

    /** Answers assignments with {@code assignmentStatus}. */
    static FakeAgent start(String workerId, int assignmentStatus) throws IOException {
        return new FakeAgent(workerId, assignmentStatus);
    }

    String address() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    int probes() {
        return probes.get();
    }

    /** Whether the health probe is answered (true) or fails with 503. */
    void healthy(boolean answers) {
        healthy = answers;
    }

    /** Whether fences are answered (true) or fail with 503. */
    void fencing(boolean answers) {
        fencing = answers;
    }

    /** Every fence received, in order, as {@code executionId:attempt[:stop]}. */
    List<String> fences() {
        return List.copyOf(fences);
    }

    /** The attempt number of every assignment received, in order. */
    List<Integer> assignedAttempts() {
        return List.copyOf(assignedAttempts);
    }

    private static void answer(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
