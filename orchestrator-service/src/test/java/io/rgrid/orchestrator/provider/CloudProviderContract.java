package io.rgrid.orchestrator.provider;

import io.rgrid.model.Ids;
import io.rgrid.model.event.MachineType;
import io.rgrid.orchestrator.kafka.WorkerLogin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * What every scalable {@link CloudProvider} promises the orchestrator, from the interface's
 * Javadoc and how the autoscaler, the reconciliation and the health monitor use it. Each
 * implementation has a subclass that says how to make one ({@link #provider}) and how to see its
 * servers from outside it ({@link #serverExists}): {@code LocalProcessProviderContractTest} (agent
 * processes on this host) and {@code HetznerProviderContractTest} (the repository's Hetzner Cloud
 * API emulator). A new provider passes this suite before it is wired in (CONTRIBUTING.md).
 *
 * <p>Two grids share one backing world (the host, the Hetzner project): a provider of grid
 * {@code b} must neither list nor delete grid {@code a}'s servers, and a new provider of grid
 * {@code a} (a restarted orchestrator) must find the servers that outlive the old one.
 */
public abstract class CloudProviderContract {

    protected static final String GRID = "contract-a";
    protected static final String OTHER_GRID = "contract-b";
    private static final Duration APPEARS = Duration.ofSeconds(30);

    private final List<CloudProvider> made = new ArrayList<>();
    /** Worker id to its grid, for the clean-up. */
    private final Map<String, String> provisioned = new ConcurrentHashMap<>();

    /**
     * A new provider of {@code grid}, configured as an operator would for this test's backing
     * world; every call makes a new instance, as a restarted orchestrator does.
     */
    protected abstract CloudProvider newProvider(String grid) throws Exception;

    /** A provider whose servers cannot be created (nothing to start, credentials refused). */
    protected abstract CloudProvider newUnableProvider() throws Exception;

    /** Whether the worker's server exists (process alive, server in the project), seen without the provider. */
    protected abstract boolean serverExists(String workerId) throws Exception;

    protected final CloudProvider provider(String grid) throws Exception {
        CloudProvider provider = newProvider(grid);
        made.add(provider);
        return provider;
    }

    private ProvisionedServer provision(CloudProvider provider, String grid, CloudProvider.ProvisionRequest request)
            throws ProvisioningException {
        provisioned.put(request.workerId(), grid);
        return provider.provision(request);
    }

    /** As the orchestrator asks: with the worker's own Kafka login ({@link WorkerLoginProvider} issues it). */
    private static CloudProvider.ProvisionRequest request() {
        String workerId = Ids.newWorkerId();
        return new CloudProvider.ProvisionRequest(workerId, "token-of-" + workerId)
                .withKafkaLogin(new WorkerLogin(workerId, "kafka-password-of-" + workerId));
    }

    private void awaitServer(String workerId) {
        await().atMost(APPEARS).until(() -> serverExists(workerId));
    }

    /** Provisions a worker of the default type in {@link #GRID} and waits until its server exists. */
    private String runningWorker(CloudProvider provider) throws ProvisioningException {
        CloudProvider.ProvisionRequest request = request();
        provision(provider, GRID, request);
        awaitServer(request.workerId());
        return request.workerId();
    }

    private static List<String> listed(CloudProvider provider) {
        return provider.list().stream().map(ProvisionedServer::workerId).toList();
    }

    private void assertStillThere(CloudProvider provider, String workerId) throws Exception {
        assertThat(serverExists(workerId)).as("the server still exists").isTrue();
        assertThat(listed(provider)).contains(workerId);
    }

    @AfterEach
    void removeWhatTheTestMade() throws Exception {
        made.forEach(CloudProvider::close);
        made.clear();
        for (Map.Entry<String, String> worker : provisioned.entrySet()) {
            CloudProvider cleaner = newProvider(worker.getValue());
            try {
                cleaner.terminate(worker.getKey());
            } finally {
                cleaner.close();
            }
        }
        provisioned.clear();
    }

    @Test
    void describesItselfAndItsDefaultOffer() throws Exception {
        CloudProvider provider = provider(GRID);

        assertThat(provider.name()).matches("[a-z]+");
        assertThat(provider.scalable()).as("this suite is for providers the autoscaler drives").isTrue();
        CloudProvider.ServerOffer offer = provider.offer();
        assertThat(offer.serverType()).isNotBlank();
        assertThat(offer.hourlyPriceEur()).isNotNegative();
        assertThat(offer.expectedBootTime()).isPositive();
    }

    @Test
    void itsMachineTypesHaveSizesAndPricesAndTheDefaultOfferIsOneOfThem() throws Exception {
        CloudProvider provider = provider(GRID);
        List<MachineType> types = provider.machineTypes();

        assertThat(types).as("a scalable provider can tell what its workers offer").isNotEmpty();
        assertThat(types).extracting(MachineType::name).doesNotHaveDuplicates();
        for (MachineType type : types) {
            assertThat(type.cpus()).as(type.name()).isPositive();
            assertThat(type.memoryMb()).as(type.name()).isPositive();
            assertThat(type.hourlyPriceEur()).as(type.name()).isNotNegative();
            CloudProvider.ServerOffer offer = provider.offer(type);
            assertThat(offer.serverType()).isEqualTo(type.name());
            assertThat(offer.hourlyPriceEur()).isEqualTo(type.hourlyPriceEur());
        }
        CloudProvider.ServerOffer offer = provider.offer();
        assertThat(types).filteredOn(t -> t.name().equals(offer.serverType()))
                .as("the default type is one of the machine types, at the same price")
                .singleElement().extracting(MachineType::hourlyPriceEur).isEqualTo(offer.hourlyPriceEur());
    }

    @Test
    void provisionCreatesTheWorkersServerOfTheDefaultTypeAndListShowsIt() throws Exception {
        CloudProvider provider = provider(GRID);
        CloudProvider.ProvisionRequest request = request();
        Instant before = Instant.now().minusSeconds(2); // a provider's clock may count whole seconds

        ProvisionedServer server = provision(provider, GRID, request);

        assertThat(server.workerId()).isEqualTo(request.workerId());
        assertThat(server.handle()).isNotBlank();
        assertThat(server.address()).as("where the orchestrator sends work").isNotBlank();
        assertThat(server.createdAt()).isAfter(before).isBefore(Instant.now().plusSeconds(1));
        assertThat(server.serverType()).isEqualTo(provider.offer().serverType());
        assertThat(server.hourlyPriceEur()).isEqualTo(provider.offer().hourlyPriceEur());
        awaitServer(request.workerId());
        assertThat(provider.list()).filteredOn(s -> s.workerId().equals(request.workerId())).singleElement()
                .satisfies(listed -> {
                    assertThat(listed.handle()).isEqualTo(server.handle());
                    assertThat(listed.serverType()).isEqualTo(server.serverType());
                });
    }

    @Test
    void aRequestedMachineTypeIsTheServersTypeAndPrice() throws Exception {
        CloudProvider provider = provider(GRID);
        MachineType type = provider.machineTypes().getLast();
        CloudProvider.ProvisionRequest request = request();

        ProvisionedServer server = provision(provider, GRID, new CloudProvider.ProvisionRequest(request.workerId(),
                request.token(), type, request.kafkaLogin()));

        assertThat(server.serverType()).isEqualTo(type.name());
        assertThat(server.hourlyPriceEur()).isEqualTo(type.hourlyPriceEur());
        awaitServer(request.workerId());
    }

    @Test
    void terminateReturnsOnceTheServerIsGoneAndAgainIsANoOp() throws Exception {
        CloudProvider provider = provider(GRID);
        String workerId = runningWorker(provider);

        provider.terminate(workerId);

        assertThat(serverExists(workerId)).as("terminate blocks until the server is gone").isFalse();
        assertThat(listed(provider)).doesNotContain(workerId);
        assertThatCode(() -> provider.terminate(workerId)).doesNotThrowAnyException();
    }

    @Test
    void terminateOfAWorkerItDoesNotKnowChangesNothing() throws Exception {
        CloudProvider provider = provider(GRID);
        String workerId = runningWorker(provider);

        assertThatCode(() -> provider.terminate(Ids.newWorkerId())).doesNotThrowAnyException();

        assertStillThere(provider, workerId);
    }

    @Test
    void anotherGridsProviderNeitherListsNorDeletesTheServerNorHidesItFromItsOwnGrid() throws Exception {
        CloudProvider ours = provider(GRID);
        CloudProvider theirs = provider(OTHER_GRID);
        String workerId = runningWorker(ours);

        assertThat(listed(theirs)).doesNotContain(workerId);
        theirs.terminate(workerId);
        theirs.stopLeftovers(workerId);

        assertStillThere(ours, workerId);
        assertThat(listed(provider(GRID))).as("a restarted orchestrator of its own grid still finds it")
                .contains(workerId);
    }

    @Test
    void stopLeftoversLeavesALiveWorkerAlone() throws Exception {
        CloudProvider provider = provider(GRID);
        String workerId = runningWorker(provider);

        provider.stopLeftovers(workerId);

        assertStillThere(provider, workerId);
    }

    @Test
    void workersEndWithTheProviderExactlyWhenItSaysSo() throws Exception {
        CloudProvider provider = provider(GRID);
        String workerId = runningWorker(provider);

        provider.close();

        boolean endsWithIt = provider.workersEndWithOrchestrator();
        assertThat(serverExists(workerId)).as("workersEndWithOrchestrator() is " + endsWithIt).isEqualTo(!endsWithIt);
        assertThat(listed(provider(GRID)).contains(workerId))
                .as("a restarted orchestrator lists exactly the servers that outlived the old one")
                .isEqualTo(!endsWithIt);
    }

    @Test
    void aStoppedProviderCreatesNothing() throws Exception {
        CloudProvider provider = provider(GRID);
        provider.close();
        CloudProvider.ProvisionRequest request = request();

        assertThatThrownBy(() -> provision(provider, GRID, request)).isInstanceOf(ProvisioningException.class)
                .hasMessageContaining("stopped");
        assertThat(serverExists(request.workerId())).isFalse();
        assertThatCode(provider::close).as("close twice").doesNotThrowAnyException();
    }

    @Test
    void aServerThatCannotBeCreatedIsAProvisioningExceptionThatSaysWhy() throws Exception {
        CloudProvider unable = newUnableProvider();
        made.add(unable);
        CloudProvider.ProvisionRequest request = request();

        assertThatThrownBy(() -> provision(unable, GRID, request)).isInstanceOf(ProvisioningException.class)
                .satisfies(e -> assertThat(e.getMessage()).isNotBlank().doesNotContain(request.token())
                        .doesNotContain(request.kafkaLogin().password()));
        assertThat(serverExists(request.workerId())).isFalse();
    }
}
