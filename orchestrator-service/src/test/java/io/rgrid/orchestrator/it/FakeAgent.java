package io.rgrid.orchestrator.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.rgrid.model.Json;
import io.rgrid.model.agent.AgentApi;
import io.rgrid.model.agent.AgentHealth;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A worker-agent's HTTP API reduced to what a test needs: {@code GET /v1/health} answers with the
 * worker's id (the health monitor's probe), {@code POST /v1/assignments} with a fixed status; both
 * are counted, and the attempt of every assignment is kept. {@code POST …/fence} answers
 * {@code held=false} and is recorded ({@link #fences()}). A test can make the probe or the fence
 * fail (503) to play an agent that is cut off, and hold the answers to assignments back
 * ({@link #holdAssignments()}) to play one still on its way. {@code POST …/cancel} answers 202
 * for an execution whose assignment was answered and 404 (not held) otherwise, recorded
 * ({@link #cancels()}).
 */
final class FakeAgent implements AutoCloseable {

    private final HttpServer server;
    private final AtomicInteger probes = new AtomicInteger();
    private final List<Integer> assignedAttempts = new CopyOnWriteArrayList<>();
    private final List<String> fences = new CopyOnWriteArrayList<>();
    private final List<String> cancels = new CopyOnWriteArrayList<>();
    private final Set<String> answeredAssignments = ConcurrentHashMap.newKeySet();
    private final AtomicInteger waitingAssignments = new AtomicInteger();
    private volatile CountDownLatch assignmentGate = new CountDownLatch(0);
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
            if (path.endsWith("/cancel")) {
                String id = path.substring(AgentApi.ASSIGNMENTS.length() + 1, path.length() - "/cancel".length());
                int status = answeredAssignments.contains(id) ? 202 : 404;
                cancels.add(id + ":" + status);
                answer(exchange, status, "{}".getBytes());
                return;
            }
            JsonNode assignment = Json.mapper().readTree(exchange.getRequestBody().readAllBytes());
            assignedAttempts.add(assignment.path("attempt").asInt());
            waitingAssignments.incrementAndGet();
            try {
                assignmentGate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            waitingAssignments.decrementAndGet();
            if (assignmentStatus / 100 == 2) {
                answeredAssignments.add(assignment.path("executionId").asText());
            }
            answer(exchange, assignmentStatus, "{\"title\":\"no free slot\"}".getBytes());
        });
        // A held assignment must not hold up the other requests (a cancel, a probe).
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
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

    /** Assignments received from now on are answered only after {@link #releaseAssignments()}. */
    void holdAssignments() {
        assignmentGate = new CountDownLatch(1);
    }

    /** Answers the assignments held back, and those to come at once. */
    void releaseAssignments() {
        assignmentGate.countDown();
    }

    /** Assignments received and not answered yet. */
    int waitingAssignments() {
        return waitingAssignments.get();
    }

    /** Every cancel received, in order, as {@code executionId:status} (202 held, 404 not held). */
    List<String> cancels() {
        return List.copyOf(cancels);
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
        releaseAssignments();
        server.stop(0);
    }
}
