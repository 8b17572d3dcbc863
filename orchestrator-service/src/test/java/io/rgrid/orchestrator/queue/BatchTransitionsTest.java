package io.rgrid.orchestrator.queue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.rgrid.model.ExecutionSpec;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.FailureReason;
import io.rgrid.model.NetworkMode;
import io.rgrid.model.event.ExecutionStatusChanged;
import io.rgrid.model.event.ExecutionSubmitted;
import io.rgrid.orchestrator.config.RgridConfigTest;
import io.rgrid.orchestrator.kafka.KafkaClients;
import io.rgrid.orchestrator.metrics.ClusterStats;
import io.rgrid.orchestrator.outbox.OutboxWriter;
import io.rgrid.platform.db.Transactions;
import io.rgrid.testinfra.Servers;
import io.rgrid.testinfra.SharedServers;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The batched writes the dispatcher and the status consumer use, on the real PostgreSQL: a batch
 * of placements records only executions still QUEUED with the attempt the dispatcher read (and
 * skips rows another transaction holds), with one event each; a poll's worker reports apply in
 * order with attempt fencing.
 */
class BatchTransitionsTest {

    private static Transactions database;
    private static PGSimpleDataSource dataSource;
    private static ExecutionRepository executions;
    private static ExecutionTransitions transitions;

    @BeforeAll
    static void setUp() {
        Servers servers = SharedServers.get();
        dataSource = new PGSimpleDataSource();
        dataSource.setURL(servers.jdbcUrl("orch_batch"));
        dataSource.setUser(servers.dbUser());
        dataSource.setPassword(servers.dbPassword());
        dataSource.setCurrentSchema("orchestrator");
        Flyway.configure().dataSource(dataSource).schemas("orchestrator").defaultSchema("orchestrator").load().migrate();
        database = new Transactions(dataSource);
        executions = new ExecutionRepository();
        transitions = new ExecutionTransitions();
        transitions.executions = executions;
        transitions.outbox = new OutboxWriter(new KafkaClients(RgridConfigTest.load(Map.of())));
        transitions.stats = new ClusterStats(new SimpleMeterRegistry());
    }

    @BeforeEach
    void clear() {
        database.inTransaction(c -> {
            try (Statement s = c.createStatement()) {
                s.executeUpdate("DELETE FROM executions");
                return s.executeUpdate("DELETE FROM outbox");
            }
        });
    }

    @Test
    void aBatchOfPlacementsRecordsOnlyWhatIsStillQueuedWithTheSameAttempt() throws Exception {
        ExecutionRecord fresh = queue();
        ExecutionRecord cancelled = queue();
        ExecutionRecord requeued = queue();
        ExecutionRecord lockedElsewhere = queue();
        database.inTransaction(c -> {
            transitions.cancelQueued(c, executions.lock(c, cancelled.id()).orElseThrow());
            executions.requeue(c, requeued.id(), 2); // the dispatcher still holds attempt 1
            return null;
        });
        try (Connection other = dataSource.getConnection()) {
            other.setAutoCommit(false);
            executions.lock(other, lockedElsewhere.id()); // a cancel in progress holds the row

            List<ExecutionTransitions.Placement> recorded = database.inTransaction(c -> transitions.assignAll(c,
                    List.of(new ExecutionTransitions.Placement(fresh, "w1"),
                            new ExecutionTransitions.Placement(cancelled, "w1"),
                            new ExecutionTransitions.Placement(requeued, "w2"),
                            new ExecutionTransitions.Placement(lockedElsewhere, "w2"))));

            assertThat(recorded).extracting(p -> p.execution().id()).containsExactly(fresh.id());
            other.rollback();
        }
        assertThat(row(fresh.id())).isEqualTo("ASSIGNED/1/w1");
        assertThat(row(cancelled.id())).isEqualTo("CANCELLED/1/null");
        assertThat(row(requeued.id())).isEqualTo("QUEUED/2/null");
        assertThat(row(lockedElsewhere.id())).isEqualTo("QUEUED/1/null");
        // One ASSIGNED event (plus the CANCELLED one written above), none for what was left out.
        assertThat(outboxStates()).containsExactlyInAnyOrder("CANCELLED", "ASSIGNED");
    }

    @Test
    void aPollOfReportsAppliesInOrderWithAttemptFencing() throws Exception {
        ExecutionRecord a = queue();
        ExecutionRecord b = queue();
        database.inTransaction(c -> {
            transitions.assignAll(c, List.of(new ExecutionTransitions.Placement(a, "w1"),
                    new ExecutionTransitions.Placement(b, "w1")));
            // b was taken back and requeued as attempt 2, then assigned again.
            transitions.takeBack(c, executions.lock(c, b.id()).orElseThrow(), FailureReason.WORKER_LOST, TakeBackCause.REFUSED, "test");
            transitions.assignAll(c, List.of(new ExecutionTransitions.Placement(
                    executions.lock(c, b.id()).orElseThrow(), "w2")));
            return null;
        });

        List<ExecutionStatusChanged> reports = List.of(
                report(a.id(), 1, ExecutionState.RUNNING, null),
                report(b.id(), 1, ExecutionState.RUNNING, null), // stale attempt: fenced
                report(a.id(), 1, ExecutionState.SUCCEEDED, null),
                report(b.id(), 1, ExecutionState.FAILED, FailureReason.NONZERO_EXIT), // stale attempt: fenced
                report(a.id(), 1, ExecutionState.RUNNING, null), // a late duplicate: refused by the state machine
                report(UUID.randomUUID(), 1, ExecutionState.RUNNING, null), // unknown: ignored
                report(b.id(), 2, ExecutionState.RUNNING, null));
        int applied = database.inTransaction(c -> transitions.applyWorkerReports(c,
                executions.lockAll(c, reports.stream().map(ExecutionStatusChanged::executionId).toList()), reports));

        assertThat(applied).isEqualTo(3);
        assertThat(row(a.id())).isEqualTo("SUCCEEDED/1/w1");
        assertThat(row(b.id())).isEqualTo("RUNNING/2/w2");
    }

    @Test
    void aRoundsCandidatesTakeTurnsAcrossProjectsSoABacklogHidesNoOne() throws Exception {
        // Project "big" queued 30 before "small" queued its one: a round of 10 must still see it.
        for (int i = 0; i < 30; i++) {
            queue("big");
        }
        ExecutionRecord small = queue("small");
        List<ExecutionRecord> round = database.inTransaction(c -> executions.queued(c, 10));
        assertThat(round).hasSize(10);
        assertThat(round).extracting(ExecutionRecord::id).contains(small.id());
        assertThat(round.get(0).projectId()).isEqualTo("big"); // the oldest submission leads the first turn
        assertThat(round.get(1).id()).isEqualTo(small.id());
        // Within a project, oldest first.
        List<ExecutionRecord> big = round.stream().filter(e -> e.projectId().equals("big")).toList();
        assertThat(big).extracting(ExecutionRecord::submittedAt).isSorted();
    }

    @Test
    void turnsFollowEachProjectsOldestAndARoundReadsNoMoreThanItsLimitPerProject() throws Exception {
        // a1 < b1 < a2 < c1 < b2 < a3 (submission order): turn 1 is a1, b1, c1; turn 2 a2, b2; turn 3 a3.
        ExecutionRecord a1 = queue("a");
        ExecutionRecord b1 = queue("b");
        ExecutionRecord a2 = queue("a");
        ExecutionRecord c1 = queue("c");
        ExecutionRecord b2 = queue("b");
        ExecutionRecord a3 = queue("a");
        List<ExecutionRecord> round = database.inTransaction(c -> executions.queued(c, 10));
        assertThat(round).extracting(ExecutionRecord::id)
                .containsExactly(a1.id(), b1.id(), c1.id(), a2.id(), b2.id(), a3.id());
        List<ExecutionRecord> smallRound = database.inTransaction(c -> executions.queued(c, 4));
        assertThat(smallRound).extracting(ExecutionRecord::id).containsExactly(a1.id(), b1.id(), c1.id(), a2.id());
        // A project with nothing QUEUED takes no turn: c1 assigned, the rest keep their order.
        database.inTransaction(c -> transitions.assignAll(c, List.of(new ExecutionTransitions.Placement(
                executions.lock(c, c1.id()).orElseThrow(), "w1"))));
        List<ExecutionRecord> afterAssign = database.inTransaction(c -> executions.queued(c, 10));
        assertThat(afterAssign).extracting(ExecutionRecord::id)
                .containsExactly(a1.id(), b1.id(), a2.id(), b2.id(), a3.id());
    }

    @Test
    void reservedBySumsTheSpecsOfKnownExecutionsOnly() throws Exception {
        ExecutionRecord a = queue("r");
        ExecutionRecord b = queue("r");
        HeldExecutions.Held held = database.inTransaction(c -> new HeldExecutions().reservedBy(c,
                List.of(a.id(), b.id(), UUID.randomUUID())));
        assertThat(held.count()).isEqualTo(2);
        assertThat(held.cpus()).isEqualTo(1.0);
        assertThat(held.memoryMb()).isEqualTo(256);
        HeldExecutions.Held none = database.inTransaction(c -> new HeldExecutions().reservedBy(c, List.of()));
        assertThat(none).isEqualTo(HeldExecutions.Held.NONE);
    }

    private static ExecutionRecord queue() {
        return queue("p");
    }

    private static ExecutionRecord queue(String project) {
        UUID id = UUID.randomUUID();
        ExecutionSpec spec = new ExecutionSpec("rgrid/python:3.11-local", List.of(), Map.of(), 0.5, 128, 60,
                NetworkMode.NONE, 3, Map.of());
        return database.inTransaction(c -> {
            executions.insertQueued(c, new ExecutionSubmitted(id, project, 1, spec, "executions/" + id + "/script",
                    Map.of(), null, Instant.now()));
            return executions.find(c, id).orElseThrow();
        });
    }

    private static ExecutionStatusChanged report(UUID id, int attempt, ExecutionState state, FailureReason reason) {
        return new ExecutionStatusChanged(id, attempt, state, "w", state.isTerminal() ? 0 : null, reason, null, "w",
                Instant.now());
    }

    private static String row(UUID id) {
        return database.inTransaction(c -> {
            ExecutionRecord r = executions.find(c, id).orElseThrow();
            return r.state() + "/" + r.attempt() + "/" + r.workerId();
        });
    }

    private static List<String> outboxStates() {
        return database.inTransaction(c -> {
            try (Statement s = c.createStatement();
                 ResultSet rows = s.executeQuery("SELECT payload FROM outbox ORDER BY id")) {
                List<String> out = new java.util.ArrayList<>();
                while (rows.next()) {
                    out.add(rows.getString(1).replaceAll(".*\"state\"\\s*:\\s*\"([A-Z_]+)\".*", "$1"));
                }
                return out;
            }
        });
    }
}
