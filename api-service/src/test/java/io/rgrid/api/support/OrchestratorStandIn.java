package io.rgrid.api.support;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.rgrid.model.Json;
import io.rgrid.model.api.KnownExecutions;
import io.rgrid.model.event.Envelope;
import io.rgrid.model.event.Event;
import io.rgrid.model.event.EventCodec;
import io.rgrid.model.event.ExecutionSubmitted;
import io.rgrid.testinfra.SharedServers;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;

/**
 * Plays the orchestrator's side of {@code POST /v1/executions/known} for api-service's tests: it
 * knows an execution once it has read its {@code ExecutionSubmitted} from the real executions
 * topic, as the orchestrator's intake records it, and reads the topic to its end before each
 * answer. {@link #failing} makes it answer 503; {@link #ended} gives it an execution's end.
 */
public final class OrchestratorStandIn implements AutoCloseable {

    private static final ObjectMapper JSON = Json.configure(new ObjectMapper());

    private final HttpServer server;
    private final ExecutorService thread = Executors.newSingleThreadExecutor();
    private final KafkaConsumer<String, byte[]> consumer;
    private final Map<UUID, Integer> known = new HashMap<>();
    private final Map<UUID, KnownExecutions.Ended> ended = new ConcurrentHashMap<>();
    private volatile boolean failing;

    private OrchestratorStandIn(int port, String topic) throws IOException {
        consumer = new KafkaConsumer<>(SharedServers.get().kafka().admin(Map.of(
                ConsumerConfig.GROUP_ID_CONFIG, "api-test-orchestrator-" + UUID.randomUUID(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class)));
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.setExecutor(thread);
        server.createContext(KnownExecutions.PATH, exchange -> answer(exchange, topic));
        server.start();
    }

    /** Listens on {@code port}, the one its test profile put into rgrid.api.reconcile.orchestrator-url. */
    public static OrchestratorStandIn start(int port, String topic) throws IOException {
        return new OrchestratorStandIn(port, topic);
    }

    /** A port free now, for the test profile. */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    public void failing(boolean failing) {
        this.failing = failing;
    }

    /** From now on the orchestrator side has {@code id} ended as {@code end} (as if its worker's report had come). */
    public void ended(UUID id, KnownExecutions.Ended end) {
        ended.put(id, end);
    }

    private void answer(HttpExchange exchange, String topic) throws IOException {
        try (exchange) {
            if (failing) {
                exchange.sendResponseHeaders(503, -1);
                return;
            }
            readToEnd(topic);
            KnownExecutions.Request request = JSON.readValue(exchange.getRequestBody(), KnownExecutions.Request.class);
            Map<UUID, Integer> answer = new HashMap<>();
            Map<UUID, KnownExecutions.Ended> ends = new HashMap<>();
            for (UUID id : request.ids()) {
                Optional.ofNullable(known.get(id)).ifPresent(attempt -> answer.put(id, attempt));
                Optional.ofNullable(ended.get(id)).ifPresent(end -> {
                    answer.put(id, end.attempt());
                    ends.put(id, end);
                });
            }
            byte[] body = JSON.writeValueAsBytes(new KnownExecutions.Answer(answer, ends));
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
        }
    }

    /** Runs on the server's one thread, the consumer's only user. */
    private void readToEnd(String topic) {
        if (consumer.assignment().isEmpty()) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
        }
        Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
        while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                Optional<Envelope<Event>> envelope = EventCodec.decode(record.value());
                if (envelope.isPresent() && envelope.get().payload() instanceof ExecutionSubmitted submitted) {
                    known.putIfAbsent(submitted.executionId(), submitted.attempt());
                }
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        thread.execute(consumer::close);
        thread.shutdown();
    }
}
