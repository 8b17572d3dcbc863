package io.rgrid.testinfra;

import io.rgrid.model.event.Envelope;
import io.rgrid.model.event.Event;
import io.rgrid.model.event.EventCodec;
import io.rgrid.model.event.ExecutionLogChunk;
import io.rgrid.model.event.ExecutionStatusChanged;
import io.rgrid.model.event.WorkerHeartbeat;
import io.rgrid.model.signing.RecordSignatures;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Records as their rightful producers sign them (docs/security.md), for tests that play the
 * control plane or a worker on Kafka. The control plane's key is generated once per test JVM and
 * handed to every service a test starts ({@link SharedServersResource#config}); it is never written
 * anywhere.
 */
public final class SignedRecords {

    /** The worker log chunks are signed as when a test names none (any worker's attempt key verifies). */
    public static final String TEST_WORKER = "rgrid-worker-test00";

    private static final String KEY = HexFormat.of().formatHex(randomBytes());

    private SignedRecords() {
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }

    /** K, {@code rgrid.reports.signing-key}, of the services this JVM's tests start. */
    public static String controlPlaneKey() {
        return KEY;
    }

    /**
     * {@code event} on {@code topic}, signed as its producer would: the control plane's events and
     * reports with K, a worker's status report with its attempt key, a log chunk with
     * {@link #TEST_WORKER}'s attempt key; a heartbeat needs its worker's token ({@link #heartbeat}).
     */
    public static ProducerRecord<String, byte[]> signed(String topic, Event event) {
        byte[] value = EventCodec.encode(Envelope.of(event));
        byte[] secret = RecordSignatures.secretKey(KEY);
        return switch (event) {
            case ExecutionStatusChanged s when !ExecutionStatusChanged.ORCHESTRATOR.equals(s.reportedBy()) ->
                    raw(topic, event.key(), value, RecordSignatures.worker(s.workerId()),
                            RecordSignatures.attemptKey(secret, s.executionId(), s.attempt(), s.workerId()));
            case ExecutionLogChunk c -> raw(topic, event.key(), value, RecordSignatures.worker(TEST_WORKER),
                    RecordSignatures.attemptKey(secret, c.executionId(), c.attempt(), TEST_WORKER));
            case WorkerHeartbeat h -> throw new IllegalArgumentException("a heartbeat is signed with its worker's token: "
                    + "use SignedRecords.heartbeat");
            default -> raw(topic, event.key(), value, RecordSignatures.CONTROL_PLANE, secret);
        };
    }

    /** A heartbeat signed by its worker with {@code token}. */
    public static ProducerRecord<String, byte[]> heartbeat(String topic, WorkerHeartbeat heartbeat, String token) {
        return raw(topic, heartbeat.key(), EventCodec.encode(Envelope.of(heartbeat)),
                RecordSignatures.worker(heartbeat.workerId()), RecordSignatures.secretKey(token));
    }

    /** Any bytes with a signer header and the signature {@code secret} makes (a forger's tool too). */
    public static ProducerRecord<String, byte[]> raw(String topic, String key, byte[] value, String signer,
                                                     byte[] secret) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(RecordSignatures.SIGNER_HEADER, signer.getBytes(StandardCharsets.UTF_8));
        headers.add(RecordSignatures.SIGNATURE_HEADER,
                RecordSignatures.sign(secret, signer, key, value).getBytes(StandardCharsets.UTF_8));
        return new ProducerRecord<>(topic, null, key, value, headers);
    }
}
