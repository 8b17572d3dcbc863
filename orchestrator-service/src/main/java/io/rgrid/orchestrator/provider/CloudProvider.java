package io.rgrid.orchestrator.provider;

import io.rgrid.model.event.MachineType;
import io.rgrid.orchestrator.kafka.WorkerLogin;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where workers come from. The orchestrator records a worker (PROVISIONING, with an id and a
 * token it issued) before it calls {@link #provision}, so a crash in between leaves a record the
 * health monitor cleans up rather than a server nobody knows. Implementations: {@code local}
 * (agent processes on this host), {@code static} (a fixed list), later {@code hetzner}.
 */
public interface CloudProvider {

    /** The name in config and in worker records: "local", "static", "hetzner". */
    String name();

    /** False when the set of workers is fixed: the autoscaler then leaves it alone. */
    boolean scalable();

    /** What a new worker of the default type will be: its type, price and boot time, known before it exists. */
    ServerOffer offer();

    /**
     * The machine types this grid may run executions on, with the CPUs and memory a worker of each
     * offers and its price; empty when the provider cannot tell (then nothing is refused and the
     * autoscaler provisions the default type). The hetzner provider answers from its allowed list and
     * {@code /server_types}; {@code local} describes its agents.
     */
    default List<MachineType> machineTypes() {
        return List.of();
    }

    /** What a new worker of {@code type} will be. */
    default ServerOffer offer(MachineType type) {
        return new ServerOffer(type.name(), type.hourlyPriceEur(), offer().expectedBootTime());
    }

    /**
     * Creates a server running a worker-agent that identifies as {@code request.workerId()},
     * accepts {@code request.token()} and heartbeats to the grid's Kafka.
     *
     * @throws ProvisioningException when the server cannot be created; the message says why and what to do
     */
    ProvisionedServer provision(ProvisionRequest request) throws ProvisioningException;

    /**
     * Deletes the worker's server (a no-op for one it does not know). Blocks until it is gone or given up.
     *
     * @return when the server stopped being billed, on the provider's clock (Hetzner: its delete
     *         action's {@code started}, the clock its {@code created} is on, so {@code rgrid cost}
     *         counts the periods Hetzner does); empty when the provider cannot tell or there was
     *         nothing to delete (the registry then records the deletion at its own now)
     */
    Optional<Instant> terminate(String workerId);

    /** The servers this provider runs for the grid now. */
    List<ProvisionedServer> list();

    /**
     * Whether this process runs, or saw to its end, the boot of {@code workerId}. False for a worker
     * another orchestrator created and did not see through (a leader that died mid-boot): then
     * {@link #resumeBoot} takes it over. Providers whose workers need no boot of theirs say true.
     */
    default boolean bootsHere(String workerId) {
        return true;
    }

    /**
     * Takes over the boot of a worker whose server exists but whose boot runs nowhere (its
     * orchestrator died mid-boot, {@link #bootsHere} is false): the server is awaited and
     * bootstrapped from the start, which is safe to repeat, so it ends bootstrapped or, when that
     * fails, reported like any failed boot (and deleted).
     *
     * @param request the worker's id and the token the registry holds for it
     * @param address the agent address the registry holds for it (from the server's create response)
     * @return false when this provider cannot (then the boot timeout ends the worker)
     */
    default boolean resumeBoot(ProvisionRequest request, String address) {
        return false;
    }

    /** Agents that exist without being provisioned (the {@code static} list); registered at start. */
    default List<ConfiguredWorker> configuredWorkers() {
        return List.of();
    }

    /** True when this provider's workers stop with the orchestrator (local processes), false for real servers. */
    default boolean workersEndWithOrchestrator() {
        return false;
    }

    /**
     * Called when a worker is about to be declared lost, before its work is handed to another
     * worker: stops what a dead agent left running on a host the provider still controls, so an
     * old attempt cannot run beside its requeued successor. Leaves a live agent alone. A deleted
     * cloud server takes its containers with it, so the default does nothing.
     */
    default void stopLeftovers(String workerId) {
    }

    /**
     * Whether a deletion of the worker's server is still under way although the provider no
     * longer lists the server. Hetzner stops listing a server the moment it accepts its delete,
     * while the machine (and what it runs) goes only when the delete action ends; an orchestrator
     * killed between the two leaves that to the next leader, which must not move the worker's
     * attempts before then. Providers whose deletion ends with the call say false.
     *
     * @param providerHandle the registry's handle of the server (Hetzner: its id)
     */
    default boolean deletionRunning(String workerId, String providerHandle) {
        return false;
    }

    /**
     * Called when this instance becomes the leader, before its first reconciliation. A provider
     * that keeps its servers in memory learns here the ones the previous leader started since this
     * process began: a standby's {@code local} provider knew only the agents running at its own
     * start. Providers whose {@link #list()} asks the cloud need nothing.
     */
    default void takeOver() {
    }

    /**
     * How a standby stops: releases what this process holds but ends no worker, since the workers
     * it knows are the leader's ({@code local} adopted them at its start). Only {@code local}
     * differs from {@link #close()}.
     */
    default void closeKeepingWorkers() {
        close();
    }

    /** Releases what this process holds; for {@code local}, stops every agent it started. */
    default void close() {
    }

    /**
     * The id and token a new worker gets (the orchestrator issued both), its machine type: one of
     * {@link #machineTypes()}, or null for the provider's default type, and its own Kafka login
     * (null until {@link WorkerLoginProvider} issued it; none under PLAINTEXT).
     */
    record ProvisionRequest(String workerId, String token, MachineType type, WorkerLogin kafkaLogin) {

        public ProvisionRequest(String workerId, String token) {
            this(workerId, token, null);
        }

        public ProvisionRequest(String workerId, String token, MachineType type) {
            this(workerId, token, type, null);
        }

        /** This request with the worker's Kafka login. */
        public ProvisionRequest withKafkaLogin(WorkerLogin login) {
            return new ProvisionRequest(workerId, token, type, login);
        }

        @Override
        public String toString() {
            return "ProvisionRequest[" + workerId + ", " + type + ", " + kafkaLogin + "]"; // no token, no password
        }
    }

    /** An agent configured by address and token. */
    record ConfiguredWorker(String workerId, String address, String token) {
    }

    /** Type, hourly price (EUR per started hour) and usual time to the first heartbeat. */
    record ServerOffer(String serverType, double hourlyPriceEur, Duration expectedBootTime) {
    }
}
