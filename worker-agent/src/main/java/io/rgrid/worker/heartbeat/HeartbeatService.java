package io.rgrid.worker.heartbeat;

import io.quarkus.runtime.LaunchMode;
import io.quarkus.vertx.http.HttpServerStart;
import io.rgrid.model.event.WorkerHeartbeat;
import io.rgrid.worker.assignment.service.AssignmentService;
import io.rgrid.worker.assignment.service.Capacity;
import io.rgrid.worker.config.AgentIdentity;
import io.rgrid.worker.config.WorkerConfig;
import io.rgrid.worker.kafka.EventPublisher;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.ObservesAsync;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Tells the orchestrator this worker is alive and what it can take. The first heartbeat goes out
 * as soon as the HTTP server listens (it registers the worker, and its address must be callable),
 * then one every interval plus a random jitter, so a fleet started together does not beat in step.
 */
@ApplicationScoped
public class HeartbeatService {

    private static final Logger LOG = Logger.getLogger(HeartbeatService.class);
    /** How long a finished attempt is listed (far beyond the orchestrator's missing-grace), and at most how many. */
    static final Duration FINISHED_WINDOW = Duration.ofMinutes(10);
    static final int FINISHED_LIMIT = 256;

    private final AgentIdentity identity;
    private final AssignmentService assignments;
    private final EventPublisher publisher;
    private final WorkerConfig config;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("rgrid-heartbeat").factory());
    private volatile String address;
    private final AtomicBoolean starting = new AtomicBoolean();
    private volatile boolean started;

    @Inject
    public HeartbeatService(AgentIdentity identity, AssignmentService assignments, EventPublisher publisher,
                            WorkerConfig config) {
        this.identity = identity;
        this.assignments = assignments;
        this.publisher = publisher;
        this.config = config;
    }

    void onHttpServerStart(@ObservesAsync HttpServerStart start) {
        // Fired asynchronously, once per listening server; only the first plain-HTTP one counts.
        if (start.options().isSsl() || !starting.compareAndSet(false, true)) {
            return;
        }
        int port = start.options().getPort();
        if (port <= 0) {
            port = configuredPort();
        }
        address = config.worker().advertisedAddress().filter(a -> !a.isBlank())
                .orElse("http://127.0.0.1:" + port);
        started = true;
        LOG.infof("Worker %s listening; advertising %s, %d slots, %.1f CPUs, %d MiB, runtime %s",
                identity.workerId(), address, identity.slots(), identity.cpus(), identity.memoryMb(),
                assignments.runtimeName());
        scheduler.execute(this::beatAndReschedule);
    }

    /** The port the server really listens on, when it was asked for a random one. */
    private static int configuredPort() {
        String key = LaunchMode.current() == LaunchMode.TEST ? "quarkus.http.test-port" : "quarkus.http.port";
        return ConfigProvider.getConfig().getOptionalValue(key, Integer.class).orElse(8002);
    }

    public String address() {
        return address;
    }

    private void beatAndReschedule() {
        try {
            publisher.publishHeartbeat(heartbeat());
        } catch (RuntimeException e) {
            LOG.warnf("Heartbeat failed: %s", e.getMessage());
        }
        try {
            scheduler.schedule(this::beatAndReschedule, delayMillis(config.worker().heartbeatInterval()),
                    TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // shutting down: the final heartbeat is sent by sendFinal()
        }
    }

    /** The wait before the next heartbeat: the interval plus a random jitter of up to 10 % of it, at most 3 s. */
    static long delayMillis(Duration interval) {
        long jitterMs = ThreadLocalRandom.current().nextLong(Math.max(1, Math.min(interval.toMillis() / 10, 3000)));
        return interval.toMillis() + jitterMs;
    }

    public WorkerHeartbeat heartbeat() {
        Capacity capacity = assignments.capacity();
        return new WorkerHeartbeat(identity.workerId(), address, capacity.slots(), capacity.freeCpus(),
                capacity.freeMemoryMb(), capacity.running(), identity.version(), assignments.runtimeName(),
                capacity.draining(), assignments.recentlyFinished(FINISHED_WINDOW, FINISHED_LIMIT));
    }

    /** Stops the periodic beat and sends one last heartbeat (draining=true), waiting briefly for Kafka to take it. */
    public void sendFinal() {
        scheduler.shutdownNow();
        if (started) {
            publisher.publishHeartbeatAndWait(heartbeat(), Duration.ofSeconds(5));
        }
    }

    /** Sends a heartbeat now, outside the schedule (e.g. to announce draining at once). */
    public void beatNow() {
        if (started) {
            try {
                // On the heartbeat thread: a send blocks while Kafka is unreachable, and the caller is the shutdown.
                scheduler.execute(() -> publisher.publishHeartbeat(heartbeat()));
            } catch (RejectedExecutionException e) {
                // already stopped
            }
        }
    }

    @PreDestroy
    void stop() {
        scheduler.shutdownNow();
    }
}
