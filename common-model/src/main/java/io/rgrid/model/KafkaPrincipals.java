package io.rgrid.model;

import java.util.List;

/**
 * The Kafka principals (SCRAM users) of a grid, which every broker we ship is formatted with, and
 * what each may do. api-service and the orchestrator are the control plane: super users of the
 * broker (they create the topics and the workers' ACLs). A worker the orchestrator provisions gets
 * its own principal, {@link #provisionedWorker} (created with the worker, deleted with it); static
 * agents, which an operator runs, share {@link #WORKER}. Either may only write
 * {@link #WORKER_WRITES}: it reads nothing, joins no group and creates nothing (service-platform's
 * {@code WorkerAcls}; the broker denies what no ACL allows).
 */
public final class KafkaPrincipals {

    /** The broker's own login on its inter-broker listener. */
    public static final String BROKER = "rgrid-broker";
    public static final String API = "rgrid-api";
    public static final String ORCHESTRATOR = "rgrid-orchestrator";
    /** The static agents' shared login (an operator configures it on each). */
    public static final String WORKER = "rgrid-worker";
    /** What a provisioned worker's own SCRAM user starts with; its worker id follows. */
    public static final String PROVISIONED_WORKER_PREFIX = WORKER + "-";

    /** Every SCRAM user a broker is formatted with that something logs in as. */
    public static final List<String> ALL = List.of(BROKER, API, ORCHESTRATOR, WORKER);

    /**
     * A SCRAM user no one logs in as (its password is random; nothing uses it), added when a broker
     * is formatted and never removed, whose only job is to keep every other login alive across a
     * broker restart.
     *
     * <p>Why: Kafka 4.1's {@code ScramDelta.apply} walks one metadata delta's user changes in
     * HashMap order, and when a removal leaves a mechanism's user map empty it drops that map, so
     * every user the same delta adds after it is lost. A broker restarted before its first metadata
     * snapshot replays its whole log, from the format's users on, as one such delta: if a removed
     * provisioned worker's user comes first in that order, the broker comes back with no SCRAM user
     * at all and refuses every client (seen in the chaos suite; {@code rgrid-worker-eu7pn3} was one
     * such name). This name's {@code hashCode()} is 0, so it sits in the first bucket of every
     * table size, and it is written before any worker's user, so it is always the first change
     * applied: no removal can empty the map after it. Once a snapshot exists the replay starts from
     * a map that already holds this user, which no removal touches either.
     * {@code KafkaRestartKeepsLoginsTest} restarts a real broker after removing a user that would
     * come first without it.
     */
    public static final String SCRAM_ANCHOR = "rgrid-scram-anchor-hxgvgxt";

    /** The canonical topics a worker writes, and all it may do. */
    public static final List<String> WORKER_WRITES = List.of(Topics.EXECUTION_STATUS, Topics.EXECUTION_LOGS,
            Topics.WORKER_HEARTBEATS);

    private KafkaPrincipals() {
    }

    /** The broker's {@code super.users} SCRAM principals: itself and the control plane. */
    public static String superUsers() {
        return String.join(";", user(BROKER), user(API), user(ORCHESTRATOR));
    }

    /**
     * The SCRAM user of the provisioned worker {@code workerId}: the id itself, which starts with
     * {@link #PROVISIONED_WORKER_PREFIX} ({@code Ids.newWorkerId}), or the prefix and the id.
     */
    public static String provisionedWorker(String workerId) {
        return workerId.startsWith(PROVISIONED_WORKER_PREFIX) ? workerId : PROVISIONED_WORKER_PREFIX + workerId;
    }

    /** {@code User:<name>}, a principal as ACLs and {@code super.users} name it. */
    public static String user(String name) {
        return "User:" + name;
    }
}
