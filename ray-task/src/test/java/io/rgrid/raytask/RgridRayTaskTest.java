package io.rgrid.raytask;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** The task against a stand-in agent on loopback: every way it ends is an outcome, never an exception. */
class RgridRayTaskTest {

    private static final String ID = "0b4f4c8e-7a53-4c2b-9d1e-1a2b3c4d5e6f";

    private HttpServer agent;
    private final AtomicInteger polls = new AtomicInteger();
    private final AtomicReference<String> auth = new AtomicReference<>();
    private volatile int postStatus = 202;
    private volatile int runningPolls = 2;
    private volatile long postDelayMs = 0;
    private volatile boolean agentHoldsIt = true;

    @BeforeEach
    void start() throws Exception {
        agent = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        agent.createContext("/v1/assignments", exchange -> {
            auth.set(exchange.getRequestHeaders().getFirst("Authorization"));
            String body;
            int status;
            if ("POST".equals(exchange.getRequestMethod())) {
                exchange.getRequestBody().readAllBytes();
                sleep(postDelayMs);
                status = postStatus;
                body = status == 202 ? "{\"executionId\":\"" + ID + "\",\"attempt\":2,\"workerId\":\"rgrid-worker-abc123\"}"
                        : "{\"code\":\"CONFLICT\"}";
            } else {
                assertThat(exchange.getRequestURI().toString()).isEqualTo("/v1/assignments/" + ID + "?attempt=2");
                status = agentHoldsIt ? 200 : 404;
                body = "{\"workerId\":\"rgrid-worker-abc123\",\"state\":\""
                        + (polls.incrementAndGet() <= runningPolls ? "RUNNING" : "FINISHED") + "\"}";
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        agent.setExecutor(Executors.newCachedThreadPool());
        agent.start();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @AfterEach
    void stop() {
        agent.stop(0);
    }

    private Map<String, String> env() {
        return Map.of(RgridRayTask.AGENT_URL, "http://127.0.0.1:" + agent.getAddress().getPort() + "/",
                RgridRayTask.AGENT_TOKEN, "s3cret", RgridRayTask.POLL_MS, "20");
    }

    @Test
    void handsOverAndWaitsForTheEnd() {
        assertThat(RgridRayTask.run(ID, "2", "{}", env())).isEqualTo("FINISHED rgrid-worker-abc123");
        assertThat(polls.get()).isEqualTo(3);
        assertThat(auth.get()).isEqualTo("Bearer s3cret");
    }

    @Test
    void aRefusalIsAnOutcome() {
        postStatus = 409;
        assertThat(RgridRayTask.run(ID, "2", "{}", env())).startsWith("REFUSED 409 {\"code\":\"CONFLICT\"}");
        assertThat(polls.get()).isZero();
    }

    @Test
    void anAnswerTooLateIsCheckedWithTheAgentBeforeTheAttemptCountsAsUnreachable() {
        postDelayMs = 1_000;
        Map<String, String> env = new HashMap<>(env());
        env.put(RgridRayTask.REQUEST_TIMEOUT_MS, "200");
        assertThat(RgridRayTask.run(ID, "2", "{}", env)).as("the agent holds it: followed to the end")
                .isEqualTo("FINISHED rgrid-worker-abc123");

        agentHoldsIt = false;
        assertThat(RgridRayTask.run(ID, "2", "{}", env)).as("the agent does not know it")
                .startsWith("UNREACHABLE http://127.0.0.1:").contains("HttpTimeoutException");
    }

    @Test
    void anUnreachableAgentOrAMissingTokenIsAnOutcome() {
        assertThat(RgridRayTask.run(ID, "2", "{}", Map.of(RgridRayTask.AGENT_URL, "http://127.0.0.1:1",
                RgridRayTask.AGENT_TOKEN, "t"))).startsWith("UNREACHABLE http://127.0.0.1:1");
        assertThat(RgridRayTask.run(ID, "2", "{}", Map.of())).startsWith("UNREACHABLE RGRID_AGENT_TOKEN");
    }

    @Test
    void theRayEntryPointNeverThrows() {
        assertThat(RgridRayTask.run(ID, "2", null)).matches("^(UNREACHABLE|ERROR) .*");
    }
}
