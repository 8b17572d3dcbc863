package io.rgrid.costsim;

import io.rgrid.model.event.MachineType;
import io.rgrid.model.event.WorkerState;
import io.rgrid.scaling.ScalingPlan;
import io.rgrid.scaling.CostCalculator;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;

/**
 * Replays one trace through one policy, in simulated time (discrete events, deterministic: the
 * same inputs give the same result on any machine).
 *
 * <p>Time starts at 0 with no worker. At each instant, in this order: executions that end free
 * their slot; booted workers become READY; arrivals join the queue; the dispatcher places queued
 * executions (oldest first; a worker fits when it has a free slot and enough free CPUs; among
 * those, the one with most free slots, then most free CPUs, then the lowest id, like the
 * orchestrator's DispatchPlanner; an execution that fits nowhere does not block the ones behind
 * it); then, on each autoscaler tick (every {@link Settings#tick()} from 0), the policy decides,
 * created workers start booting and idle READY ones it names are deleted at once (drain + delete
 * take no simulated time), and the dispatcher runs again. Dispatch itself takes no time (tens of
 * milliseconds in the real grid).
 *
 * <p>The replay ends when every execution has finished and the policy has deleted every worker
 * beyond min workers (those are billed up to that moment). Cost: each worker's started billing
 * periods from creation to deletion
 * ({@link CostCalculator#startedPeriods}, the orchestrator's own billing maths) × its price.
 *
 * <p>With machine types ({@link Policy#machineTypes()} not empty) each worker is of the type the
 * plan names: that type's CPUs, one slot per whole CPU, and its price; otherwise every worker has
 * the settings' CPUs, slots and price.
 */
public final class Simulation {

    private final Trace trace;
    private final Policy policy;
    private final Settings settings;

    private final List<SimWorker> workers = new ArrayList<>();
    private final List<Trace.Job> queue = new ArrayList<>();
    private final PriorityQueue<Running> running = new PriorityQueue<>(
            (a, b) -> a.endMillis != b.endMillis ? Long.compare(a.endMillis, b.endMillis)
                    : Integer.compare(a.job.index(), b.job.index()));
    private final long[] waitMillis;
    private int nextArrival;
    private int finished;
    private int created;
    private int peak;

    public Simulation(Trace trace, Policy policy, Settings settings) {
        this.trace = trace;
        this.policy = policy;
        this.settings = settings;
        double largest = policy.machineTypes().stream().mapToDouble(MachineType::cpus).max().orElse(settings.cpus());
        for (Trace.Job job : trace.jobs()) {
            if (job.cpus() > largest + 1e-9) {
                throw new IllegalArgumentException(trace.name() + ": an execution asks for " + job.cpus()
                        + " CPUs, more than a worker has (" + largest + "); it could never run");
            }
        }
        this.waitMillis = new long[trace.jobs().size()];
    }

    public static Result run(Trace trace, Policy policy, Settings settings) {
        return new Simulation(trace, policy, settings).run();
    }

    private Result run() {
        List<Trace.Job> jobs = trace.jobs();
        long tick = settings.tick().toMillis();
        long lastArrival = jobs.getLast().arrivalMillis();
        long work = jobs.stream().mapToLong(Trace.Job::durationMillis).sum();
        // A policy that never finishes the trace (e.g. one that never creates a worker) must not loop forever.
        long giveUpAt = lastArrival + work + settings.bootDelay().toMillis() + Duration.ofDays(7).toMillis();
        long now = 0;
        long nextTick = 0;
        while (true) {
            while (!running.isEmpty() && running.peek().endMillis == now) {
                Running done = running.poll();
                done.worker.held--;
                done.worker.freeCpus += done.job.cpus();
                if (done.worker.held == 0) {
                    done.worker.idleSinceMillis = now;
                }
                finished++;
            }
            for (SimWorker worker : workers) {
                if (worker.state == WorkerState.PROVISIONING && worker.readyMillis == now) {
                    worker.state = WorkerState.READY;
                    worker.idleSinceMillis = now;
                }
            }
            while (nextArrival < jobs.size() && jobs.get(nextArrival).arrivalMillis() == now) {
                queue.add(jobs.get(nextArrival++));
            }
            dispatch(now);
            if (now == nextTick) {
                applyPlan(now, policy.decide(view(now)));
                dispatch(now);
                nextTick += tick;
            }
            // Over once the work is done and the policy is down to the workers it keeps for good (min workers).
            if (finished == jobs.size()
                    && workers.stream().filter(w -> w.state != WorkerState.DELETED).count() <= settings.minWorkers()) {
                return result(now);
            }
            if (now > giveUpAt) {
                throw new IllegalStateException(policy.name() + " did not finish " + trace.name() + ": "
                        + (jobs.size() - finished) + " executions left after " + Duration.ofMillis(now));
            }
            now = next(now, nextTick);
        }
    }

    /** The next instant anything happens. */
    private long next(long now, long nextTick) {
        long next = nextTick;
        if (nextArrival < trace.jobs().size()) {
            next = Math.min(next, trace.jobs().get(nextArrival).arrivalMillis());
        }
        if (!running.isEmpty()) {
            next = Math.min(next, running.peek().endMillis);
        }
        for (SimWorker worker : workers) {
            if (worker.state == WorkerState.PROVISIONING && worker.readyMillis > now) {
                next = Math.min(next, worker.readyMillis);
            }
        }
        return next;
    }

    private void dispatch(long now) {
        var it = queue.iterator();
        while (it.hasNext()) {
            Trace.Job job = it.next();
            SimWorker best = null;
            for (SimWorker worker : workers) {
                if (worker.state == WorkerState.READY && worker.held < worker.slots
                        && worker.freeCpus + 1e-9 >= job.cpus() && (best == null || prefer(worker, best))) {
                    best = worker;
                }
            }
            if (best == null) {
                continue;
            }
            it.remove();
            best.held++;
            best.freeCpus -= job.cpus();
            best.idleSinceMillis = -1;
            waitMillis[job.index()] = now - job.arrivalMillis();
            running.add(new Running(job, best, now + job.durationMillis()));
        }
    }

    private boolean prefer(SimWorker a, SimWorker b) {
        int freeA = a.slots - a.held;
        int freeB = b.slots - b.held;
        if (freeA != freeB) {
            return freeA > freeB;
        }
        if (Math.abs(a.freeCpus - b.freeCpus) > 1e-9) {
            return a.freeCpus > b.freeCpus;
        }
        return a.id.compareTo(b.id) < 0;
    }

    private void applyPlan(long now, ScalingPlan plan) {
        for (String id : plan.terminate()) {
            for (SimWorker worker : workers) {
                // Like Autoscaler.drainAndTerminate: only a worker that holds nothing, and never a booting one.
                if (worker.id.equals(id) && worker.held == 0
                        && (worker.state == WorkerState.READY || worker.state == WorkerState.DRAINING)) {
                    worker.state = WorkerState.DELETED;
                    worker.deletedMillis = now;
                }
            }
        }
        long alive = workers.stream().filter(w -> w.state != WorkerState.DELETED).count();
        int provision = (int) Math.min(plan.provision(), Math.max(0, settings.maxWorkers() - alive));
        for (int i = 0; i < provision; i++) {
            MachineType type = plan.machines().isEmpty() ? new MachineType(settings.serverType(), settings.cpus(), 0,
                    settings.pricePerPeriod()) : plan.machines().get(i).type();
            int slots = plan.machines().isEmpty() ? settings.slots() : Math.max(1, (int) type.cpus());
            SimWorker worker = new SimWorker(String.format("w%04d", ++created), now,
                    now + settings.bootDelay().toMillis(), type, slots);
            if (worker.readyMillis == now) {
                worker.state = WorkerState.READY;
                worker.idleSinceMillis = now;
            }
            workers.add(worker);
        }
        peak = (int) Math.max(peak, workers.stream().filter(w -> w.state != WorkerState.DELETED).count());
    }

    private ClusterView view(long now) {
        List<ClusterView.Worker> live = new ArrayList<>();
        for (SimWorker w : workers) {
            if (w.state != WorkerState.DELETED) {
                live.add(new ClusterView.Worker(w.id, w.state, instant(w.createdMillis), w.held,
                        w.idleSinceMillis < 0 ? null : instant(w.idleSinceMillis), w.type));
            }
        }
        return new ClusterView(instant(now), queue.size(), live, finished < trace.jobs().size(), settings,
                List.copyOf(queue));
    }

    private Result result(long end) {
        long periods = 0;
        // Periods per price, multiplied once each: a sum of per-worker products would drift in the last digit.
        Map<Double, Long> periodsByPrice = new TreeMap<>();
        Map<String, Long> perWorker = new LinkedHashMap<>();
        for (SimWorker w : workers) {
            long until = w.state == WorkerState.DELETED ? w.deletedMillis : end; // min workers: billed to the end
            long p = CostCalculator.startedPeriods(instant(w.createdMillis), instant(until), settings.billingPeriod());
            perWorker.put(w.id, p);
            periods += p;
            periodsByPrice.merge(w.type.hourlyPriceEur(), p, Long::sum);
        }
        double cost = periodsByPrice.entrySet().stream().mapToDouble(e -> e.getValue() * e.getKey()).sum();
        long[] sorted = waitMillis.clone();
        Arrays.sort(sorted);
        return new Result(trace.name(), policy.name(), trace.jobs().size(), periods,
                cost, created, peak, percentile(sorted, 0.50),
                percentile(sorted, 0.95), sorted[sorted.length - 1], end, perWorker);
    }

    /** Nearest-rank percentile. */
    static long percentile(long[] sorted, double q) {
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    private static Instant instant(long millis) {
        return Instant.EPOCH.plusMillis(millis);
    }

    private static final class SimWorker {
        final String id;
        final long createdMillis;
        final long readyMillis;
        final MachineType type;
        final int slots;
        WorkerState state = WorkerState.PROVISIONING;
        int held;
        double freeCpus;
        long idleSinceMillis = -1;
        long deletedMillis = -1;

        SimWorker(String id, long createdMillis, long readyMillis, MachineType type, int slots) {
            this.id = id;
            this.createdMillis = createdMillis;
            this.readyMillis = readyMillis;
            this.type = type;
            this.slots = slots;
            this.freeCpus = type.cpus();
        }
    }

    private record Running(Trace.Job job, SimWorker worker, long endMillis) {
    }
}
