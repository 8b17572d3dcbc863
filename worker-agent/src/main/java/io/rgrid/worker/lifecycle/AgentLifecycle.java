package io.rgrid.worker.lifecycle;

import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.rgrid.worker.assignment.service.AssignmentService;
import io.rgrid.worker.config.AgentIdentity;
import io.rgrid.worker.config.WorkerConfig;
import io.rgrid.worker.heartbeat.HeartbeatService;
import io.rgrid.worker.runtime.ContainerRuntime;
import io.rgrid.worker.runtime.WorkDirs;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;
import sun.misc.Signal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * Start: check the settings, choose the runtime, prepare the work directory, create the bucket
 * (the control plane creates the topics). Stop (SIGTERM): refuse new work, let running attempts finish up to the drain
 * timeout, send a final heartbeat with draining=true.
 */
@ApplicationScoped
public class AgentLifecycle {

    private static final Logger LOG = Logger.getLogger(AgentLifecycle.class);
    private final AtomicBoolean terminating = new AtomicBoolean();

    @Inject
    AgentIdentity identity;
    @Inject
    WorkerConfig config;
    @Inject
    ContainerRuntime runtime;
    @Inject
    AssignmentService assignments;
    @Inject
    HeartbeatService heartbeats;

    void onStart(@Observes StartupEvent event) throws IOException {
        // Resolving these here makes a bad setting fail the start, not the first request.
        String workerId = identity.workerId();
        String runtimeName = runtime.name();
        // Work files of a previous life of this worker belong to attempts that are being requeued;
        // its ledger of finished and fenced attempts stays (AssignmentService refuses them again).
        Files.createDirectories(identity.workDir());
        try (Stream<Path> children = Files.list(identity.workDir())) {
            for (Path child : children.filter(c -> !AssignmentService.LEDGER_FILE.equals(c.getFileName().toString()))
                    .toList()) {
                WorkDirs.deleteTree(child);
            }
        }
        LOG.infof("Worker %s starting (runtime %s, work dir %s)", workerId, runtimeName, identity.workDir());
        if (LaunchMode.current() == LaunchMode.NORMAL) {
            drainOnSigterm();
        }
        // Topics and the bucket are the control plane's to create; the agent reaches the store
        // only through each assignment's presigned URLs.
    }

    /**
     * SIGTERM drains before Quarkus shuts down: by the time the ShutdownEvent fires the HTTP server
     * no longer accepts connections, so the orchestrator would see "connection refused" instead of
     * a 409 and could not cancel what still runs. The handler keeps the server up while running
     * attempts finish (up to the drain timeout), then exits normally.
     */
    private void drainOnSigterm() {
        try {
            Signal.handle(new Signal("TERM"), signal -> {
                if (terminating.compareAndSet(false, true)) {
                    // Not on the signal dispatcher thread: draining blocks for up to the drain timeout.
                    Thread.ofPlatform().name("rgrid-drain").start(this::drainThenExit);
                }
            });
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            LOG.warnf("Cannot handle SIGTERM (%s); a SIGTERM stops the agent with a shorter drain", e.getMessage());
        }
    }

    private void drainThenExit() {
        try {
            assignments.startDraining();
            heartbeats.beatNow();
            int running = assignments.capacity().running().size();
            LOG.infof("SIGTERM: taking no new work; waiting up to %s for %d running attempt(s)",
                    config.worker().drainTimeout(), running);
            int abandoned = assignments.drain(config.worker().drainTimeout());
            if (abandoned > 0) {
                LOG.warnf("Drain timeout passed: killed %d attempt(s) without a report; the orchestrator requeues them",
                        abandoned);
            }
        } catch (RuntimeException e) {
            LOG.errorf(e, "Drain failed; stopping anyway");
        } finally {
            Quarkus.asyncExit(0);
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        assignments.startDraining();
        heartbeats.beatNow();
        int running = assignments.capacity().running().size();
        if (running > 0) {
            LOG.infof("Draining: waiting up to %s for %d running attempt(s)", config.worker().drainTimeout(), running);
        }
        int abandoned = assignments.drain(config.worker().drainTimeout());
        if (abandoned > 0) {
            LOG.warnf("Drain timeout passed: killed %d attempt(s) without a report; the orchestrator requeues them",
                    abandoned);
        }
        heartbeats.sendFinal();
        LOG.infof("Worker %s stopped", identity.workerId());
    }
}
