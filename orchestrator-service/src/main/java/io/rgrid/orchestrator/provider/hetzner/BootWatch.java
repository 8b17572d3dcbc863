package io.rgrid.orchestrator.provider.hetzner;

import io.rgrid.model.event.MachineType;
import io.rgrid.orchestrator.config.RgridConfig;
import io.rgrid.orchestrator.provider.CloudProvider.ProvisionRequest;
import io.rgrid.orchestrator.provider.ProvisioningTimeline;
import io.rgrid.orchestrator.provider.hetzner.api.ApiModel;
import io.rgrid.orchestrator.provider.hetzner.api.ApiModel.Action;
import io.rgrid.orchestrator.provider.hetzner.api.ApiModel.Server;
import io.rgrid.orchestrator.provider.hetzner.api.HetznerCloud;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * A created server's boot, on threads of its own so the autoscaler's is never held: the create and
 * start actions polled to {@code success}, the server to {@code running}
 * ({@code running-timeout}), then the {@link WorkerBootstrap} over SSH ({@code bootstrap-budget}).
 * A boot that fails is reported to the {@link HetznerProvider.BootListener}; when that fails too
 * the server is deleted.
 */
final class BootWatch {

    private static final Logger LOG = Logger.getLogger(BootWatch.class);

    private final RgridConfig.Hetzner settings;
    private final HetznerCloud cloud;
    private final WorkerBootstrap bootstrap;
    private final ProvisioningTimeline timeline;
    private final HetznerProvider.BootListener bootListener;
    private final Consumer<String> terminate;
    private final ExecutorService boots;
    private final Map<String, Future<?>> booting = new ConcurrentHashMap<>();
    /** Workers whose boot this process saw to its end (until they are terminated): not to be resumed. */
    private final Set<String> booted = ConcurrentHashMap.newKeySet();

    private volatile boolean closed;

    /**
     * @param timeline  where boot steps are recorded; null for none
     * @param terminate deletes a worker's server when its failed boot could not be reported
     */
    BootWatch(RgridConfig.Hetzner settings, HetznerCloud cloud, WorkerBootstrap bootstrap,
              ProvisioningTimeline timeline, HetznerProvider.BootListener bootListener, Consumer<String> terminate) {
        this.settings = settings;
        this.cloud = cloud;
        this.bootstrap = bootstrap;
        this.timeline = timeline;
        this.bootListener = bootListener;
        this.terminate = terminate;
        this.boots = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "hetzner-boot");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Boots {@code server}: {@code actions} (the create response's, none when a boot is resumed)
     * awaited, then the server, then the bootstrap.
     */
    void start(ProvisionRequest request, Server server, List<Action> actions, MachineType size, String address) {
        Runnable boot = () -> {
            try {
                boot(request, server, actions, size, address);
                booted.add(request.workerId());
            } catch (InterruptedException e) {
                LOG.infof("worker %s: boot interrupted (terminated or orchestrator stopping)", request.workerId());
                Thread.currentThread().interrupt();
            } catch (WorkerBootstrap.BootstrapException e) {
                failBoot(request.workerId(), "bootstrap failed at " + e.getMessage());
            } catch (RuntimeException e) {
                failBoot(request.workerId(), "boot failed: " + e.getMessage());
            } finally {
                booting.remove(request.workerId());
            }
        };
        boots.submit(bootstrap::prepare); // beside the boot: done long before the server is running
        booting.put(request.workerId(), boots.submit(boot));
    }

    /** Whether this process boots {@code workerId} now, or booted it (and it was not terminated since). */
    boolean handles(String workerId) {
        return booting.containsKey(workerId) || booted.contains(workerId);
    }

    /** Stops {@code workerId}'s boot, if one runs. */
    void cancel(String workerId) {
        booted.remove(workerId);
        Future<?> boot = booting.remove(workerId);
        if (boot != null) {
            boot.cancel(true);
        }
    }

    void close() {
        closed = true;
        boots.shutdownNow();
    }

    private void boot(ProvisionRequest request, Server server, List<Action> actions, MachineType size,
                      String address) throws InterruptedException, WorkerBootstrap.BootstrapException {
        Instant started = Instant.now();
        Instant deadline = started.plus(settings.runningTimeout());
        for (Action action : actions) {
            Duration left = Duration.between(Instant.now(), deadline);
            Action done = cloud.awaitAction(action, left.isNegative() ? Duration.ZERO : left);
            Optional<String> failure = BootWatchDecision.actionFailure(done);
            if (failure.isPresent()) {
                throw new IllegalStateException(failure.get());
            }
        }
        Server current = server;
        BootWatchDecision next = decide(current, started);
        while (next == BootWatchDecision.WAIT) {
            Thread.sleep(settings.pollInterval().toMillis());
            current = cloud.server(server.id()).orElseThrow(
                    () -> new IllegalStateException("server " + server.id() + " disappeared while booting"));
            next = decide(current, started);
        }
        if (next == BootWatchDecision.TIMED_OUT) {
            throw new IllegalStateException("server " + server.id() + " still " + current.status() + " after "
                    + settings.runningTimeout() + " (rgrid.orchestrator.hetzner.running-timeout)");
        }
        mark(request.workerId(), ProvisioningTimeline.Phase.RUNNING);
        WorkerBootstrap.Target target = target(request, current, size);
        if (target.sshHost() == null) {
            throw new IllegalStateException("server " + server.id() + " has no " + settings.sshVia()
                    + " address to connect to (rgrid.orchestrator.hetzner.ssh-via)");
        }
        String agentAddress = bootstrap.agentAddress(target);
        if (address == null || !address.equals(agentAddress)) {
            // The registry holds the address of the create response; an agent elsewhere would get no work.
            throw new IllegalStateException("server " + server.id() + " has the agent address " + agentAddress
                    + ", its create response had " + address);
        }
        LOG.infof("worker %s: server running, bootstrapping %s", request.workerId(), target);
        bootstrap.bootstrap(target, settings.bootstrapBudget());
        mark(request.workerId(), ProvisioningTimeline.Phase.SSH_READY);
    }

    private BootWatchDecision decide(Server current, Instant started) {
        return BootWatchDecision.decide(current.status(), Duration.between(started, Instant.now()),
                settings.runningTimeout());
    }

    /** Whom the bootstrap connects to on {@code server} and what it configures there. */
    WorkerBootstrap.Target target(ProvisionRequest request, Server server, MachineType size) {
        String sshHost = "public".equals(settings.sshVia()) ? server.publicIpv4() : server.privateIp();
        return new WorkerBootstrap.Target(server.name(), server.id(), request.workerId(), request.token(), sshHost,
                settings.sshPort(), server.privateIp(), size, request.kafkaLogin());
    }

    private void failBoot(String workerId, String reason) {
        LOG.errorf("worker %s: %s", workerId, reason);
        if (closed) {
            return;
        }
        try {
            bootListener.bootFailed(workerId, reason);
        } catch (RuntimeException e) {
            LOG.errorf("worker %s: could not report the failed boot (%s); deleting its server", workerId,
                    e.getMessage());
            terminate.accept(workerId);
        }
    }

    private void mark(String workerId, ProvisioningTimeline.Phase phase) {
        if (timeline != null) {
            timeline.mark(workerId, phase);
        }
    }
}
