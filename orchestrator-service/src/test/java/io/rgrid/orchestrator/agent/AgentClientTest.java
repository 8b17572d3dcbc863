package io.rgrid.orchestrator.agent;

import com.sun.net.httpserver.HttpServer;
import io.rgrid.model.agent.AgentApi;
import io.rgrid.orchestrator.registry.WorkerRecord;
import io.rgrid.orchestrator.registry.WorkerRecordBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The client on the wire, against a loopback HTTP server that answers as an agent would: the
 * path, method and token it sends, and what it makes of the answers (the rules themselves are
 * {@link AgentAnswersTest}'s). The real agent is exercised by the dispatch and Ray grid tests.
 */
class AgentClientTest {

    private static final UUID EXECUTION = UUID.fromString("0193a3c0-0000-7000-8000-000000000001");

    private final List<String> seen = new CopyOnWriteArrayList<>();
    private final AgentClient client = new AgentClient(Duration.ofSeconds(5));
    private HttpServer agent;

    @BeforeEach
    void startAgent() throws IOException {
        agent = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        agent.createContext(AgentApi.ASSIGNMENTS, exchange -> {
            String target = exchange.getRequestURI().toString();
            seen.add(exchange.getRequestMethod() + " " + target + " "
                    + exchange.getRequestHeaders().getFirst("Authorization"));
            boolean known = target.contains(EXECUTION.toString());
            int status = !known ? 404 : target.endsWith("/cancel") ? 202 : 200;
            byte[] body = (status == 200 ? "{\"executionId\":\"" + EXECUTION + "\",\"attempt\":2,\"state\":\"FINISHED\"}"
                    : "").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        agent.start();
    }

    @AfterEach
    void stopAgent() {
        agent.stop(0);
    }

    @Test
    void cancelsWithTheWorkersToken() {
        AgentAnswers.Cancel answer = client.cancel(worker(address() + "/"), EXECUTION);

        assertThat(answer).isEqualTo(AgentAnswers.Cancel.ACCEPTED);
        assertThat(seen).containsExactly("POST /v1/assignments/" + EXECUTION + "/cancel Bearer token-1");
    }

    @Test
    void readsTheStateOfOneAttempt() {
        AgentAnswers.Attempt answer = client.attempt(worker(address()), EXECUTION, 2);

        assertThat(answer).isEqualTo(AgentAnswers.Attempt.FINISHED);
        assertThat(seen).containsExactly("GET /v1/assignments/" + EXECUTION + "?attempt=2 Bearer token-1");
    }

    @Test
    void tellsAnAttemptItDoesNotKnowFromOneItCannotAsk() throws IOException {
        UUID other = UUID.randomUUID();

        assertThat(client.cancel(worker(address()), other)).isEqualTo(AgentAnswers.Cancel.NOT_HELD);
        assertThat(client.attempt(worker(address()), other, 1)).isEqualTo(AgentAnswers.Attempt.UNKNOWN);
        String closed = "http://127.0.0.1:" + freePort();
        assertThat(client.cancel(worker(closed), EXECUTION)).isEqualTo(AgentAnswers.Cancel.NO_ANSWER);
        assertThat(client.attempt(worker(closed), EXECUTION, 1)).isEqualTo(AgentAnswers.Attempt.NO_ANSWER);
    }

    @Test
    void aBadAddressIsNoAnswer() {
        assertThat(client.cancel(worker("http://bad host"), EXECUTION)).isEqualTo(AgentAnswers.Cancel.NO_ANSWER);
        assertThat(client.attempt(worker("http://bad host"), EXECUTION, 1)).isEqualTo(AgentAnswers.Attempt.NO_ANSWER);
    }

    private String address() {
        return "http://127.0.0.1:" + agent.getAddress().getPort();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static WorkerRecord worker(String address) {
        return WorkerRecordBuilder.worker("rgrid-worker-abc123").agent(address, "token-1").build();
    }
}
