package io.rgrid.orchestrator.config;

import io.rgrid.scaling.ScalingDefaults;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Every setting of orchestrator-service under {@code rgrid.*}. */
@ConfigMapping(prefix = "rgrid")
public interface RgridConfig {


    /** {@code rgrid.kafka.*}: the broker and topic naming. */
    Kafka kafka();

    /** {@code rgrid.storage.*}: the object store the workers use. */
    Storage storage();

    /** {@code rgrid.orchestrator.*}: providers, scaling, health and dispatch. */
    Orchestrator orchestrator();

    interface Kafka {
        /** Kafka bootstrap servers, {@code host:port[,host:port]}. Env: KAFKA_BOOTSTRAP_SERVERS. */
        @WithDefault("localhost:9092")
        String bootstrapServers();

        /**
         * Prefix put in front of every topic name (and consumer group), so several grids or test
         * suites can share one broker. Empty for none.
         */
        Optional<String> topicPrefix();

        /**
         * {@code SASL_SSL} (SCRAM-SHA-512 over TLS, every broker RGrid ships) or {@code PLAINTEXT}
         * (a broker without TLS). Env: RGRID_KAFKA_SECURITY_PROTOCOL. Read by service-platform's
         * KafkaIdentity and {@code kafka.*} settings; here for the workers' environment.
         */
        @WithDefault("SASL_SSL")
        String securityProtocol();

        /** This service's SCRAM user, {@code rgrid-orchestrator}. Env: RGRID_KAFKA_USERNAME. */
        Optional<String> username();

        /** Its SCRAM password. Env: RGRID_KAFKA_PASSWORD. */
        Optional<String> password();

        /** PEM file of the CA the broker's certificate is signed by. Env: RGRID_KAFKA_CA_FILE. */
        Optional<String> caFile();

        /**
         * The CA file's path on a worker. Default: {@link #caFile()} (a worker on this machine, as
         * the local grid's). A remote worker gets the file from its bootstrap.
         */
        Optional<String> workerCaFile();
    }

    /**
     * The object store. The orchestrator sends it no request: it signs, with these keys, each
     * assignment's storage access (presigned GETs and the run's upload policy), which is all a
     * worker gets; workers hold no store key.
     */
    interface Storage {
        /** S3 endpoint URL. Env: MINIO_ENDPOINT (+ MINIO_USE_SSL). */
        @WithDefault("http://localhost:9000")
        String endpoint();

        /** S3 access key. Env: MINIO_ACCESS_KEY. */
        @WithDefault("minioadmin")
        String accessKey();

        /** S3 secret key. Env: MINIO_SECRET_KEY. */
        @WithDefault("minioadmin")
        String secretKey();

        /** The bucket holding executions' files. Env: MINIO_BUCKET_NAME. */
        @WithDefault("rgrid")
        String bucket();

        /** S3 region name (S3-compatible stores mostly ignore it). */
        @WithDefault("us-east-1")
        String region();

        /**
         * How long past an execution's own timeout the storage access of its assignment stays
         * valid (the presigned GETs and the upload policy expire at assignment + timeout + this,
         * at most 7 days, V4 signing's limit). Covers what an attempt does besides running the
         * script: pulling its image, installing requirements.txt (the agents'
         * {@code rgrid.worker.requirements-timeout}, 10 min by default) and uploading the log and
         * outputs. An attempt still uploading after it is refused (403) and ends FAILED.
         * Env: RGRID_STORAGE_ACCESS_MARGIN.
         */
        @WithDefault("40m")
        Duration accessMargin();
    }

    interface Orchestrator {
        /**
         * Where workers come from: {@code local} (agent processes on this host), {@code static} (a fixed list),
         * {@code hetzner} (Hetzner Cloud servers; production).
         */
        @WithDefault("local")
        String provider();

        /**
         * The bearer token every caller of this service's HTTP API must send ({@code /v1/*},
         * {@code /q/metrics}; {@code /q/health} stays open), at least 32 characters
         * ({@code openssl rand -hex 32}). Unset: only loopback peers are answered, and the service
         * refuses to start when {@code quarkus.http.host} (ORCHESTRATOR_HOST, default 127.0.0.1)
         * is not a loopback address. Env: ORCHESTRATOR_API_TOKEN.
         */
        Optional<String> apiToken();

        /** {@code rgrid.orchestrator.local.*}: the local provider. */
        Local local();

        /** The {@code static} provider's settings. */
        @WithName("static")
        Static staticProvider();

        /** {@code rgrid.orchestrator.hetzner.*}: the Hetzner Cloud provider. */
        Hetzner hetzner();

        /** {@code rgrid.orchestrator.scaling.*}: the autoscaler's limits and pace. */
        Scaling scaling();

        /** {@code rgrid.orchestrator.health.*}: when a worker counts as lost. */
        Health health();

        /** {@code rgrid.orchestrator.dispatch.*}: handing work to agents. */
        Dispatch dispatch();

        /** {@code rgrid.orchestrator.lifecycle.*}: reconciliation with the provider and cost reports. */
        Lifecycle lifecycle();

        /** {@code rgrid.orchestrator.bootstrap.*}: turning a new Hetzner server into a worker over SSH. */
        Bootstrap bootstrap();
        /** {@code rgrid.orchestrator.ray.*}: Ray dispatch mode (docs/ray.md). */
        Ray ray();
    }

    /**
     * Ray dispatch mode: the orchestrator is a Ray Java driver; each dispatch is a Ray task that
     * asks for the execution's CPUs and memory plus {@code rgrid_worker}, and hands the attempt to
     * the worker-agent of the node Ray picked. See docs/ray.md. Ray's token authentication is no
     * key here: Ray's core worker reads {@code RAY_AUTH_MODE} and {@code RAY_AUTH_TOKEN} (or
     * {@code RAY_AUTH_TOKEN_PATH}) from the process environment ({@code dispatch.ray.RayAuth}).
     */
    interface Ray {
        /** Dispatch through Ray instead of POSTing to agents directly. Env: RAY_ENABLED (seed name). */
        @WithDefault("false")
        boolean enabled();

        /**
         * The Ray head's GCS, {@code host:6380}. Env: RAY_HEAD_ADDRESS (seed name). The seed's
         * {@code ray://host:10001} (Ray Client, Python only) is accepted with a warning and read as
         * {@code host:6380}; a bare {@code host} also means port 6380.
         */
        @WithDefault("127.0.0.1:6380")
        String headAddress();

        /**
         * This host's address in the Ray cluster ({@code ray.node-ip}: the control plane's private
         * IP, where its raylet, the head, runs). Default: the head address's host.
         */
        Optional<String> nodeIp();

        /**
         * The installed Ray's venv ({@code infra/install-ray.sh --venv}); the driver runs with its
         * {@code lib/python3.x/site-packages/ray/jars/ray_dist.jar}, so driver and cluster share one
         * Ray version. Ignored when {@code dist-jar} is set.
         */
        @WithDefault("/opt/rgrid/ray-venv")
        Path venv();

        /** The {@code ray_dist.jar} to run with, when not the one in {@code venv}. */
        Optional<Path> distJar();

        /**
         * Where the task jar ({@code rgrid-ray-task.jar} of module ray-task) lies on every Ray node,
         * this host included: given to Ray as {@code ray.job.code-search-path}.
         */
        @WithDefault("/opt/rgrid/ray-task/rgrid-ray-task.jar")
        Path taskJar();

        /**
         * How long one wait for finished Ray tasks lasts; new work waits at most this long for the
         * next submission round.
         */
        @WithDefault("100ms")
        Duration waitInterval();

        /**
         * When Ray cannot be reached at start: {@code false} (default) fails the start with the
         * reason; {@code true} logs it and dispatches in agent mode instead.
         */
        @WithDefault("false")
        boolean fallbackToAgent();
    }

    interface Local {
        /**
         * The worker-agent's runnable jar ({@code worker-agent/target/quarkus-app/quarkus-run.jar}
         * after {@code ./mvnw -pl worker-agent package}).
         */
        @WithDefault("worker-agent/target/quarkus-app/quarkus-run.jar")
        Path agentJar();

        /** The first HTTP port tried for a local agent; each agent takes the next free one. */
        @WithDefault("8002")
        int firstPort();

        /**
         * Directory for the local agents' logs ({@code <worker-id>.log}) and working directories.
         * Default: {@code <java.io.tmpdir>/rgrid-local-workers}.
         */
        Optional<Path> workDir();

        /** Extra environment variables for every local agent, e.g. {@code RGRID_WORKER_HEARTBEAT_INTERVAL}. */
        Map<String, String> agentEnv();

        /** How long a local agent gets after SIGTERM before it is killed. */
        @WithDefault("15s")
        Duration stopGracePeriod();

        /** How long a local agent usually takes from start to first heartbeat (for wait estimates). */
        @WithDefault("10s")
        Duration expectedBootTime();

        /**
         * Price in EUR per started hour reported for a local agent (for cost figures only; a local
         * process costs nothing, so 0 unless one wants to rehearse the billing maths).
         */
        @WithDefault("0")
        double hourlyPriceEur();
    }

    /**
     * The {@code hetzner} provider. Every server it creates is named after its worker id, labelled
     * {@code managed-by=rgrid}, {@code pool=<pool>}, {@code worker-id=<id>}, joins the grid's private
     * network and gets the grid's firewall; only servers carrying both the managed-by and pool labels
     * are ever listed or deleted.
     */
    interface Hetzner {
        /**
         * The API token (read/write) of the Hetzner project. Env: HETZNER_API_TOKEN (seed). Never
         * logged, never in an exception message or an event.
         */
        Optional<String> apiToken();

        /** The API's base URL; tests point it at the hetzner-emulator module. */
        @WithDefault("https://api.hetzner.cloud/v1")
        String apiUrl();

        /**
         * The server type tried first, and the only one allowed when {@link #serverTypes()} is
         * absent: cx23 (2 vCPU, 4 GB), the successor of the deprecated cx22.
         */
        @WithDefault("cx23")
        String serverType();

        /**
         * The server types workers may be, e.g. {@code cx23,cx33}. Env: HETZNER_SERVER_TYPES. Per
         * queued execution the autoscaler provisions the cheapest of them that holds its CPUs and
         * memory (sizes and prices from {@code GET /server_types}, reloaded hourly), unless it names
         * one ({@code --machine}); api-service refuses what none can hold. Absent: only
         * {@link #serverType()}. A type Hetzner does not list is left out (logged).
         */
        Optional<List<String>> serverTypes();

        /** The location tried first (Nuremberg). */
        @WithDefault("nbg1")
        String location();

        /** The image every worker boots: an Ubuntu LTS the cloud-init template is written for. */
        @WithDefault("ubuntu-24.04")
        String image();

        /**
         * Ordered {@code type@location} pairs tried, in order, after the default one when Hetzner
         * answers {@code resource_unavailable} or {@code placement_error} (sold out, placement
         * failed). Empty for none.
         */
        @WithDefault("cx23@fsn1,cx23@hel1,cx33@nbg1,cx33@fsn1")
        List<String> fallbacks();

        /**
         * The grid's name in the {@code pool} label. Two grids sharing one Hetzner project must use
         * different pools: each only lists and deletes its own servers.
         */
        @WithDefault("default")
        String pool();

        /**
         * The private SSH key the orchestrator bootstraps workers with. Env: HETZNER_SSH_KEY_PATH
         * (seed). Its public half ({@code <path>.pub}) is registered with Hetzner when missing.
         */
        @WithDefault("/opt/rgrid/infra/hetzner_worker.key")
        Path sshKeyPath();

        /** The name the public key carries in the Hetzner project. */
        @WithDefault("rgrid-worker")
        String sshKeyName();

        /** The private network workers and the control plane share (created when missing). */
        @WithDefault("rgrid")
        String networkName();

        /** The private network's range, when it has to be created. */
        @WithDefault("10.0.0.0/16")
        String networkIpRange();

        /** The subnet workers get addresses from, when the network has to be created. */
        @WithDefault("10.0.1.0/24")
        String subnetIpRange();

        /** The network zone of that subnet: the zone of the locations used (nbg1, fsn1, hel1: eu-central). */
        @WithDefault("eu-central")
        String networkZone();

        /** The firewall every worker gets (created when missing): no public inbound rule but SSH from below. */
        @WithDefault("rgrid-workers")
        String firewallName();

        /**
         * Public source ranges (CIDR) allowed to reach workers' SSH port, e.g. the control plane's
         * public address {@code 203.0.113.10/32}. Empty (the default): no public inbound port at
         * all; the orchestrator then reaches SSH over the private network, which Hetzner firewalls
         * do not filter.
         */
        Optional<List<String>> sshSourceIps();

        /** Whether workers get a public IPv4 (egress for image pulls and packages without a NAT gateway). */
        @WithDefault("true")
        boolean publicIpv4();

        /** Whether workers get a public IPv6 network. */
        @WithDefault("true")
        boolean publicIpv6();

        /** Which address the bootstrap connects to: {@code private} (the default) or {@code public}. */
        @WithDefault("private")
        String sshVia();

        /** The port the bootstrap connects to. */
        @WithDefault("22")
        int sshPort();

        /**
         * The cloud-init template sent as user_data when no other renderer is installed
         * ({@code UserDataRenderer}). {@code ${RGRID_WORKER_ID}}, {@code ${RGRID_POOL}},
         * {@code ${RGRID_SERVER_TYPE}}, {@code ${RGRID_LOCATION}} and every {@code cloud-init-vars}
         * name are replaced; any other {@code ${...}} (a shell variable) is left as it is.
         */
        @WithDefault("deploy/cloud-init/worker.yaml")
        Path cloudInitTemplate();

        /** Extra {@code ${NAME}} values for the cloud-init template. Never put a secret here: Hetzner stores user_data. */
        Map<String, String> cloudInitVars();

        /** How long a created server may take to be {@code running} (its create action done). */
        @WithDefault("5m")
        Duration runningTimeout();

        /**
         * The whole SSH bootstrap's time budget, once the server runs. Most of it is cloud-init
         * installing Docker and Java (minutes on a fresh server); it stays inside
         * {@code health.boot-timeout} (10 min from the create call).
         */
        @WithDefault("8m")
        Duration bootstrapBudget();

        /** Usual time from the create call to the first heartbeat, for wait estimates. */
        @WithDefault("2m")
        Duration expectedBootTime();

        /**
         * Requests per hour this orchestrator allows itself (Hetzner's budget: 3,600 per project and
         * hour, refilled at one per second). Lower it when other tools share the project's token.
         */
        @WithDefault("3600")
        int requestsPerHour();

        /** How long one call may wait for rate-limit budget (429 back-off included) before it fails. */
        @WithDefault("2m")
        Duration maxRateLimitWait();

        /** How often a running action or a booting server is polled. */
        @WithDefault("2s")
        Duration pollInterval();
    }

    interface Static {
        /**
         * The fixed agents, as {@code id=url=token} entries separated by commas, e.g.
         * {@code rgrid-worker-abc123=http://10.0.0.5:8002=s3cret}.
         */
        Optional<List<String>> agents();

        /**
         * CPUs of the largest agent listed (what its {@code RGRID_WORKER_CPUS} offers). With
         * {@link #workerMemoryMb()} it describes the grid's capacity, so api-service refuses at
         * submission what no agent could ever hold; unset, the static grid refuses nothing.
         */
        Optional<Double> workerCpus();

        /** Memory in MiB of the largest agent listed (its {@code RGRID_WORKER_MEMORY_MB}); see {@link #workerCpus()}. */
        Optional<Integer> workerMemoryMb();
    }

    interface Scaling {
        /** Queued executions at or above which one more worker is provisioned per scaling tick (seed: 5). */
        @WithDefault(ScalingDefaults.QUEUE_THRESHOLD)
        int queueThreshold();

        /** Most workers that may exist at once, booting ones included (seed: 10). */
        @WithDefault(ScalingDefaults.MAX_WORKERS)
        int maxWorkers();

        /** Workers kept even with nothing queued. */
        @WithDefault(ScalingDefaults.MIN_WORKERS)
        int minWorkers();

        /** How often the autoscaler looks at the queue. */
        @WithDefault(ScalingDefaults.INTERVAL)
        Duration interval();

        /** After a failed provisioning, how long the autoscaler waits before trying again. */
        @WithDefault("30s")
        Duration failureBackoff();

        /**
         * The provider's billing unit, counted from each worker's creation (Hetzner: a started hour
         * is paid in full). Tests shorten it to see the idle rule act within seconds.
         */
        @WithDefault(ScalingDefaults.BILLING_PERIOD)
        Duration billingPeriod();

        /**
         * An idle worker is drained and deleted only inside the last this-much of its current
         * billing period: earlier, the hour is paid anyway and the worker may still get work.
         */
        @WithDefault(ScalingDefaults.TERMINATE_WINDOW)
        Duration terminateWindow();
    }

    interface Health {
        /**
         * A READY or DRAINING worker whose last applied heartbeat is older than this is silent
         * (3 × 30 s heartbeats); it is LOST only when the heartbeat consumer is caught up and a
         * direct health probe of its agent fails too ({@code health.LivenessDecision}). Also the
         * start-up grace: nothing is LOST within this of the health monitor's first check.
         */
        @WithDefault("90s")
        Duration lostAfter();

        /** A PROVISIONING worker that has not sent its first heartbeat within this is LOST. */
        @WithDefault("10m")
        Duration bootTimeout();

        /** How often the health monitor checks heartbeats. */
        @WithDefault("5s")
        Duration checkInterval();

        /**
         * How long an agent may take between reporting an attempt RUNNING and starting its script:
         * the agents' image pull limit ({@code rgrid.worker.image-pull-timeout}, 5 min) plus their
         * requirements install limit ({@code rgrid.worker.requirements-timeout}, 10 min). Part of
         * the orchestrator's own deadline ({@code health.DeadlineDecision}); raise it with those.
         */
        @WithDefault("15m")
        Duration startAllowance();

        /**
         * Slack on top of an execution's {@code timeoutSeconds} and {@code start-allowance},
         * counted from its RUNNING report (from its assignment while it has none), before the
         * orchestrator enforces the deadline itself (the agent normally ends it first and reports
         * TIMED_OUT; this catches an agent that went silent or lost track of it): the agent's own
         * kill and the report's way through Kafka.
         */
        @WithDefault("5m")
        Duration deadlineGrace();

        /**
         * How long an attempt the orchestrator believes a worker holds may be missing from that
         * worker's heartbeats (and be acknowledged by its agent longer ago than this) before it is
         * stopped on the agent and then taken back. An attempt not acknowledged yet is never missing.
         * Longer than a heartbeat interval plus the status topic's usual lag, so a finished attempt
         * whose report is still on its way is not re-run.
         */
        @WithDefault("60s")
        Duration missingGrace();
    }

    interface Dispatch {
        /**
         * How long an agent has to accept an assignment (connect and answer each bounded by it);
         * no answer in time and the assignment is taken back.
         */
        @WithDefault("5s")
        Duration ackTimeout();

        /** The dispatcher's periodic tick, besides being woken by new work, heartbeats and reports. */
        @WithDefault("2s")
        Duration tick();

        /**
         * TEST ONLY: halts the JVM ({@code Runtime.halt}, like kill -9) at a point of the dispatch
         * path, so the crash-safety test can prove a restart loses and duplicates nothing:
         * {@code after-record} (ASSIGNED committed, not sent), {@code after-send} (sent, before
         * the agent's answer is handled) or {@code before-report} (workers' reports consumed, not
         * applied); see {@link FaultPoints}. Never set in production.
         */
        Optional<String> faultPoint();
    }

    /** {@code rgrid.orchestrator.lifecycle.*}: keeping the provider and the registry in agreement. */
    interface Lifecycle {
        /**
         * How often the provider's list of servers is compared with the registry: servers tagged
         * for this grid that the registry does not know are deleted, known workers whose server
         * vanished are forgotten (their work requeued).
         */
        @WithDefault("1m")
        Duration reconcileInterval();

        /** How often the grid's cost is published (CostSnapshot on rgrid.cluster.v1). */
        @WithDefault("1m")
        Duration costInterval();
    }

    /**
     * {@code rgrid.orchestrator.bootstrap.*}: the SSH bootstrap of a new Hetzner server (after its
     * cloud-init, {@code deploy/cloud-init/worker.yaml}): connect with the key at
     * {@code rgrid.orchestrator.hetzner.ssh-key-path} (HETZNER_SSH_KEY_PATH; made by
     * {@code infra/hetzner_worker_key.sh}), pin the host key, wait for cloud-init, push the
     * worker-agent and its credentials, start it. In {@code remote-agent-dir},
     * {@code remote-env-file}, {@code ready-command} and {@code start-command}, {@code {worker-id}}
     * and {@code {server-name}} are replaced by the worker's id and server name, and in the commands
     * also {@code {agent-dir}} and {@code {env-file}} by the two remote paths.
     */
    interface Bootstrap {
        /** The user the orchestrator logs in as (Hetzner images: root). */
        @WithDefault("root")
        String sshUser();

        /**
         * The known_hosts file the orchestrator owns: each server's host key is pinned there on
         * first contact, and a changed key is refused. Must be writable by the orchestrator.
         */
        @WithDefault("/var/lib/rgrid-orchestrator/worker_known_hosts")
        Path knownHosts();

        /** The worker-agent distribution pushed to each server: a {@code quarkus-app} directory. */
        @WithDefault("/usr/local/lib/rgrid/worker-agent")
        Path agentDistribution();

        /** Where the distribution goes on the worker (rgrid-worker.service runs it from there). */
        @WithDefault("/usr/local/lib/rgrid/worker-agent")
        String remoteAgentDir();

        /** The agent's configuration and credentials on the worker: mode 0600, owned by {@code agent-user}. */
        @WithDefault("/etc/rgrid/worker.env")
        String remoteEnvFile();

        /** The agent's user on the worker (deploy/cloud-init/worker.yaml creates it). */
        @WithDefault("rgrid-worker")
        String agentUser();

        /** The agent's HTTP port on the worker's private address. */
        @WithDefault("8002")
        int agentPort();

        /**
         * The address the agent listens on and advertises: {@code private} (the server's address in
         * the grid's private network, docs/design.md "Production network"; the default) or {@code ssh}
         * (the address the bootstrap connected to: for a grid without a private network, and the
         * emulator's loopback servers in tests).
         */
        @WithDefault("private")
        String agentAddress();


        /**
         * With Ray dispatch (RAY_ENABLED): the Ray head's GCS address as workers reach it, the control
         * plane's private IP and port 6380, e.g. {@code 10.0.0.2:6380}. When set, the cloud-init
         * template's Ray block installs Ray and joins each worker to the cluster; unset, no Ray.
         */
        Optional<String> rayHeadAddress();

        /** The Ray version workers install: the control plane's (docs/ray.md). */
        @WithDefault("2.58.0")
        String rayVersion();

        /** Each worker's Ray {@code rgrid_worker} resource and --num-cpus: its slots (cx23: 2 vCPUs). */
        @WithDefault("2")
        int raySlots();

        /**
         * Run first: returns when the machine is ready for the agent (cloud-init has installed
         * Docker and Java). Exit status 0 or 2 (cloud-init's "done with recoverable errors") is ready.
         */
        @WithDefault("cloud-init status --wait")
        String readyCommand();

        /** Starts (or restarts) the agent once its files are in place. */
        @WithDefault("systemctl daemon-reload && systemctl enable rgrid-worker && systemctl restart rgrid-worker")
        String startCommand();

        /**
         * Kafka bootstrap servers as the workers reach them (the control plane's private address).
         * Default: the orchestrator's own {@code rgrid.kafka.bootstrap-servers}.
         */
        Optional<String> workerKafkaBootstrapServers();

        /**
         * The S3 endpoint as the workers reach it, which the presigned URLs of every assignment
         * name (the signature covers the host), whatever the provider. Default: the orchestrator's
         * {@code rgrid.storage.endpoint}.
         */
        Optional<String> workerStorageEndpoint();

        /** Extra environment of every agent (written to its env file), e.g. {@code RGRID_WORKER_SLOTS}. */
        Map<String, String> agentEnv();

        /** How long to keep trying to reach a new server's sshd (it starts late in the boot). */
        @WithDefault("3m")
        Duration connectTimeout();

        /** How long the ready command may take (cloud-init installs Docker and Java: minutes). */
        @WithDefault("8m")
        Duration readyTimeout();

        /** How long pushing the distribution may take. */
        @WithDefault("5m")
        Duration uploadTimeout();

        /** How long writing the configuration may take. */
        @WithDefault("30s")
        Duration configureTimeout();

        /** How long the start command may take. */
        @WithDefault("2m")
        Duration startTimeout();

        /** The workers' Docker: where it pulls images from (written to its daemon.json after the ready step). */
        WorkerDocker docker();
    }
}
