package io.rgrid.api.reconcile;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.rgrid.api.execution.repository.ExecutionRecord;
import io.rgrid.api.execution.repository.ExecutionRepository;
import io.rgrid.api.execution.repository.TransitionRepository;
import io.rgrid.api.reconcile.ReconcileDecision.Repair;
import io.rgrid.api.support.ApiTestSupport;
import io.rgrid.api.support.OrchestratorStandIn;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.FailureReason;
import io.rgrid.model.Topics;
import io.rgrid.model.api.ApiPaths;
import io.rgrid.model.api.Auth;
import io.rgrid.model.api.KnownExecutions;
import io.rgrid.model.event.EventCodec;
import io.rgrid.model.event.ExecutionSubmitted;
import io.rgrid.model.storage.StorageKeys;
import io.rgrid.platform.db.Transactions;
import io.rgrid.testinfra.SharedServersResource;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 27: an execution whose submission event was lost is repaired by reconciliation. The API,
 * PostgreSQL and Kafka are real; the orchestrator's side of {@code /v1/executions/known} is
 * {@link OrchestratorStandIn}, which knows what it read from the executions topic, as the
 * orchestrator's intake does (the endpoint itself: orchestrator-service's KnownExecutionsResourceTest).
 * A lost submission is an execution row committed without its outbox event.
 */
@QuarkusTest
@TestProfile(LostSubmissionReconcileTest.Profile.class)
@QuarkusTestResource(value = SharedServersResource.class, initArgs = @ResourceArg(name = "namespace", value = "api"))
class LostSubmissionReconcileTest {

    private static final Duration EVENTUALLY = Duration.ofSeconds(30);
    private static OrchestratorStandIn orchestrator;

    /** The stand-in's port, and batches large enough that the shared database's leftovers fit in few rounds. */
    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                return Map.of("rgrid.api.reconcile.orchestrator-url", "http://127.0.0.1:" + OrchestratorStandIn.freePort(),
                        "rgrid.api.reconcile.batch-size", "1000");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Inject
    ApiTestSupport servers;

    @Inject
    Transactions tx;

    @Inject
    ExecutionRepository executions;

    @Inject
    TransitionRepository transitions;

    @Inject
    Reconciliation reconciliation;

    @Inject
    MeterRegistry meters;

    @ConfigProperty(name = "rgrid.api.secret-key")
    String key;

    @ConfigProperty(name = "rgrid.api.reconcile.orchestrator-url")
    String orchestratorUrl;

    @BeforeEach
    void startTheOrchestratorSide() throws IOException {
        if (orchestrator == null) {
            orchestrator = OrchestratorStandIn.start(URI.create(orchestratorUrl).getPort(), servers.topic(Topics.EXECUTIONS));
        }
        orchestrator.failing(false);
    }

    @AfterAll
    static void stopIt() {
        if (orchestrator != null) {
            orchestrator.close();
            orchestrator = null;
        }
    }

    @Test
    void aSubmissionWhoseEventWasLostIsAnnouncedAgainOnceWithItsCancel() throws Exception {
        ExecutionRecord delivered = submitted("delivered.py");
        UUID lost = lostSubmission(delivered, false);
        UUID lostCancelled = lostSubmission(delivered, true);
        UUID young = lostSubmission(delivered, false);
        backdate(delivered.id(), lost, lostCancelled);
        double resent = repairs("submission_resent");
        double resentWithCancel = repairs("submission_and_cancel_resent");

        Map<UUID, Repair> repaired = roundsOverEverything();

        assertThat(repaired).containsEntry(lost, Repair.RESUBMIT).containsEntry(lostCancelled, Repair.RESUBMIT_AND_CANCEL)
                .doesNotContainKey(delivered.id()) // the orchestrator knows it
                .doesNotContainKey(young); // inside the grace: its event may still be on its way
        assertThat(repairs("submission_resent") - resent).isGreaterThanOrEqualTo(1);
        assertThat(repairs("submission_and_cancel_resent") - resentWithCancel).isGreaterThanOrEqualTo(1);

        // The orchestrator now gets the same ExecutionSubmitted the submission would have published,
        // and the cancel after it (same key, so the same partition, in this order).
        ConsumerRecord<String, byte[]> submission = servers.awaitExecutionEvent(lost, "ExecutionSubmitted", EVENTUALLY)
                .orElseThrow();
        ExecutionSubmitted event = (ExecutionSubmitted) EventCodec.decode(submission.value()).orElseThrow().payload();
        ExecutionRecord row = tx.read(c -> executions.find(c, lost)).orElseThrow();
        assertThat(event.attempt()).isEqualTo(1);
        assertThat(event.projectId()).isEqualTo(row.projectId());
        assertThat(event.spec()).isEqualTo(row.spec());
        assertThat(event.scriptKey()).isEqualTo(StorageKeys.script(lost));
        ConsumerRecord<String, byte[]> resubmitted = servers.awaitExecutionEvent(lostCancelled, "ExecutionSubmitted",
                EVENTUALLY).orElseThrow();
        ConsumerRecord<String, byte[]> cancel = servers.awaitExecutionEvent(lostCancelled, "ExecutionCancelRequested",
                EVENTUALLY).orElseThrow();
        assertThat(cancel.partition()).isEqualTo(resubmitted.partition());
        assertThat(cancel.offset()).isGreaterThan(resubmitted.offset());

        // Once the orchestrator has them, nothing is repaired twice.
        assertThat(roundsOverEverything()).doesNotContainKeys(lost, lostCancelled, delivered.id());
        assertThat(servers.rows("SELECT count(*) FROM api.outbox WHERE event_key = ? AND event_type = 'ExecutionSubmitted'",
                lost.toString())).isEqualTo(1);
    }

    /**
     * The other direction: executions the orchestrator ended whose reports never reached the API.
     * One ended 10 minutes ago gets that end applied here, through the state machine, marked as the
     * reconciliation's; one ended a minute ago is left to its report, which may still come.
     */
    @Test
    void anEndThatNeverReachedTheApiIsAppliedFromTheOrchestratorsCopy() throws Exception {
        UUID endedLongAgo = submitted("ended-long-ago.py").id();
        UUID endedJustNow = submitted("ended-just-now.py").id();
        UUID lostOnAWorker = submitted("lost-on-a-worker.py").id();
        backdate(endedLongAgo, endedJustNow, lostOnAWorker);
        Instant longAgo = Instant.now().minus(Duration.ofMinutes(10)).truncatedTo(ChronoUnit.MICROS);
        orchestrator.ended(endedLongAgo, new KnownExecutions.Ended(ExecutionState.SUCCEEDED, 1, null, "worker-7", longAgo));
        orchestrator.ended(endedJustNow, new KnownExecutions.Ended(ExecutionState.SUCCEEDED, 1, null, "worker-7",
                Instant.now().minus(Duration.ofMinutes(1))));
        orchestrator.ended(lostOnAWorker, new KnownExecutions.Ended(ExecutionState.LOST, 1, FailureReason.WORKER_LOST,
                "worker-8", longAgo));
        double applied = repairs("end_applied");

        Map<UUID, Repair> repaired = roundsOverEverything();

        assertThat(repaired).containsEntry(endedLongAgo, Repair.APPLY_END).containsEntry(lostOnAWorker, Repair.APPLY_END)
                .doesNotContainKey(endedJustNow);
        assertThat(repairs("end_applied") - applied).isGreaterThanOrEqualTo(2);
        ExecutionRecord succeeded = tx.read(c -> executions.find(c, endedLongAgo)).orElseThrow();
        assertThat(succeeded.state()).isEqualTo(ExecutionState.SUCCEEDED);
        assertThat(succeeded.attempt()).isEqualTo(1);
        assertThat(succeeded.workerId()).isEqualTo("worker-7");
        assertThat(succeeded.exitCode()).as("only the worker's report carries it").isNull();
        assertThat(succeeded.finishedAt()).isEqualTo(longAgo);
        assertThat(succeeded.message()).startsWith("reconciled: the orchestrator ended attempt 1 as SUCCEEDED on worker-7");
        List<TransitionRepository.Transition> history = tx.read(c -> transitions.list(c, endedLongAgo));
        assertThat(history).last().satisfies(t -> {
            assertThat(t.to()).isEqualTo(ExecutionState.SUCCEEDED);
            assertThat(t.reportedBy()).isEqualTo("reconciliation");
        });
        ExecutionRecord lost = tx.read(c -> executions.find(c, lostOnAWorker)).orElseThrow();
        assertThat(lost.state()).isEqualTo(ExecutionState.LOST);
        assertThat(lost.reason()).isEqualTo(FailureReason.WORKER_LOST);
        assertThat(tx.read(c -> executions.find(c, endedJustNow)).orElseThrow().state())
                .as("inside the grace: its report may still be on its way").isEqualTo(ExecutionState.QUEUED);

        // Terminal now: never compared again.
        assertThat(roundsOverEverything()).doesNotContainKeys(endedLongAgo, lostOnAWorker);
    }

    @Test
    void anOrchestratorThatDoesNotAnswerGetsNothingRepairedAndNothingWritten() throws Exception {
        UUID lost = lostSubmission(submitted("unanswered.py"), false);
        backdate(lost);
        orchestrator.failing(true);
        double resent = repairs("submission_resent");

        assertThatThrownBy(reconciliation::round).isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("did not answer");

        assertThat(servers.rows("SELECT count(*) FROM api.outbox WHERE event_key = ?", lost.toString())).isZero();
        assertThat(repairs("submission_resent")).isEqualTo(resent);
        orchestrator.failing(false);
        assertThat(roundsOverEverything()).containsEntry(lost, Repair.RESUBMIT);
    }

    @Test
    void aRoundAnotherInstanceIsRunningIsSkipped() {
        Reconciliation.Round round = tx.inTransaction(c -> {
            try (PreparedStatement st = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext('api.reconcile'))")) {
                st.execute();
            }
            return reconciliation.round();
        });
        assertThat(round.ran()).isFalse();
        assertThat(round.repaired()).isEmpty();
    }

    /** Rounds until one has gone over every candidate; what they repaired. */
    private Map<UUID, Repair> roundsOverEverything() {
        Map<UUID, Repair> out = new HashMap<>();
        Reconciliation.Round round;
        do {
            round = reconciliation.round();
            round.repaired().forEach(r -> out.put(r.id(), r.repair()));
        } while (round.compared() >= 1000);
        return out;
    }

    /** A real submission, whose event the orchestrator side has read. */
    private ExecutionRecord submitted(String script) {
        UUID id = UUID.fromString(given().header(Auth.HEADER, Auth.header(key))
                .multiPart("script", script, "print(1)".getBytes(StandardCharsets.UTF_8))
                .post(ApiPaths.EXECUTIONS).then().statusCode(201).extract().jsonPath().getString("id"));
        assertThat(servers.awaitExecutionEvent(id, "ExecutionSubmitted", EVENTUALLY)).isPresent();
        return tx.read(c -> executions.find(c, id)).orElseThrow();
    }

    /** An execution like {@code template}, its row and first transition committed without its outbox event. */
    private UUID lostSubmission(ExecutionRecord template, boolean cancelRequested) throws Exception {
        UUID id = UUID.randomUUID();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        servers.putObject(StorageKeys.script(id), "print(1)");
        tx.inTransaction(c -> {
            executions.insert(c, new ExecutionRecord(id, template.projectId(), ExecutionState.QUEUED, 1, template.spec(),
                    template.scriptName(), List.of(), false, null, null, null, null, null, now, now, null, null, null,
                    null, null));
            transitions.append(c, new TransitionRepository.Transition(id, 1, null, ExecutionState.QUEUED, now, "api"));
            if (cancelRequested) {
                executions.markCancelRequested(c, id, now);
            }
            return null;
        });
        return id;
    }

    /** Past the grace (5 min). */
    private void backdate(UUID... ids) throws Exception {
        for (UUID id : ids) {
            servers.execute("UPDATE api.executions SET created_at = now() - interval '10 minutes' WHERE id = '" + id + "'");
        }
    }

    private double repairs(String kind) {
        Counter counter = meters.find("rgrid.reconcile.repairs").tag("kind", kind).counter();
        return counter == null ? 0 : counter.count();
    }
}
