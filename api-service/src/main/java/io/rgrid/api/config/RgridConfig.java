package io.rgrid.api.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Every setting of api-service under the {@code rgrid} prefix. application.properties maps the seed
 * guide's environment names (API_SECRET_KEY, MINIO_*, KAFKA_BOOTSTRAP_SERVERS) onto these keys.
 */
@ConfigMapping(prefix = "rgrid")
public interface RgridConfig {

    /** The public API: authentication, spec defaults and limits. */
    Api api();

    /** Who may scrape {@code /q/metrics}. */
    Metrics metrics();

    /** The Kafka cluster every event travels through. */
    Kafka kafka();

    /** The S3-compatible store (MinIO in production) holding scripts, inputs, outputs and logs. */
    Storage storage();

    /** The consumer that applies execution status reports to the executions table. */
    StatusConsumer statusConsumer();

    /** Live log following ({@code GET /executions/{id}/logs?follow=true}) and the log cap. */
    Logs logs();

    /** Server-sent event streams (log follows and the dashboard's events). */
    Streams streams();

    /** The consumer of {@code rgrid.cluster.v1} that keeps the workers, waits and cost read model. */
    ClusterConsumer clusterConsumer();

    /** The web dashboard at {@code /}: browser sessions, its live event stream, queue-depth samples. */
    Dashboard dashboard();

    /**
     * The periodic task that deletes expired dashboard sessions, Idempotency-Keys past their
     * retention (published outbox rows: the outbox relay).
     */
    Cleanup cleanup();

    interface Api {
        /**
         * The admin API key (env API_SECRET_KEY). Every {@code /api/v1} call must carry it as
         * {@code Authorization: Bearer <key>}. The service refuses to start without it or when it
         * is shorter than 32 characters ({@code openssl rand -hex 32} makes 64).
         */
        Optional<String> secretKey();

        /**
         * The server secret that project keys, the admin key and session cookies are hashed with
         * (env API_HASH_SECRET): stored hashes are HMAC-SHA256(secret, SHA-256(key)), so a copy of
         * the database alone does not let anyone test guesses. At least 32 characters; the service
         * refuses to start without it. Changing it invalidates every stored key and session.
         */
        Optional<String> hashSecret();

        /**
         * Addresses and CIDR ranges of the reverse proxies whose {@code X-Forwarded-For} is believed
         * (the guide's nginx on the same host: loopback). The client address, which failed
         * authentications are counted by, is the right-most {@code X-Forwarded-For} hop that is not
         * one of these; a request from any other peer is counted by the peer's address.
         */
        @WithDefault("127.0.0.1/32,::1/128")
        List<String> trustedProxies();

        /** How many failed logins and bearer authentications a client address and a key may make. */
        AuthFailures authFailures();

        /** The project the admin key submits into (it sees every project). */
        @WithDefault("default")
        String defaultProject();

        /** Values a submission gets for every spec field it leaves out. */
        Defaults defaults();

        /** The ranges a submission's spec and files must stay within. */
        Limits limits();

        /**
         * How long an Idempotency-Key is remembered after the submission that used it. Inside it the
         * same key and request answer with the same execution (another request: 409); after it the
         * key counts as unused and a new submission may take it.
         */
        @WithDefault("24h")
        Duration idempotencyKeyRetention();

        /** The reconciliation of non-terminal executions with the orchestrator (io.rgrid.api.reconcile). */
        Reconcile reconcile();
    }

    /**
     * Every {@code interval}, one api-service instance asks the orchestrator which of at most
     * {@code batch-size} executions, non-terminal here and created longer than {@code grace} ago,
     * it knows, and announces again the submission of those it does not (a lost submission event).
     */
    interface Reconcile {
        /** How often a round runs (the first one interval after the start). */
        @WithDefault("1m")
        Duration interval();

        /** How old an execution must be before it is compared: longer than its event takes to reach the orchestrator. */
        @WithDefault("5m")
        Duration grace();

        /** The most executions one round compares (the next round goes on after the last one). */
        @WithDefault("500")
        int batchSize();

        /** The orchestrator's HTTP API (env ORCHESTRATOR_URL; default {@code http://127.0.0.1:${ORCHESTRATOR_PORT}}). */
        @WithDefault("http://127.0.0.1:8001")
        String orchestratorUrl();

        /** Its bearer token (env ORCHESTRATOR_API_TOKEN, which the orchestrator requires off loopback). */
        Optional<String> orchestratorToken();

        /** How long one call to the orchestrator may take, connecting and answering. */
        @WithDefault("10s")
        Duration timeout();
    }

    /**
     * Limits on failed authentication (the dashboard login and {@code Authorization: Bearer}):
     * token buckets of failures per client address and per presented key. An address or key whose
     * bucket is empty is answered 429 TOO_MANY_AUTH_FAILURES with {@code Retry-After} before its
     * key is checked, unless the key it presents authenticated within {@link #verifiedFor()}.
     */
    interface AuthFailures {
        /** Failures a client address may make in a row before it has to wait. */
        @WithDefault("20")
        int addressBurst();

        /** Failures an address earns back per minute once it is waiting. */
        @WithDefault("10")
        int addressPerMinute();

        /** Failures one presented key (e.g. a revoked key in a retry loop) may make in a row. */
        @WithDefault("5")
        int keyBurst();

        /** Failures a presented key earns back per minute. */
        @WithDefault("2")
        int keyPerMinute();

        /**
         * Addresses and keys tracked at most (each of the two tables, and the table of verified
         * keys); beyond it the least recently seen are forgotten. About 200 bytes each.
         */
        @WithDefault("10000")
        int maxTracked();

        /**
         * How long a key that authenticated stays exempt from its address's limit, so that a flood
         * of bad keys from a shared address (an office NAT) does not lock out its known users.
         */
        @WithDefault("1h")
        Duration verifiedFor();
    }

    interface Defaults {
        /**
         * Container image when the spec names none: a public image every worker's Docker can pull at
         * first use (within the agent's {@code rgrid.worker.image-pull-timeout}), or through the
         * registry mirror of {@code rgrid.orchestrator.bootstrap.docker.registry-mirror}. The local grid
         * and the tests set the locally built {@code rgrid/python:3.11-local} (infra/build-base-image.sh).
         */
        @WithDefault("python:3.11-slim")
        String image();

        /** CPU limit (fractional cores). */
        @WithDefault("1")
        double cpus();

        /** Memory limit, written like Docker does ({@code 512m}, {@code 2g}) or a number of MiB. */
        @WithDefault("512m")
        String memory();

        /** Wall-clock limit of a script in seconds. */
        @WithDefault("3600")
        int timeoutSeconds();

        /** Container network: {@code bridge} or {@code none}. */
        @WithDefault("bridge")
        String network();

        /** Attempts before an execution whose worker keeps getting lost ends as LOST. */
        @WithDefault("3")
        int maxAttempts();
    }

    interface Limits {
        /** Smallest CPU limit a spec may ask for. */
        @WithDefault("0.1")
        double minCpus();

        /** Largest CPU limit a spec may ask for. */
        @WithDefault("64")
        double maxCpus();

        /** Smallest memory limit in MiB (Docker refuses less than 6 MiB; 16 leaves room for python3). */
        @WithDefault("16")
        int minMemoryMb();

        /** Largest memory limit in MiB (256 GiB). */
        @WithDefault("262144")
        int maxMemoryMb();

        /** Smallest timeout in seconds. */
        @WithDefault("1")
        int minTimeoutSeconds();

        /** Largest timeout in seconds (24 h). */
        @WithDefault("86400")
        int maxTimeoutSeconds();

        /** Smallest max-attempts. */
        @WithDefault("1")
        int minAttempts();

        /** Largest max-attempts. */
        @WithDefault("10")
        int maxAttempts();

        /** Largest script file in bytes. */
        @WithDefault("10485760")
        long maxScriptBytes();

        /** Largest single input file in bytes. */
        @WithDefault("536870912")
        long maxInputBytes();

        /** Largest requirements.txt in bytes. */
        @WithDefault("1048576")
        long maxRequirementsBytes();

        /** Most input files one submission may carry. */
        @WithDefault("100")
        int maxInputs();

        /** Largest sum of all input files of one submission in bytes. */
        @WithDefault("1073741824")
        long maxTotalInputBytes();

        /** Most environment variables a spec may set. */
        @WithDefault("256")
        int maxEnv();

        /** Largest sum of the names and values of a spec's environment variables, in characters. */
        @WithDefault("32768")
        int maxEnvBytes();

        /** Most labels a spec may carry. */
        @WithDefault("64")
        int maxLabels();

        /** Largest spec part in bytes. */
        @WithDefault("65536")
        int maxSpecBytes();

        /**
         * Largest whole request body in bytes, checked against Content-Length before the body is read.
         * Keep it at or below {@code quarkus.http.limits.max-body-size}, which stops chunked bodies.
         */
        @WithDefault("1073741824")
        long maxRequestBytes();
    }

    interface Kafka {
        /** Bootstrap servers (env KAFKA_BOOTSTRAP_SERVERS). */
        @WithDefault("localhost:9092")
        String bootstrapServers();

        /** Prepended to every topic name, so several grids or test suites can share a broker; empty for none. */
        Optional<String> topicPrefix();

        /** How long a single Kafka admin or send call may take before it counts as failed. */
        @WithDefault("10s")
        Duration requestTimeout();

        /** {@code SASL_SSL} (default) or {@code PLAINTEXT}; read by service-platform's KafkaIdentity (env RGRID_KAFKA_SECURITY_PROTOCOL). */
        @WithDefault("SASL_SSL")
        String securityProtocol();

        /** This service's SCRAM user, {@code rgrid-api} (env RGRID_KAFKA_USERNAME). */
        Optional<String> username();

        /** Its SCRAM password (env RGRID_KAFKA_PASSWORD). */
        Optional<String> password();

        /** PEM file of the broker's CA (env RGRID_KAFKA_CA_FILE). */
        Optional<String> caFile();

        /** The prefix applied, or "" when none is set. */
        default String prefix() {
            return topicPrefix().orElse("");
        }
    }

    interface Storage {
        /** S3 endpoint URL; filled from MINIO_ENDPOINT and MINIO_USE_SSL when those are set. */
        @WithDefault("http://localhost:9000")
        String endpoint();

        /** S3 access key (env MINIO_ACCESS_KEY). */
        String accessKey();

        /** S3 secret key (env MINIO_SECRET_KEY). */
        String secretKey();

        /** The bucket holding every execution's files (env MINIO_BUCKET_NAME); created at start if missing. */
        @WithDefault("rgrid")
        String bucket();

        /** Region the S3 client signs for; MinIO accepts the default. */
        @WithDefault("us-east-1")
        String region();
    }

    interface StatusConsumer {
        /** Consumer group of the status consumer; every api-service instance shares it. */
        @WithDefault("rgrid-api-status")
        String groupId();
    }

    interface Logs {
        /**
         * How far back the live log consumer starts reading when the service starts, so that a
         * follower of an execution that was already running sees its earlier chunks.
         */
        @WithDefault("10m")
        Duration replayWindow();

        /** Log text kept in memory per running execution for followers that join late (characters). */
        @WithDefault("1048576")
        int bufferChars();

        /** Running executions whose log is kept in memory at most; the least recently written are dropped. */
        @WithDefault("1000")
        int bufferedExecutions();

        /**
         * How often open follow streams re-read their execution's state, to end the stream even when
         * another api-service instance applied the final report; also the SSE keep-alive period.
         */
        @WithDefault("2s")
        Duration stateCheckInterval();

        /**
         * Most bytes of an attempt's log ({@code RGRID_LOGS_MAX_BYTES}, default 64 MiB), the
         * worker's marker line included. Workers cut their logs here themselves (same key and default
         * on the worker-agent); this service also refuses live chunks that end past it, serves and
         * streams no stored byte past it, and records at most this as an attempt's {@code logBytes}.
         */
        @WithDefault("67108864")
        long maxBytes();
    }

    interface Streams {
        /**
         * Server-sent event streams one credential (an API key, or one dashboard session) may hold
         * open at once in this process ({@code RGRID_STREAMS_MAX_PER_KEY}); the next is answered 429
         * {@code TOO_MANY_STREAMS} with {@code Retry-After}.
         */
        @WithDefault("8")
        int maxPerKey();
    }

    interface ClusterConsumer {
        /** Consumer group of the read-model consumer; every api-service instance shares it (one database). */
        @WithDefault("rgrid-api-cluster")
        String groupId();
    }

    interface Dashboard {
        /**
         * How long a browser session lasts after the login (absolute, not sliding). Long enough for
         * a working day; revoking the key ends it at once whatever is left.
         */
        @WithDefault("12h")
        Duration sessionTtl();

        /**
         * How long a browser session may go unused before it ends (within {@code session-ttl}). Use
         * refreshes it, written at most once a minute (half the timeout when that is shorter), so
         * not every request writes.
         */
        @WithDefault("2h")
        Duration sessionIdleTimeout();

        /**
         * How often the queue depth is sampled for the chart. Sample times are aligned to it, so
         * several instances store each sample once. 15 s gives 240 points per hour.
         */
        @WithDefault("15s")
        Duration queueSampleInterval();

        /** How long queue samples are kept; the chart shows the last hour. */
        @WithDefault("24h")
        Duration queueSampleRetention();

        /**
         * How often the event stream ({@code GET /api/v1/events}) looks for executions that changed:
         * the delay a dashboard sees, whichever instance applied the change.
         */
        @WithDefault("1s")
        Duration eventsPollInterval();

        /** How often the event stream sends the queue, workers and cost summary (and keeps proxies from timing out). */
        @WithDefault("5s")
        Duration clusterInterval();
    }

    interface Cleanup {
        /**
         * How often expired rows are deleted. Safe with several api-service instances: each batch
         * skips rows another instance is deleting.
         */
        @WithDefault("10m")
        Duration interval();

        /** Rows one DELETE (one transaction) removes at most; a run repeats batches until none are left. */
        @WithDefault("1000")
        int batchSize();
    }

    interface Metrics {
        /**
         * The bearer token a Prometheus scrape of {@code /q/metrics} must send
         * ({@code Authorization: Bearer <token>}; Prometheus: {@code authorization.credentials_file}),
         * at least 32 characters ({@code openssl rand -hex 32}). Unset: {@code /q/metrics} answers
         * only peers on this host's loopback. Health and OpenAPI endpoints need nothing. Env:
         * RGRID_METRICS_TOKEN.
         */
        Optional<String> token();
    }
}
