package io.rgrid.orchestrator.it;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.rgrid.hetzner.emulator.ServerInfo;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.FailureReason;
import io.rgrid.model.Ids;
import io.rgrid.model.KafkaPrincipals;
import io.rgrid.model.event.Envelope;
import io.rgrid.model.event.ExecutionStatusChanged;
import io.rgrid.model.event.ExecutionWaiting;
import io.rgrid.model.event.GridCapacityChanged;
import io.rgrid.model.event.MachineType;
import io.rgrid.model.event.WorkerLifecycleChanged;
import io.rgrid.model.event.WorkerState;
import io.rgrid.testinfra.SharedServersResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

/**
 * Machine types against the Hetzner emulator (its {@code /server_types} sizes and prices), with
 * cx23 and cx33 allowed and real SSH-bootstrapped agents: the grid publishes both types; an
 * execution no allowed type holds fails UNSCHEDULABLE; a small and two 4-CPU executions get a cx23
 * and a cx33 (the 4-CPU ones share it; the small one runs on whichever is up first), and the idle
 * cx23 is deleted in its billing window while a 4-CPU execution still waits for the cx33: a queue of
 * work it cannot take no longer keeps an idle worker.
 */
@QuarkusTest
@TestProfile(HetznerMachineTypesTest.TwoTypes.class)
@QuarkusTestResource(value = SharedServersResource.class, initArgs = {@ResourceArg(name = "namespace", value = "orch"),
        @ResourceArg(name = "kafka-user", value = KafkaPrincipals.ORCHESTRATOR)})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HetznerMachineTypesTest extends EmulatedHetznerGridTest {

    public static class TwoTypes implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(TwoTypesAllowed.class));
        }
    }

    /** The full loop's emulated cloud, with cx23 and cx33 allowed and room for one of each. */
    public static class TwoTypesAllowed extends HetznerFullLoopTest.EmulatedHetznerWithBoot {
        @Override
        public Map<String, String> start() {
            Map<String, String> config = new HashMap<>(super.start());
            if (!config.isEmpty()) {
                config.put("rgrid.orchestrator.hetzner.server-types", "cx23,cx33");
                config.put("rgrid.orchestrator.hetzner.pool", "fit");
                config.put("rgrid.orchestrator.scaling.max-workers", "2");
            }
            return config;
        }
    }

    @Test
    void eachExecutionGetsTheCheapestTypeThatFitsAndNoIdleWorkerWaitsForWorkItCannotTake() throws Exception {
        Instant start = Instant.now();
        // What the API judges submissions by: both types, sized and priced by /server_types (earlier
        // classes on the same topics published their own lists: this grid's is the one with cx33).
        GridCapacityChanged capacity = await().atMost(Duration.ofSeconds(60))
                .until(() -> grid.events(GridCapacityChanged.class).stream()
                        .filter(c -> c.machineTypes().stream().anyMatch(t -> t.name().equals("cx33")))
                        .reduce((first, second) -> second).orElse(null), Objects::nonNull);
        assertThat(capacity.provider()).isEqualTo("hetzner");
        assertThat(capacity.machineTypes()).extracting(MachineType::name, MachineType::cpus, MachineType::memoryMb)
                .containsExactly(tuple("cx23", 2.0, 4096),
                        tuple("cx33", 4.0, 8192));
        assertThat(capacity.machineTypes().get(0).hourlyPriceEur()).isPositive()
                .isLessThan(capacity.machineTypes().get(1).hourlyPriceEur());

        // Accepted earlier (or under another config): no allowed type holds 16 CPUs, so it fails at once.
        UUID huge = Ids.newExecutionId();
        grid.submit(huge, "project-fit", GridEvents.spec(16, 256, 3), "print('never')\n");
        ExecutionStatusChanged refused = fixture.awaitStatus(huge, s -> s.state().isTerminal(), Duration.ofSeconds(60));
        assertThat(refused.state()).isEqualTo(ExecutionState.FAILED);
        assertThat(refused.reason()).isEqualTo(FailureReason.UNSCHEDULABLE);
        assertThat(refused.message()).contains("the largest the grid can run is 4 CPUs and 8192 MiB (cx33)");

        UUID small = Ids.newExecutionId();
        UUID longLarge = Ids.newExecutionId();
        UUID large = Ids.newExecutionId();
        grid.submit(small, "project-fit", GridEvents.spec(0.5, 256, 3), "print('small')\n");
        grid.submit(longLarge, "project-fit", GridEvents.spec(4, 1024, 3), "import time\ntime.sleep(45)\n");
        grid.submit(large, "project-fit", GridEvents.spec(4, 1024, 3), "print('large')\n");

        // While the long 4-CPU execution runs, its server exists: the emulator's record of its type.
        String runsLong = grid.awaitStatus(longLarge, ExecutionState.RUNNING).workerId();
        Map<String, String> serverTypes = new HashMap<>();
        for (ServerInfo server : HetznerFullLoopTest.EmulatedHetznerWithBoot.emulator.servers()) {
            serverTypes.put(server.name(), server.serverType());
        }
        assertThat(serverTypes).containsEntry(runsLong, "cx33");

        ExecutionStatusChanged smallDone = fixture.awaitStatus(small, s -> s.state().isTerminal(), Duration.ofMinutes(5));
        assertThat(smallDone.state()).isEqualTo(ExecutionState.SUCCEEDED);
        ExecutionStatusChanged longDone = fixture.awaitStatus(longLarge, s -> s.state().isTerminal(),
                Duration.ofMinutes(5));
        assertThat(longDone.state()).isEqualTo(ExecutionState.SUCCEEDED);
        ExecutionStatusChanged largeDone = fixture.awaitStatus(large, s -> s.state().isTerminal(), Duration.ofMinutes(5));
        assertThat(largeDone.state()).isEqualTo(ExecutionState.SUCCEEDED);

        // One server of each type; which one boots first, and so takes the small execution, varies.
        Map<String, String> typeOf = new HashMap<>();
        for (String workerId : fixture.workersThat(WorkerState.PROVISIONING, start)) {
            typeOf.put(workerId, grid.lifecycle(workerId).getFirst().serverType());
        }
        assertThat(typeOf.values()).containsExactlyInAnyOrder("cx23", "cx33");
        String cx23 = workerOf(typeOf, "cx23");
        String cx33 = workerOf(typeOf, "cx33");
        assertThat(List.of(longDone.reportedBy(), largeDone.reportedBy())).as("4-CPU executions on the cx33")
                .containsOnly(cx33);
        assertThat(smallDone.reportedBy()).isIn(cx23, cx33);
        assertThat(runsLong).isEqualTo(cx33);
        assertThat(grid.events(ExecutionWaiting.class)).as("the wait reason names the type provisioned for it")
                .anySatisfy(w -> {
                    assertThat(w.executionId()).isIn(longLarge, large);
                    assertThat(w.serverType()).isEqualTo("cx33");
                });

        // The idle cx23 went in its billing window while a 4-CPU execution still waited for the cx33.
        Instant cx23Deleted = deletedAt(cx23);
        Instant largeStarted = grid.statuses(large).stream().filter(s -> s.state() == ExecutionState.ASSIGNED)
                .map(ExecutionStatusChanged::at).findFirst().orElseThrow();
        assertThat(cx23Deleted).as("cx23 deleted before the queued 4-CPU execution was assigned")
                .isBefore(largeStarted);
        fixture.assertDrainedBeforeDeletedNeverLost(cx23);

        fixture.awaitDeleted(List.of(cx23, cx33), start);
        fixture.assertDrainedBeforeDeletedNeverLost(cx33);
    }

    private static String workerOf(Map<String, String> typeOf, String type) {
        return typeOf.entrySet().stream().filter(e -> e.getValue().equals(type)).map(Map.Entry::getKey).findFirst()
                .orElseThrow();
    }

    private Instant deletedAt(String workerId) {
        return await().atMost(WorkerGridFixture.IDLE_DELETION).until(() -> fixture.lifecycleEnvelopes(workerId).stream()
                .filter(e -> ((WorkerLifecycleChanged) e.payload()).state() == WorkerState.DELETED)
                .map(Envelope::occurredAt).findFirst().orElse(null), Objects::nonNull);
    }
}
