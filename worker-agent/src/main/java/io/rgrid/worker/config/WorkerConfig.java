package io.rgrid.worker.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * Every setting of the worker-agent. The seed's environment names are mapped onto these keys in
 * application.properties; each key can also be set as an environment variable in the usual
 * Quarkus form (e.g. {@code RGRID_WORKER_TOKEN}).
 */
@ConfigMapping(prefix = "rgrid")
public interface WorkerConfig {

    /** This agent: identity, capacity, runtime and timings. */
    Worker worker();

    /** The Kafka cluster that status, log and heartbeat events go to. */
    Kafka kafka();

    /** Attempt logs. */
    Logs logs();

    interface Logs {
        /**
         * Most bytes of an attempt's log, the marker line included ({@code RGRID_LOGS_MAX_BYTES};
         * the same key and default as api-service's, which refuses anything past it). Output past
         * the cap is discarded, not shipped; the log ends with
         * {@code [rgrid] log truncated at 64 MiB (limit rgrid.logs.max-bytes); …} and the script keeps running.
         */
        @WithDefault("67108864")
        long maxBytes();
    }

    interface Worker {

        /**
         * This worker's id ({@code rgrid-worker-} + 6 lowercase alphanumerics; env {@code RGRID_WORKER_ID}).
         * The orchestrator sets it when it starts the agent; when absent the agent makes up a new one.
         */
        Optional<String> id();

        /**
         * The bearer token the orchestrator must present on every call ({@code RGRID_WORKER_TOKEN}).
         * Required: the agent refuses to start without one.
         */
        Optional<String> token();

        /**
         * Directory holding the per-attempt work directories that are mounted into containers.
         * Default: {@code <java.io.tmpdir>/rgrid-worker/<worker id>}.
         */
        Optional<String> workDir();

        /** Executions run at once. Default: the number of CPU cores. */
        OptionalInt slots();

        /** CPUs this node offers to executions. Default: the number of CPU cores. */
        OptionalDouble cpus();

        /** Memory in MiB this node offers to executions. Default: the physical memory of the host. */
        OptionalInt memoryMb();

        /**
         * Which container runtime runs executions: {@code docker}, {@code process} (python3 as a
         * child process under rlimits, no isolation) or {@code auto} (docker when an engine answers,
         * otherwise process).
         */
        @WithDefault("auto")
        RuntimeKind runtime();

        /** Docker Engine endpoint. */
        @WithDefault("unix:///var/run/docker.sock")
        String dockerHost();

        /**
         * Started containers kept waiting per slot by the Docker runtime, so that a run skips the
         * engine's create and start ({@code RGRID_WORKER_WARM_CONTAINERS_PER_SLOT}; 0 to 4, 0 turns
         * them off). They have the image, limits and network mode of the script runs the agent sees
         * (runs of another shape go the usual way; two in a row turn them over); each serves one run
         * and is removed after it. Idle cost per container in docs/benchmarks.md ("Warm containers").
         */
        @WithDefault("1")
        int warmContainersPerSlot();

        /** The python3 interpreter the process runtime starts. */
        @WithDefault("python3")
        String python();

        /** Maximum number of processes/threads inside one execution's container. */
        @WithDefault("256")
        int pidsLimit();

        /** Size of the tmpfs mounted at /tmp in each container, in MiB; it counts against the memory limit. */
        @WithDefault("256")
        int tmpSizeMb();

        /** How long pulling a missing image may take before the attempt fails with IMAGE_PULL_FAILED. */
        @WithDefault("5m")
        Duration imagePullTimeout();

        /** Interval between heartbeats (a small random jitter is added so workers do not beat in step). */
        @WithDefault("30s")
        Duration heartbeatInterval();

        /**
         * Base URL the orchestrator should call this agent at, as sent in heartbeats.
         * Default: {@code http://127.0.0.1:<the port the HTTP server listens on>}.
         */
        Optional<String> advertisedAddress();

        /** On shutdown, how long running executions may go on before they are killed. */
        @WithDefault("60s")
        Duration drainTimeout();

        /**
         * How long installing an execution's requirements.txt (pip, inside the execution's own
         * container, before the script) may take; past it the attempt fails with REQUIREMENTS_FAILED.
         */
        @WithDefault("10m")
        Duration requirementsTimeout();

        /**
         * While a script runs, its log so far is rewritten to {@code …/attempts/{n}/runs/{run}/log} at least this
         * often (when it grew), so the partial log of a worker that is lost mid-run survives.
         */
        @WithDefault("5s")
        Duration logUploadInterval();

        /**
         * A log that grew by this many KiB since its last upload is uploaded early (at most once a
         * second), so a chatty script loses little when its worker dies.
         */
        @WithDefault("256")
        int logUploadKib();

        /** Most files an execution may leave in /work/outputs; more fails the attempt with OUTPUT_LIMIT. */
        @WithDefault("100")
        int maxOutputFiles();

        /** Most bytes (all files together) an execution may leave in /work/outputs; more fails it with OUTPUT_LIMIT. */
        @WithDefault("1073741824")
        long maxOutputBytes();

        /**
         * How the final log and output uploads of an attempt are retried while the object store
         * does not answer (the files are still on disk): a brief outage must not fail a success.
         */
        UploadRetry uploadRetry();

        /**
         * How long a request to the object store (a fetch of the script or an input, an upload of
         * the log or an output) may wait for the store's answer beyond the time its bytes take at
         * 1 MiB/s: a store that takes the connection and then hangs fails the request (an upload is
         * tried again, {@link #uploadRetry()}) instead of holding the attempt's slot for ever.
         */
        @WithDefault("60s")
        Duration storeTimeout();

        /**
         * Whether the production profile may run scripts with the process runtime (no isolation).
         * Off by default: a production agent without Docker refuses to start rather than run
         * untrusted code unconfined. The dev and test profiles, and the local grid (which sets
         * {@code RGRID_WORKER_ALLOW_PROCESS_RUNTIME=true}), allow it.
         */
        @WithDefault("false")
        boolean allowProcessRuntime();

        /** What executions with network {@code bridge} may reach (docs/security.md). */
        Egress egress();
    }

    interface UploadRetry {
        /** Tries in all (1: no retry); after the last the attempt fails (WORKER_ERROR for a success). */
        @WithDefault("8")
        int attempts();

        /** The wait after the first failed try; it doubles after each further one. */
        @WithDefault("1s")
        Duration backoff();

        /** The longest wait between two tries. */
        @WithDefault("15s")
        Duration maxBackoff();
    }

    interface Egress {

        /**
         * {@code enforce} (the default; env {@code RGRID_WORKER_EGRESS_POLICY}): executions with
         * network {@code bridge} run on the Docker network {@link #network()}, whose traffic to
         * private, CGNAT, loopback, link-local and this host's addresses, and to other executions,
         * {@code deploy/worker-egress.sh} rejects: they reach public addresses only. The Docker
         * runtime refuses to start unless that network is as the script makes it and the script's
         * check passed since boot ({@link #marker()}); rgrid-worker.service runs it before every
         * start. {@code off}: Docker's default {@code bridge} network, unrestricted (everything the
         * host reaches): the dev and test profiles and the local grid, whose services listen on
         * loopback only, which a container cannot reach. Only the Docker runtime has the policy.
         */
        @WithDefault("enforce")
        EgressPolicy policy();

        /**
         * The Docker network executions with network {@code bridge} join under {@code enforce}; the
         * one {@code deploy/worker-egress.sh} makes and guards, {@code rgrid-exec} (a bridge on the
         * interface {@code rgrid-exec0} with inter-container traffic off).
         */
        @WithDefault("rgrid-exec")
        String network();

        /**
         * The file {@code deploy/worker-egress.sh check} writes when every rule is in place
         * ({@code network=…}, {@code bridge=…}); on tmpfs, so a reboot clears it with the rules.
         * The agent (no root, no CAP_NET_ADMIN) cannot read iptables itself.
         */
        @WithDefault("/run/rgrid/egress-policy")
        String marker();
    }

    /** The egress policy setting's values. */
    enum EgressPolicy {
        ENFORCE, OFF
    }

    interface Kafka {

        /** Kafka bootstrap servers ({@code KAFKA_BOOTSTRAP_SERVERS}). */
        @WithDefault("localhost:9092")
        String bootstrapServers();

        /** Prefix put in front of every topic name, so several grids or test suites can share a broker. */
        Optional<String> topicPrefix();

        /**
         * {@code SASL_SSL} (default) or {@code PLAINTEXT}; with {@link #username()}, {@link #password()}
         * and {@link #caFile()} it reaches the agent's producer through service-platform's {@code kafka.*}
         * settings. Env RGRID_KAFKA_SECURITY_PROTOCOL; the orchestrator's bootstrap writes all four.
         */
        @WithDefault("SASL_SSL")
        String securityProtocol();

        /** The workers' SCRAM user, {@code rgrid-worker}: may write the status, log and heartbeat topics only. */
        Optional<String> username();

        /** Its SCRAM password (env RGRID_KAFKA_PASSWORD). */
        Optional<String> password();

        /** PEM file of the broker's CA (env RGRID_KAFKA_CA_FILE). */
        Optional<String> caFile();
    }

    /** The runtime setting's values. */
    enum RuntimeKind {
        AUTO, DOCKER, PROCESS
    }
}
