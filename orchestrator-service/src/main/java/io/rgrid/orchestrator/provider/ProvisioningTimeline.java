package io.rgrid.orchestrator.provider;

import io.rgrid.orchestrator.metrics.ClusterStats;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When each worker passed each step of its provisioning: requested (the autoscaler decided) →
 * created (the provider's server exists; billing starts) → running (booted) → ssh ready
 * (bootstrapped; hetzner only) → first heartbeat (READY). Each step is logged with its duration
 * since the previous one and since the request, recorded in the
 * {@code rgrid_orchestrator_provisioning_phase_seconds{phase}} histogram (time since requested),
 * and shown on {@code GET /v1/workers}. Kept in memory: a restarted orchestrator shows no timeline
 * for workers provisioned before it started.
 */
@ApplicationScoped
public class ProvisioningTimeline {

    private static final Logger LOG = Logger.getLogger(ProvisioningTimeline.class);
    /** Timelines kept at most (the oldest go first): enough for a grid of any sensible size. */
    private static final int KEPT = 500;

    /** The steps, in order. */
    public enum Phase {
        REQUESTED, CREATED, RUNNING, SSH_READY, FIRST_HEARTBEAT;

        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', ' ');
        }
    }

    @Inject
    ClusterStats stats;

    private final Map<String, EnumMap<Phase, Instant>> timelines = new ConcurrentHashMap<>();

    /** Records that {@code workerId} reached {@code phase} now. */
    public void mark(String workerId, Phase phase) {
        mark(workerId, phase, Instant.now());
    }

    /** Records that {@code workerId} reached {@code phase} at {@code at}; a step already recorded is kept. */
    public void mark(String workerId, Phase phase, Instant at) {
        if (phase != Phase.REQUESTED && !timelines.containsKey(workerId)) {
            return; // requested before this orchestrator started: no baseline to measure from
        }
        EnumMap<Phase, Instant> steps = timelines.computeIfAbsent(workerId, id -> {
            trim();
            return new EnumMap<>(Phase.class);
        });
        Instant requested;
        Instant previous = null;
        synchronized (steps) {
            if (steps.containsKey(phase)) {
                return;
            }
            for (Phase p : Phase.values()) {
                if (p.ordinal() < phase.ordinal() && steps.containsKey(p)) {
                    previous = steps.get(p);
                }
            }
            steps.put(phase, at);
            requested = steps.get(Phase.REQUESTED);
        }
        if (phase == Phase.REQUESTED || requested == null) {
            LOG.infof("worker %s: provisioning requested", workerId);
            return;
        }
        Duration total = Duration.between(requested, at);
        Duration step = previous == null ? total : Duration.between(previous, at);
        stats.provisioningPhase(phase.name().toLowerCase(Locale.ROOT), total);
        LOG.infof("worker %s: %s after %s (%s since requested)", workerId, phase.label(), seconds(step),
                seconds(total));
    }

    /** The steps {@code workerId} passed, in order, with when; empty when unknown. */
    public Map<String, Instant> of(String workerId) {
        EnumMap<Phase, Instant> steps = timelines.get(workerId);
        if (steps == null) {
            return Map.of();
        }
        Map<String, Instant> out = new LinkedHashMap<>();
        synchronized (steps) {
            steps.forEach((phase, at) -> out.put(phase.name().toLowerCase(Locale.ROOT), at));
        }
        return out;
    }

    private void trim() {
        if (timelines.size() < KEPT) {
            return;
        }
        timelines.entrySet().stream()
                .min(Comparator.comparing(e -> e.getValue().getOrDefault(Phase.REQUESTED, Instant.MIN)))
                .ifPresent(e -> timelines.remove(e.getKey()));
    }

    private static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }
}
