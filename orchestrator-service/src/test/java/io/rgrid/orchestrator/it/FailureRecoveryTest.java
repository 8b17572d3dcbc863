package io.rgrid.orchestrator.it;

import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.rgrid.model.ExecutionSpec;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.FailureReason;
import io.rgrid.model.Ids;
import io.rgrid.model.Json;
import io.rgrid.model.KafkaPrincipals;
import io.rgrid.model.Topics;
import io.rgrid.model.event.Envelope;
import io.rgrid.model.event.EventCodec;
import io.rgrid.model.event.ExecutionCancelRequested;
import io.rgrid.model.event.ExecutionSubmitted;
import io.rgrid.model.event.ExecutionStatusChanged;
import io.rgrid.model.event.WorkerHeartbeat;
import io.rgrid.model.event.WorkerLifecycleChanged;
import io.rgrid.model.event.WorkerState;
import io.rgrid.model.signing.RecordSignatures;
import io.rgrid.model.storage.StorageKeys;
import io.rgrid.orchestrator.OrchestratorLifecycle;
import io.rgrid.orchestrator.config.RgridConfig;
import io.rgrid.testinfra.SharedServersResource;
import io.rgrid.testinfra.SignedRecords;
import jakarta.inject.Inject;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Crash points of the placement path, with workers that exist only as rows: a worker that stops
 * heartbeating, an agent that does not answer, a malformed record on the command topic, and records
 * from a Kafka client that holds a worker's credentials but not the key the record needs (forged
 * heartbeats, reports, cancels and submissions: dead-lettered and counted, never applied).
 */
@QuarkusTest
@QuarkusTestResource(value = SharedServersResource.class, initArgs = {@ResourceArg(name = "namespace", value = "orch"),
        @ResourceArg(name = "kafka-user", value = KafkaPrincipals.ORCHESTRATOR)})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FailureRecoveryTest {

    /** Workers declared LOST ({@code rgrid_worker_lost_total}) and attempts taken back, by cause. */
    private static final String LOST = "rgrid.worker.lost";
    private static final String TAKEBACKS = "rgrid.attempt.takebacks";

    /** Nobody listens on port 1: connecting fails at once. */
    private static final String DEAD_ADDRESS = "http://127.0.0.1:1";

    @Inject
    RgridConfig config;

    @Inject
    AgroalDataSource dataSource;

    @Inject
    OrchestratorLifecycle lifecycle;

    @Inject
    io.rgrid.orchestrator.dispatch.Dispatcher dispatcher;

    @Inject
    MeterRegistry registry;

    private GridEvents grid;

    @BeforeAll
    void connect() throws Exception {
        GridEvents.endLeftovers(dataSource);
        grid = new GridEvents(config);
    }

    @AfterAll
    void tearDown() throws Exception {
        lifecycle.stopOwnWorkers();
        grid.close();
    }

    @Test
    void aSilentWorkerIsLostAndItsExecutionsAreRequeuedOrLost() throws Exception {
        double lostSilent = counted(LOST, "silent");
        double takenBack = counted(TAKEBACKS, "worker_lost");
        String workerId = Ids.newWorkerId();
        insertWorker(workerId, 0, 0, Instant.now().minus(Duration.ofMinutes(10)));
        UUID requeued = Ids.newExecutionId();
        UUID exhausted = Ids.newExecutionId();
        // 64 CPUs so that, once requeued, no worker takes it and the test sees the QUEUED report alone.
        insertAssigned(requeued, workerId, 1, 3);
        insertAssigned(exhausted, workerId, 2, 2);

        await().atMost(GridEvents.PATIENCE).until(() -> grid.lifecycle(workerId).stream()
                .anyMatch(e -> e.state() == WorkerState.DELETED));
        assertThat(grid.lifecycle(workerId)).extracting(WorkerLifecycleChanged::state)
                .containsExactly(WorkerState.LOST, WorkerState.DELETED);

        ExecutionStatusChanged queued = grid.awaitStatus(requeued, ExecutionState.QUEUED);
        assertThat(queued.attempt()).isEqualTo(2);
        assertThat(queued.reportedBy()).isEqualTo(ExecutionStatusChanged.ORCHESTRATOR);
        assertThat(queued.workerId()).isNull();

        ExecutionStatusChanged lost = grid.awaitStatus(exhausted, ExecutionState.LOST);
        assertThat(lost.attempt()).isEqualTo(2);
        assertThat(lost.reason()).isEqualTo(FailureReason.WORKER_LOST);
        assertThat(lost.reportedBy()).isEqualTo(ExecutionStatusChanged.ORCHESTRATOR);
        // Counted with their cause (at least: a leftover of another test may be counted meanwhile).
        assertThat(counted(LOST, "silent")).as("rgrid_worker_lost_total{cause=silent}")
                .isGreaterThanOrEqualTo(lostSilent + 1);
        assertThat(counted(TAKEBACKS, "worker_lost")).as("rgrid_attempt_takebacks_total{cause=worker_lost}")
                .isGreaterThanOrEqualTo(takenBack + 2);

        // Tidy up: cancelled, or already failed as unschedulable (no local agent holds 64 CPUs).
        grid.send(new ExecutionCancelRequested(requeued, "p", Instant.now()));
        awaitEnded(requeued);
    }

    /**
     * Heartbeats that do not arrive (Kafka down between the agent and the broker, a lagging
     * consumer) are not a dead agent: a worker silent far past lost-after whose agent still answers
     * its health probe stays READY and keeps its work. The fake agent counts the probes, so the
     * test waits until the monitor has found it silent and asked three times.
     */
    @Test
    void aSilentWorkerWhoseAgentAnswersTheProbeIsNotLost() throws Exception {
        String workerId = Ids.newWorkerId();
        try (FakeAgent agent = FakeAgent.start(workerId, 409)) {
            insertWorker(workerId, 0, 0, Instant.now().minus(Duration.ofMinutes(10)), agent.address());
            UUID held = Ids.newExecutionId();
            insertHeld(held, workerId, "RUNNING", 1, 3, Instant.now());

            await().atMost(GridEvents.PATIENCE).until(() -> agent.probes() >= 3);

            assertThat(workerState(workerId)).isEqualTo("READY");
            assertThat(grid.lifecycle(workerId)).extracting(WorkerLifecycleChanged::state)
                    .doesNotContain(WorkerState.LOST);
            assertThat(grid.statuses(held)).as("its attempt is not taken back").isEmpty();
        } finally {
            retire(workerId);
        }
    }

    /**
     * A refusal before start is not an attempt: an agent that answers 409 (no free slot) has the
     * execution back in the queue at the same attempt, and it is offered again (here to the same
     * agent, the only one that fits, after its cool-down) still as attempt 1, with one attempt allowed.
     */
    @Test
    void aRefusalFromAFullAgentDoesNotChangeTheAttempt() throws Exception {
        String workerId = Ids.newWorkerId();
        UUID id = Ids.newExecutionId();
        double refused = counted(TAKEBACKS, "refused");
        try (FakeAgent agent = FakeAgent.start(workerId, 409)) {
            // Huge capacity: only this worker can take a 50-CPU execution.
            insertWorker(workerId, 1, 100, Instant.now().plus(Duration.ofMinutes(5)), agent.address());
            grid.submit(id, "project-refusal", GridEvents.spec(50, 256, 1), "print('x')");

            await().atMost(GridEvents.PATIENCE).until(() -> agent.assignedAttempts().size() >= 2);

            assertThat(agent.assignedAttempts()).containsOnly(1);
            ExecutionStatusChanged back = grid.awaitStatus(id, ExecutionState.QUEUED);
            assertThat(back.attempt()).isEqualTo(1);
            assertThat(back.message()).contains(workerId).contains("409");
            assertThat(grid.statuses(id)).extracting(ExecutionStatusChanged::attempt).containsOnly(1);
            assertThat(grid.statuses(id)).extracting(ExecutionStatusChanged::state).doesNotContain(ExecutionState.LOST);
            assertThat(counted(TAKEBACKS, "refused")).as("rgrid_attempt_takebacks_total{cause=refused}")
                    .isGreaterThanOrEqualTo(refused + 1);

            // While the agent still answers: queued it ends CANCELLED, refused with the cancel requested too.
            grid.send(new ExecutionCancelRequested(id, "project-refusal", Instant.now()));
            awaitEnded(id);
        } finally {
            retire(workerId);
        }
    }

    /**
     * A cancel that reaches the agent while the assignment is still on its way (the agent answers
     * 404, not held) is passed on once the agent acknowledges the assignment, so the attempt does
     * not run on until its deadline. Found by the e2e TwoApiServicesTest: a cancel right after its
     * submission overtook the assignment POST, and two of twelve executions ran on.
     */
    @Test
    void aCancelThatOvertakesItsAssignmentIsPassedOnOnceTheAgentAcknowledges() throws Exception {
        String workerId = Ids.newWorkerId();
        UUID id = Ids.newExecutionId();
        try (FakeAgent agent = FakeAgent.start(workerId, 202)) {
            agent.holdAssignments();
            // Huge capacity: only this worker can take a 50-CPU execution.
            insertWorker(workerId, 1, 100, Instant.now().plus(Duration.ofMinutes(5)), agent.address());
            grid.submit(id, "project-cancel-race", GridEvents.spec(50, 256, 1), "print('x')");
            await().atMost(GridEvents.PATIENCE).until(() -> agent.waitingAssignments() == 1);

            grid.send(new ExecutionCancelRequested(id, "project-cancel-race", Instant.now()));
            await().atMost(GridEvents.PATIENCE).until(() -> agent.cancels().contains(id + ":404"));
            agent.releaseAssignments();

            await().atMost(GridEvents.PATIENCE).until(() -> agent.cancels().contains(id + ":202"));
            assertThat(agent.cancels()).containsExactly(id + ":404", id + ":202");
        } finally {
            retire(workerId);
        }
    }

    @Test
    void anAssignmentTheAgentDoesNotAcceptIsTakenBack() throws Exception {
        String workerId = Ids.newWorkerId();
        // Huge capacity: only this (dead) worker can take a 50-CPU execution.
        insertWorker(workerId, 1, 100, Instant.now());
        UUID id = Ids.newExecutionId();
        grid.submit(id, "project-takeback", GridEvents.spec(50, 256, 1), "print('x')");

        ExecutionStatusChanged assigned = grid.awaitStatus(id, ExecutionState.ASSIGNED);
        assertThat(assigned.workerId()).isEqualTo(workerId);
        ExecutionStatusChanged lost = grid.awaitStatus(id, ExecutionState.LOST);
        assertThat(lost.attempt()).isEqualTo(1);
        assertThat(lost.reason()).isEqualTo(FailureReason.WORKER_LOST);
        assertThat(lost.message()).contains(workerId);
        retire(workerId);
    }

    @Test
    void anAssignmentRecordedButNeverDeliveredIsSentAgainAndTakenBackWhenTheAgentIsGone() throws Exception {
        // The state a crash between the ASSIGNED commit and the POST leaves behind.
        String workerId = Ids.newWorkerId();
        insertWorker(workerId, 0, 0, Instant.now());
        UUID id = Ids.newExecutionId();
        insertAssigned(id, workerId, 1, 3);

        dispatcher.resendAssigned();

        ExecutionStatusChanged requeued = grid.awaitStatus(id, ExecutionState.QUEUED);
        assertThat(requeued.attempt()).isEqualTo(2);
        assertThat(requeued.message()).contains(workerId);
        retire(workerId);
        cancelAndAwaitEnd(id);
    }

    @Test
    void pastItsDeadlineARunningAttemptTimesOutAndAnUnstartedOneIsRequeued() throws Exception {
        // The worker heartbeats (it is not lost) but never reports an outcome.
        String workerId = Ids.newWorkerId();
        insertWorker(workerId, 0, 0, Instant.now().plus(Duration.ofMinutes(5)));
        UUID running = Ids.newExecutionId();
        UUID assigned = Ids.newExecutionId();
        UUID slowStart = Ids.newExecutionId();
        // timeout 60 s + start-allowance 15 min + deadline-grace 5 min < 30 min.
        Instant longAgo = Instant.now().minus(Duration.ofMinutes(30));
        insertHeld(running, workerId, "RUNNING", 1, 3, longAgo, longAgo);
        insertHeld(assigned, workerId, "ASSIGNED", 1, 3, longAgo, null);
        // Assigned as long ago, but its RUNNING report came 2 minutes ago: its deadline counts from there.
        insertHeld(slowStart, workerId, "RUNNING", 1, 3, longAgo, Instant.now().minus(Duration.ofMinutes(2)));

        ExecutionStatusChanged timedOut = grid.awaitStatus(running, ExecutionState.TIMED_OUT);
        assertThat(timedOut.reason()).isEqualTo(FailureReason.TIMEOUT);
        assertThat(timedOut.attempt()).isEqualTo(1);
        assertThat(timedOut.reportedBy()).isEqualTo(ExecutionStatusChanged.ORCHESTRATOR);
        ExecutionStatusChanged requeued = grid.awaitStatus(assigned, ExecutionState.QUEUED);
        assertThat(requeued.attempt()).isEqualTo(2);
        // The checks that ended the other two looked at it too.
        assertThat(grid.statuses(slowStart)).as("counted from RUNNING, it is not due").isEmpty();

        retire(workerId);
        grid.send(new ExecutionCancelRequested(assigned, "p", Instant.now()));
        awaitEnded(assigned);
        grid.send(new ExecutionCancelRequested(slowStart, "p", Instant.now()));
    }

    /**
     * The agent restarted and lists only one of its two acknowledged attempts: the missing one is
     * stopped on the agent (a stopping fence) and only then requeued. A third attempt, assigned as
     * long ago but never acknowledged (its assignment POST still in flight: the heartbeat was sent
     * before the agent accepted it), is left alone: no fence, no requeue (issue 26's race).
     */
    @Test
    void anAcknowledgedAttemptMissingFromTheWorkersHeartbeatsIsStoppedThenTakenBack() throws Exception {
        String workerId = Ids.newWorkerId();
        UUID dropped = Ids.newExecutionId();
        UUID kept = Ids.newExecutionId();
        UUID inFlight = Ids.newExecutionId();
        try (FakeAgent agent = FakeAgent.start(workerId, 409)) {
            insertWorker(workerId, 0, 0, Instant.now(), agent.address());
            Instant assignedAt = Instant.now().minus(Duration.ofMinutes(2));
            insertHeld(dropped, workerId, "RUNNING", 1, 3, assignedAt);
            insertHeld(kept, workerId, "RUNNING", 1, 3, assignedAt);
            insertHeld(inFlight, workerId, "ASSIGNED", 1, 3, assignedAt, null, null);

            // Listing only one of the two (missing-grace is 10 s in tests).
            ExecutionStatusChanged requeued = await().atMost(GridEvents.PATIENCE).pollInterval(Duration.ofSeconds(1))
                    .until(() -> {
                        grid.sendHeartbeat(new WorkerHeartbeat(workerId, agent.address(), 0, 0, 0,
                                List.of(new WorkerHeartbeat.RunningAttempt(kept, 1)), "test", "process", false),
                                "token");
                        return grid.statuses(dropped).stream().filter(st -> st.state() == ExecutionState.QUEUED)
                                .findFirst().orElse(null);
                    }, Objects::nonNull);
            assertThat(requeued.attempt()).isEqualTo(2);
            assertThat(requeued.message()).contains("no longer holds").contains("stopped on it first");
            assertThat(agent.fences()).as("stopped before the requeue; nothing else fenced").contains(dropped + ":1:stop")
                    .allMatch(fence -> fence.startsWith(dropped.toString()));
            assertThat(grid.statuses(kept)).as("the attempt it still lists stays").isEmpty();
            assertThat(grid.statuses(inFlight)).as("an unacknowledged attempt is not the missing check's").isEmpty();
            assertThat(executionState(inFlight)).isEqualTo("ASSIGNED");
        } finally {
            retire(workerId);
        }
        grid.send(new ExecutionCancelRequested(dropped, "p", Instant.now()));
        grid.send(new ExecutionCancelRequested(kept, "p", Instant.now()));
        grid.send(new ExecutionCancelRequested(inFlight, "p", Instant.now()));
        awaitEnded(dropped);
    }

    /**
     * A heartbeat the orchestrator's consumer reads again says nothing new. One composed just before
     * the agent accepted an attempt is applied before a Kafka outage and, its offset's commit lost
     * with the broker, once more after it, more than the grace later: the attempt the agent runs must
     * not be taken back (CI once re-ran a run of the Kafka outage test so). Missing time counts by
     * when the agent composed its heartbeats too; a fresh heartbeat still without it, composed past
     * the grace, does stop it and take it back.
     */
    @Test
    void aHeartbeatReadAgainAfterAKafkaOutageTakesNothingBack() throws Exception {
        String workerId = Ids.newWorkerId();
        UUID id = Ids.newExecutionId();
        try (FakeAgent agent = FakeAgent.start(workerId, 409)) {
            insertWorker(workerId, 0, 0, Instant.now().minus(Duration.ofSeconds(5)), agent.address());
            insertHeld(id, workerId, "RUNNING", 1, 3, Instant.now().minus(Duration.ofMinutes(2)));
            WorkerHeartbeat without = new WorkerHeartbeat(workerId, agent.address(), 0, 0, 0, List.of(), "test",
                    "process", false);
            ProducerRecord<String, byte[]> beforeTheAcceptance = SignedRecords.heartbeat(
                    grid.topic(Topics.WORKER_HEARTBEATS), without, "token");

            grid.send(beforeTheAcceptance);
            awaitHeartbeatApplied(workerId);
            Thread.sleep(config.orchestrator().health().missingGrace().plusSeconds(1).toMillis());
            grid.send(beforeTheAcceptance); // the same record, read again
            awaitHeartbeatApplied(workerId);
            Thread.sleep(2_000); // a stop would have been sent at once
            assertThat(agent.fences()).as("a replayed heartbeat stops nothing").isEmpty();
            assertThat(grid.statuses(id)).as("nor takes anything back").isEmpty();
            assertThat(executionState(id)).isEqualTo("RUNNING");

            // A heartbeat composed now, past the grace since that one, still without it: it is missing.
            grid.sendHeartbeat(without, "token");
            ExecutionStatusChanged requeued = grid.awaitStatus(id, ExecutionState.QUEUED);
            assertThat(requeued.attempt()).isEqualTo(2);
            assertThat(requeued.message()).contains("stopped on it first");
            assertThat(agent.fences()).containsExactly(id + ":1:stop");
        } finally {
            retire(workerId);
        }
        cancelAndAwaitEnd(id);
    }

    /** Waits until a heartbeat of the worker was applied within the last 3 s (its row was older). */
    private void awaitHeartbeatApplied(String workerId) {
        await().atMost(GridEvents.PATIENCE).pollInterval(Duration.ofMillis(100)).until(() -> "true".equals(value(
                "SELECT (last_heartbeat_at > now() - interval '3 seconds')::text FROM workers WHERE id = ?", workerId)));
    }

    /**
     * The dispatcher records the agent's 202 as its acknowledgement ({@code acknowledged_at}); from
     * then on the attempt is the heartbeats' to judge: missing from them for the grace, it is stopped
     * on the agent and requeued.
     */
    @Test
    void anAcceptedAssignmentIsAcknowledgedAndThenJudgedByTheHeartbeats() throws Exception {
        String workerId = Ids.newWorkerId();
        UUID id = Ids.newExecutionId();
        try (FakeAgent agent = FakeAgent.start(workerId, 202)) {
            // Huge capacity: only this worker can take a 50-CPU execution.
            insertWorker(workerId, 1, 100, Instant.now().plus(Duration.ofMinutes(5)), agent.address());
            grid.submit(id, "project-acknowledged", GridEvents.spec(50, 256, 2), "print('x')");
            await().atMost(GridEvents.PATIENCE).until(() -> "true".equals(value(
                    "SELECT (state = 'ASSIGNED' AND acknowledged_at IS NOT NULL)::text FROM executions WHERE id = ?", id)));
            assertThat(agent.fences()).as("accepted: nothing to fence").isEmpty();

            // Its heartbeats (no capacity left, so it is not offered attempt 2) never list it.
            ExecutionStatusChanged requeued = await().atMost(GridEvents.PATIENCE).pollInterval(Duration.ofSeconds(1))
                    .until(() -> {
                        grid.sendHeartbeat(new WorkerHeartbeat(workerId, agent.address(), 0, 0, 0, List.of(), "test",
                                "process", false), "token");
                        return grid.statuses(id).stream().filter(st -> st.state() == ExecutionState.QUEUED
                                && st.attempt() == 2).findFirst().orElse(null);
                    }, Objects::nonNull);
            assertThat(requeued.message()).contains("stopped on it first");
            assertThat(agent.fences()).containsExactly(id + ":1:stop");
        } finally {
            retire(workerId);
        }
        cancelAndAwaitEnd(id);
    }

    /**
     * A lost static agent (no provider can delete it) whose probe failed but which answers the
     * stop: its attempt is stopped on it (a stopping fence) before it is requeued.
     */
    @Test
    void aLostStaticAgentHasItsAttemptStoppedBeforeItIsRequeued() throws Exception {
        String workerId = Ids.newWorkerId();
        UUID id = Ids.newExecutionId();
        try (FakeAgent agent = FakeAgent.start(workerId, 409)) {
            ExecutionStatusChanged requeued = loseStaticWorker(agent, workerId, id);
            assertThat(requeued.message()).contains("stopped on its agent first");
            assertThat(agent.fences()).containsExactly(id + ":1:stop");
        } finally {
            retire(workerId);
        }
        cancelAndAwaitEnd(id);
    }

    /**
     * A static agent cut off when it was lost (neither probe nor stop answered) has its attempt
     * requeued; when it comes back still running that attempt, its heartbeat lists it and the
     * orchestrator stops it there, so it does not go on beside its retry.
     */
    @Test
    void aStaticAgentBackFromBeingCutOffHasItsTakenBackAttemptStopped() throws Exception {
        String workerId = Ids.newWorkerId();
        UUID id = Ids.newExecutionId();
        try (FakeAgent agent = FakeAgent.start(workerId, 409)) {
            agent.fencing(false);
            ExecutionStatusChanged requeued = loseStaticWorker(agent, workerId, id);
            assertThat(requeued.message()).contains("did not answer the stop");

            agent.healthy(true);
            agent.fencing(true);
            await().atMost(GridEvents.PATIENCE).pollInterval(Duration.ofSeconds(1)).until(() -> {
                grid.sendHeartbeat(new WorkerHeartbeat(workerId, agent.address(), 0, 0, 0,
                        List.of(new WorkerHeartbeat.RunningAttempt(id, 1)), "test", "process", false), "token");
                return agent.fences().contains(id + ":1:stop");
            });
            assertThat(agent.fences()).as("attempt 1 only").allMatch(fence -> fence.equals(id + ":1:stop"));
        } finally {
            retire(workerId);
        }
        cancelAndAwaitEnd(id);
    }

    /**
     * A static worker on {@code agent}, silent for 10 minutes and failing its probe, holding
     * attempt 1 of {@code id}: lost, and the execution requeued as attempt 2 (returned).
     */
    private ExecutionStatusChanged loseStaticWorker(FakeAgent agent, String workerId, UUID id) throws Exception {
        agent.healthy(false);
        insertWorker(workerId, 0, 0, Instant.now().minus(Duration.ofMinutes(10)), agent.address(), "static");
        insertHeld(id, workerId, "RUNNING", 1, 3, Instant.now().minus(Duration.ofMinutes(2)));
        ExecutionStatusChanged requeued = grid.awaitStatus(id, ExecutionState.QUEUED);
        assertThat(requeued.attempt()).isEqualTo(2);
        return requeued;
    }

    /**
     * An outcome report that lags behind the heartbeats: the heartbeat lists the attempt finished
     * with its outcome, and the orchestrator's copy takes it at once (so neither a lost worker, the
     * deadline nor the missing check can take the attempt back meanwhile). An older agent's entry
     * without an outcome leaves its attempt as it is.
     */
    @Test
    void anOutcomeTheHeartbeatListsIsAppliedWhenItsReportLags() throws Exception {
        String workerId = Ids.newWorkerId();
        insertWorker(workerId, 0, 0, Instant.now());
        UUID succeeded = Ids.newExecutionId();
        UUID listedOnly = Ids.newExecutionId();
        Instant assignedAt = Instant.now().minus(Duration.ofMinutes(2));
        insertHeld(succeeded, workerId, "RUNNING", 1, 3, assignedAt);
        insertHeld(listedOnly, workerId, "RUNNING", 1, 3, assignedAt);

        grid.sendHeartbeat(new WorkerHeartbeat(workerId, DEAD_ADDRESS, 0, 0, 0, List.of(), "test",
                "process", false, List.of(
                        new WorkerHeartbeat.FinishedAttempt(succeeded, 1, ExecutionState.SUCCEEDED, null),
                        new WorkerHeartbeat.FinishedAttempt(listedOnly, 1, null, null))), "token");

        await().atMost(GridEvents.PATIENCE).until(() -> "SUCCEEDED".equals(executionState(succeeded)));
        assertThat(executionState(listedOnly)).isEqualTo("RUNNING");
        assertThat(grid.statuses(succeeded)).as("nothing published: api-service applies the report").isEmpty();

        retire(workerId);
        grid.send(new ExecutionCancelRequested(listedOnly, "p", Instant.now()));
    }

    /** The tidy-up of a requeued execution of project {@code p}: cancelled, and awaited terminal. */
    private void cancelAndAwaitEnd(UUID id) throws Exception {
        grid.send(new ExecutionCancelRequested(id, "p", Instant.now()));
        awaitEnded(id);
    }

    /**
     * A requeued 64-CPU execution ends CANCELLED by the tidy-up, or FAILED (UNSCHEDULABLE) first:
     * no local agent can hold it, so the autoscaler fails it once it has been queued a scaling interval.
     */
    private void awaitEnded(UUID id) {
        ExecutionStatusChanged ended = await().atMost(GridEvents.PATIENCE).until(() -> grid.statuses(id).stream()
                .filter(st -> st.state().isTerminal()).findFirst().orElse(null), Objects::nonNull);
        assertThat(ended.state()).isIn(ExecutionState.CANCELLED, ExecutionState.FAILED);
        if (ended.state() == ExecutionState.FAILED) {
            assertThat(ended.reason()).isEqualTo(FailureReason.UNSCHEDULABLE);
        }
    }

    @Test
    void aMalformedRecordIsSkippedAndTheNextOneHandled() throws Exception {
        UUID id = Ids.newExecutionId();
        grid.sendRaw(Topics.EXECUTIONS, id.toString(), "not json at all".getBytes(StandardCharsets.UTF_8));
        grid.sendRaw(Topics.EXECUTIONS, id.toString(),
                "{\"type\":\"ExecutionSubmitted\",\"payload\":42}".getBytes(StandardCharsets.UTF_8));
        grid.submit(id, "project-malformed", GridEvents.spec(64, 256, 3), "print('x')");
        grid.send(new ExecutionCancelRequested(id, "project-malformed", Instant.now()));
        assertThat(grid.awaitStatus(id, ExecutionState.CANCELLED).reportedBy())
                .isEqualTo(ExecutionStatusChanged.ORCHESTRATOR);
    }

    /** A Kafka client with worker credentials (a worker's token, any client on the network) but no attempt key. */
    private static final byte[] WORKER_CREDENTIAL = RecordSignatures.secretKey("token");

    @Test
    void forgedSubmissionsAndCancelsAreDeadLetteredAndCountedNotApplied() throws Exception {
        String workerId = Ids.newWorkerId();
        insertWorker(workerId, 0, 0, Instant.now());
        UUID running = Ids.newExecutionId();
        insertHeld(running, workerId, "RUNNING", 1, 3, Instant.now());
        alive(workerId, running);
        UUID unsigned = Ids.newExecutionId();
        UUID byAWorker = Ids.newExecutionId();
        String topic = grid.topic(Topics.EXECUTIONS);
        double before = unverified("executions");

        byte[] submitted = EventCodec.encode(Envelope.of(new ExecutionSubmitted(unsigned, "p", 1,
                GridEvents.spec(0.1, 64, 1), StorageKeys.script(unsigned), Map.of(), null, Instant.now())));
        grid.send(new ProducerRecord<>(topic, unsigned.toString(), submitted));
        byte[] other = EventCodec.encode(Envelope.of(new ExecutionSubmitted(byAWorker, "p", 1,
                GridEvents.spec(0.1, 64, 1), StorageKeys.script(byAWorker), Map.of(), null, Instant.now())));
        grid.send(SignedRecords.raw(topic, byAWorker.toString(), other, RecordSignatures.worker(workerId),
                WORKER_CREDENTIAL));
        byte[] cancel = EventCodec.encode(Envelope.of(new ExecutionCancelRequested(running, "p", Instant.now())));
        grid.send(SignedRecords.raw(topic, running.toString(), cancel, RecordSignatures.worker(workerId),
                WORKER_CREDENTIAL));
        // Signed as the control plane, but with a key that is not K.
        grid.send(SignedRecords.raw(topic, running.toString(), cancel, RecordSignatures.CONTROL_PLANE, WORKER_CREDENTIAL));

        await().atMost(GridEvents.PATIENCE).until(() -> unverified("executions") >= before + 4);
        assertThat(executionColumn(unsigned, "state")).as("an unsigned submission is not recorded").isNull();
        assertThat(executionColumn(byAWorker, "state")).as("nor one a worker signed").isNull();
        assertThat(executionColumn(running, "cancel_requested")).as("a forged cancel changes nothing").isEqualTo("false");
        assertThat(executionColumn(running, "state")).isEqualTo("RUNNING");

        // The control plane's own cancel is applied.
        grid.send(new ExecutionCancelRequested(running, "p", Instant.now()));
        await().atMost(GridEvents.PATIENCE).until(() -> "true".equals(executionColumn(running, "cancel_requested")));
        retire(workerId);
    }

    @Test
    void aForgedHeartbeatOrReportIsDeadLetteredAndCountedWhileTheRealOnesApply() throws Exception {
        String workerId = Ids.newWorkerId();
        insertWorker(workerId, 1, 1, Instant.now());
        UUID held = Ids.newExecutionId();
        insertHeld(held, workerId, "RUNNING", 1, 3, Instant.now());
        alive(workerId, held);
        double heartbeats = unverified("worker-heartbeats");
        double reports = unverified("execution-status");

        // Draining, at another address: signed with a token that is not the worker's, and unsigned.
        WorkerHeartbeat draining = new WorkerHeartbeat(workerId, "http://forged.example:8002", 1, 1, 1,
                List.of(new WorkerHeartbeat.RunningAttempt(held, 1)), "forged", "process", true);
        grid.sendHeartbeat(draining, "not-the-workers-token");
        grid.send(new ProducerRecord<>(grid.topic(Topics.WORKER_HEARTBEATS), workerId,
                EventCodec.encode(Envelope.of(draining))));
        // The worker's outcome, signed with its credential instead of the attempt key.
        ExecutionStatusChanged done = new ExecutionStatusChanged(held, 1, ExecutionState.SUCCEEDED, workerId, 0, null,
                null, workerId, Instant.now());
        grid.send(SignedRecords.raw(grid.topic(Topics.EXECUTION_STATUS), held.toString(),
                EventCodec.encode(Envelope.of(done)), RecordSignatures.worker(workerId), WORKER_CREDENTIAL));

        await().atMost(GridEvents.PATIENCE).until(() -> unverified("worker-heartbeats") >= heartbeats + 2
                && unverified("execution-status") >= reports + 1);
        assertThat(workerState(workerId)).isEqualTo("READY");
        assertThat(value("SELECT agent_version FROM workers WHERE id = ?", workerId)).isNotEqualTo("forged");
        assertThat(workerAddress(workerId)).isEqualTo(DEAD_ADDRESS);
        assertThat(executionColumn(held, "state")).isEqualTo("RUNNING");

        // The real ones: the heartbeat with the worker's token (not draining: a draining idle worker
        // is deleted at once), the report with the attempt key.
        grid.sendHeartbeat(new WorkerHeartbeat(workerId, "http://forged.example:8002", 1, 1, 1,
                List.of(new WorkerHeartbeat.RunningAttempt(held, 1)), "genuine", "process", false), "token");
        grid.sendTo(Topics.EXECUTION_STATUS, done);
        await().atMost(GridEvents.PATIENCE).until(() -> "genuine".equals(
                value("SELECT agent_version FROM workers WHERE id = ?", workerId))
                && "SUCCEEDED".equals(executionColumn(held, "state")));
        assertThat(workerAddress(workerId)).as("a heartbeat never moves a worker the provider placed")
                .isEqualTo(DEAD_ADDRESS);
        retire(workerId);
    }

    /** A genuine heartbeat listing {@code held}: the row-only worker is not LOST while the test runs. */
    private void alive(String workerId, UUID held) throws Exception {
        grid.sendHeartbeat(new WorkerHeartbeat(workerId, DEAD_ADDRESS, 1, 1, 1,
                List.of(new WorkerHeartbeat.RunningAttempt(held, 1)), "test", "process", false), "token");
    }

    private double unverified(String channel) {
        return counted("rgrid.unverified.records", "channel", channel);
    }

    /** {@code name}'s count with {@code cause}: 0 before the first one registers it. */
    private double counted(String name, String cause) {
        return counted(name, "cause", cause);
    }

    private double counted(String name, String tag, String value) {
        return registry.find(name).tag(tag, value).counters().stream().mapToDouble(Counter::count).sum();
    }

    private String executionColumn(UUID id, String column) throws Exception {
        return value("SELECT " + column + "::text FROM executions WHERE id = ?", id);
    }

    private String workerAddress(String id) throws Exception {
        return value("SELECT address FROM workers WHERE id = ?", id);
    }

    /** The first column of the row {@code sql} selects by {@code id}, or null when there is none. */
    private String value(String sql, Object id) throws Exception {
        try (Connection c = dataSource.getConnection(); PreparedStatement select = c.prepareStatement(sql)) {
            select.setObject(1, id);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? rows.getString(1) : null;
            }
        }
    }

    private void insertWorker(String id, int slots, double cpus, Instant lastHeartbeat) throws Exception {
        insertWorker(id, slots, cpus, lastHeartbeat, DEAD_ADDRESS);
    }

    private String workerState(String id) throws Exception {
        return value("SELECT state FROM workers WHERE id = ?", id);
    }

    private String executionState(UUID id) throws Exception {
        return value("SELECT state FROM executions WHERE id = ?", id);
    }

    private void insertWorker(String id, int slots, double cpus, Instant lastHeartbeat, String address)
            throws Exception {
        insertWorker(id, slots, cpus, lastHeartbeat, address, "local");
    }

    /** A row-only worker; provider {@code static} makes it one no provider can delete. */
    private void insertWorker(String id, int slots, double cpus, Instant lastHeartbeat, String address,
                              String provider) throws Exception {
        try (Connection c = dataSource.getConnection();
             PreparedStatement insert = c.prepareStatement("INSERT INTO workers (id, provider, address, token, state, "
                     + "slots, free_cpus, free_memory_mb, total_cpus, total_memory_mb, runtime, created_at, "
                     + "last_heartbeat_at, updated_at) VALUES (?, ?, ?, 'token', 'READY', ?, ?, 100000, ?, "
                     + "100000, 'process', now(), ?, now())")) {
            insert.setString(1, id);
            insert.setString(2, provider);
            insert.setString(3, address);
            insert.setInt(4, slots);
            insert.setDouble(5, cpus);
            insert.setDouble(6, cpus);
            insert.setTimestamp(7, Timestamp.from(lastHeartbeat));
            insert.executeUpdate();
        }
    }

    /** Takes a row-only worker out of the way of later tests. */
    private void retire(String id) throws Exception {
        try (Connection c = dataSource.getConnection();
             PreparedStatement update = c.prepareStatement("UPDATE workers SET state = 'DELETED' WHERE id = ?")) {
            update.setString(1, id);
            update.executeUpdate();
        }
    }

    private void insertHeld(UUID id, String workerId, String state, int attempt, int maxAttempts, Instant assignedAt)
            throws Exception {
        insertHeld(id, workerId, state, attempt, maxAttempts, assignedAt, null);
    }

    /** An attempt the agent acknowledged when it was assigned. */
    private void insertHeld(UUID id, String workerId, String state, int attempt, int maxAttempts, Instant assignedAt,
                            Instant runningAt) throws Exception {
        insertHeld(id, workerId, state, attempt, maxAttempts, assignedAt, runningAt, assignedAt);
    }

    private void insertHeld(UUID id, String workerId, String state, int attempt, int maxAttempts, Instant assignedAt,
                            Instant runningAt, Instant acknowledgedAt) throws Exception {
        ExecutionSpec spec = GridEvents.spec(64, 256, maxAttempts);
        try (Connection c = dataSource.getConnection();
             PreparedStatement insert = c.prepareStatement("INSERT INTO executions (id, project_id, attempt, state, "
                     + "spec, script_key, max_attempts, worker_id, assigned_at, running_at, acknowledged_at, submitted_at, "
                     + "queued_at, updated_at) VALUES (?, 'p', ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, now(), now(), now())")) {
            insert.setObject(1, id);
            insert.setInt(2, attempt);
            insert.setString(3, state);
            insert.setString(4, Json.mapper().writeValueAsString(spec));
            insert.setString(5, StorageKeys.script(id));
            insert.setInt(6, maxAttempts);
            insert.setString(7, workerId);
            insert.setTimestamp(8, Timestamp.from(assignedAt));
            insert.setTimestamp(9, runningAt == null ? null : Timestamp.from(runningAt));
            insert.setTimestamp(10, acknowledgedAt == null ? null : Timestamp.from(acknowledgedAt));
            insert.executeUpdate();
        }
    }

    private void insertAssigned(UUID id, String workerId, int attempt, int maxAttempts) throws Exception {
        ExecutionSpec spec = GridEvents.spec(64, 256, maxAttempts);
        try (Connection c = dataSource.getConnection();
             PreparedStatement insert = c.prepareStatement("INSERT INTO executions (id, project_id, attempt, state, "
                     + "spec, script_key, max_attempts, worker_id, assigned_at, submitted_at, queued_at, updated_at) "
                     + "VALUES (?, 'p', ?, 'ASSIGNED', ?::jsonb, ?, ?, ?, now(), now(), now(), now())")) {
            insert.setObject(1, id);
            insert.setInt(2, attempt);
            insert.setString(3, Json.mapper().writeValueAsString(spec));
            insert.setString(4, StorageKeys.script(id));
            insert.setInt(5, maxAttempts);
            insert.setString(6, workerId);
            insert.executeUpdate();
        }
    }
}
