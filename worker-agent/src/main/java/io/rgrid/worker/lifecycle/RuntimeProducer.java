package io.rgrid.worker.lifecycle;

import io.rgrid.worker.config.AgentIdentity;
import io.rgrid.worker.config.WorkerConfig;
import io.rgrid.worker.runtime.ContainerRuntime;
import io.rgrid.worker.runtime.docker.DockerRuntime;
import io.rgrid.worker.runtime.docker.EgressDecision;
import io.rgrid.worker.runtime.docker.EgressGate;
import io.rgrid.worker.runtime.process.ProcessRuntime;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Optional;

/** Chooses the container runtime from {@code rgrid.worker.runtime}, once, at start. */
@ApplicationScoped
public class RuntimeProducer {

    private static final Logger LOG = Logger.getLogger(RuntimeProducer.class);
    private static final Duration PING_TIMEOUT = Duration.ofSeconds(3);
    /** More waiting containers than this per slot cost memory and buy nothing. */
    static final int MAX_WARM_PER_SLOT = 4;

    @Produces
    @Singleton
    ContainerRuntime runtime(WorkerConfig config, AgentIdentity identity) {
        WorkerConfig.Worker worker = config.worker();
        String host = worker.dockerHost();
        return switch (worker.runtime()) {
            case DOCKER -> {
                Optional<String> problem = DockerRuntime.ping(host, PING_TIMEOUT);
                if (problem.isPresent()) {
                    throw new IllegalStateException("rgrid.worker.runtime=docker but no Docker engine answered at "
                            + host + " (" + problem.get() + ")");
                }
                yield docker(config, identity);
            }
            case PROCESS -> process(config, identity, "rgrid.worker.runtime=process");
            case AUTO -> {
                Optional<String> problem = DockerRuntime.ping(host, PING_TIMEOUT);
                if (problem.isEmpty()) {
                    yield docker(config, identity);
                }
                LOG.debugf("Docker ping failed: %s", problem.get());
                yield process(config, identity, "No Docker engine answered at " + host);
            }
        };
    }

    private static ContainerRuntime docker(WorkerConfig config, AgentIdentity identity) {
        WorkerConfig.Worker worker = config.worker();
        // Executions with network bridge reach public addresses only, or the agent does not start.
        EgressDecision.Outcome egress = EgressGate.check(worker.dockerHost(), worker.egress());
        if (!egress.start()) {
            throw new IllegalStateException(egress.message());
        }
        if (worker.egress().policy() == WorkerConfig.EgressPolicy.OFF) {
            LOG.warn(egress.message());
        } else {
            LOG.info(egress.message());
        }
        int perSlot = worker.warmContainersPerSlot();
        if (perSlot < 0 || perSlot > MAX_WARM_PER_SLOT) {
            throw new IllegalStateException("rgrid.worker.warm-containers-per-slot (RGRID_WORKER_WARM_CONTAINERS_PER_SLOT) "
                    + "must be 0 to " + MAX_WARM_PER_SLOT + ", got " + perSlot);
        }
        DockerRuntime docker = new DockerRuntime(worker.dockerHost(), new DockerRuntime.Settings(
                worker.pidsLimit(), worker.tmpSizeMb(), worker.imagePullTimeout(), egress.bridgeNetwork()),
                new DockerRuntime.Warmth(perSlot, identity.slots(), identity.workDir().resolve(".warm"),
                        identity.workerId()));
        // Containers of an earlier life of this worker (killed -9, crashed) must not outlive it.
        docker.removeLeftovers(identity.workerId());
        LOG.infof("Running executions in Docker containers (engine at %s)", worker.dockerHost());
        return docker;
    }

    private static ContainerRuntime process(WorkerConfig config, AgentIdentity identity, String why) {
        if (!config.worker().allowProcessRuntime()) {
            // Running untrusted scripts unconfined must be a decision, never a silent fallback.
            throw new IllegalStateException(why + "; the process runtime (no isolation) is not allowed here. "
                    + "Start a Docker engine, or set rgrid.worker.allow-process-runtime=true "
                    + "(env RGRID_WORKER_ALLOW_PROCESS_RUNTIME=true) on a trusted development host");
        }
        ProcessRuntime process = new ProcessRuntime(config.worker().python(), identity.workDir(), identity.workerId());
        // Processes of an earlier life of this worker (killed -9, crashed) must not outlive it.
        process.killLeftovers();
        LOG.warnf("%s; running executions with the process runtime (%s on this host, no container isolation)",
                why, process.python());
        return process;
    }

    void close(@Disposes ContainerRuntime runtime) {
        runtime.close();
    }
}
