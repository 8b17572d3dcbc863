package io.rgrid.orchestrator.config;

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
    }

    /**
     * The object store. The orchestrator does not read it itself: it hands these settings to the
     * workers it starts, which fetch scripts and inputs and upload outputs and logs.
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
    }

    interface Orchestrator {
        /** Where workers come from: {@code local} (agent processes on this host), {@code static} (a fixed list). */
        @WithDefault("local")
        String provider();

        /** {@code rgrid.orchestrator.local.*}: the local provider. */
        Local local();

        /** The {@code static} provider's settings. */
        @WithName("static")
        Static staticProvider();

        /** {@code rgrid.orchestrator.scaling.*}: the autoscaler's limits and pace. */
        Scaling scaling();

        /** {@code rgrid.orchestrator.health.*}: when a worker counts as lost. */
        Health health();

        /** {@code rgrid.orchestrator.dispatch.*}: handing work to agents. */
        Dispatch dispatch();

        /** {@code rgrid.orchestrator.lifecycle.*}: reconciliation with the provider and cost reports. */
        Lifecycle lifecycle();

        /** {@code rgrid.orchestrator.ray.*}: Ray dispatch mode (docs/ray.md). */
        Ray ray();
    }

    /**
     * Ray dispatch mode: the orchestrator is a Ray Java driver; each dispatch is a Ray task that
     * asks for the execution's CPUs and memory plus {@code rgrid_worker}, and hands the attempt to
     * the worker-agent of the node Ray picked. See docs/ray.md.
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

    interface Static {
        /**
         * The fixed agents, as {@code id=url=token} entries separated by commas, e.g.
         * {@code rgrid-worker-abc123=http://10.0.0.5:8002=s3cret}.
         */
        Optional<List<String>> agents();
    }

    interface Scaling {
        /** Queued executions at or above which one more worker is provisioned per scaling tick (seed: 5). */
        @WithDefault("5")
        int queueThreshold();

        /** Most workers that may exist at once, booting ones included (seed: 10). */
        @WithDefault("10")
        int maxWorkers();

        /** Workers kept even with nothing queued. */
        @WithDefault("0")
        int minWorkers();

        /** How often the autoscaler looks at the queue. */
        @WithDefault("5s")
        Duration interval();

        /** After a failed provisioning, how long the autoscaler waits before trying again. */
        @WithDefault("30s")
        Duration failureBackoff();

        /**
         * The provider's billing unit, counted from each worker's creation (Hetzner: a started hour
         * is paid in full). Tests shorten it to see the idle rule act within seconds.
         */
        @WithDefault("1h")
        Duration billingPeriod();

        /**
         * An idle worker is drained and deleted only inside the last this-much of its current
         * billing period: earlier, the hour is paid anyway and the worker may still get work.
         */
        @WithDefault("5m")
        Duration terminateWindow();
    }

    interface Health {
        /** A READY or DRAINING worker whose last heartbeat is older than this is LOST (3 × 30 s heartbeats). */
        @WithDefault("90s")
        Duration lostAfter();

        /** A PROVISIONING worker that has not sent its first heartbeat within this is LOST. */
        @WithDefault("10m")
        Duration bootTimeout();

        /** How often the health monitor checks heartbeats. */
        @WithDefault("5s")
        Duration checkInterval();

        /**
         * Slack on top of an execution's {@code timeoutSeconds}, counted from its assignment, before
         * the orchestrator enforces the deadline itself (the agent normally ends it first and reports
         * TIMED_OUT; this catches an agent that went silent or lost track of it). Covers image pull,
         * dependency install and the report's way through Kafka.
         */
        @WithDefault("5m")
        Duration deadlineGrace();

        /**
         * How long an attempt the orchestrator believes a worker holds may be missing from that
         * worker's heartbeats (and be older than this since its assignment) before it is taken back.
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
         * {@code after-record} (ASSIGNED committed, not sent) or {@code after-send} (sent, before
         * the agent's answer is handled). Never set in production.
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
}
