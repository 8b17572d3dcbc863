package io.rgrid.worker.assignment.service;

import io.rgrid.model.ExecutionSpec;
import io.rgrid.model.agent.Assignment;
import io.rgrid.model.agent.AssignmentAccepted;
import io.rgrid.model.agent.AssignmentStatus;
import io.rgrid.model.api.ErrorCode;
import io.rgrid.model.event.ExecutionStatusChanged;
import io.rgrid.model.event.WorkerHeartbeat.FinishedAttempt;
import io.rgrid.model.event.WorkerHeartbeat.RunningAttempt;
import io.rgrid.model.signing.SealedReportKeys;
import io.rgrid.worker.config.AgentIdentity;
import io.rgrid.worker.config.WorkerConfig;
import io.rgrid.worker.http.AgentProblemException;
import io.rgrid.worker.kafka.EventPublisher;
import io.rgrid.worker.runtime.ContainerRuntime;
import io.rgrid.worker.storage.ExecutionStorage;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The attempts this agent holds: admission (slots, CPUs, memory, draining), idempotent
 * acceptance, cancellation, and draining at shutdown.
 */
@ApplicationScoped
public class AssignmentService {

    private static final Logger LOG = Logger.getLogger(AssignmentService.class);
    /** Finished attempts remembered so a repeated assignment is not run twice. */
    private static final int REMEMBERED_FINISHED = 4096;
    /** The ledger's file name in the work dir, which the agent's start-up clean-up keeps. */
    public static final String LEDGER_FILE = AttemptLedger.FILE_NAME;

    private final AgentIdentity identity;
    private final ContainerRuntime runtime;
    private final ExecutionStorage storage;
    private final EventPublisher publisher;
    private final AttemptRunner.Settings settings;
    /** Finished and fenced attempts on disk, so a restarted agent refuses them too. */
    private final AttemptLedger ledger;

    private final Object lock = new Object();
    private final Map<AttemptKey, AttemptRunner> running = new LinkedHashMap<>();
    /** Attempts the orchestrator took back after getting no answer: refused if they arrive late. Guarded by {@link #lock}. */
    private final Map<AttemptKey, Boolean> fenced = new LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<AttemptKey, Boolean> eldest) {
            return size() > 10_000;
        }
    };
    /** Finished attempts (their terminal report acknowledged), when and how, oldest first. Guarded by {@link #lock}. */
    private final Map<AttemptKey, AttemptLedger.Entry> finished = new LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<AttemptKey, AttemptLedger.Entry> eldest) {
            return size() > REMEMBERED_FINISHED;
        }
    };
    /** Attempts killed without a report, by {@link #drain} or a stopping {@link #fence}. Guarded by {@link #lock}. */
    private final Set<AttemptKey> abandoned = new HashSet<>();
    /** Attempts whose runner claimed the terminal report, until {@link #done}. Guarded by {@link #lock}. */
    private final Set<AttemptKey> reporting = new HashSet<>();
    private boolean draining;
    /**
     * Attempts whose runner has not finished: reported (or abandoned) ones still remove their
     * container and files after {@link #done}. Guarded by {@link #lock}.
     */
    private int cleaning;

    private final ExecutorService workers = Executors.newThreadPerTaskExecutor(
            Thread.ofPlatform().daemon().name("rgrid-attempt-", 0).factory());
    /** The live logs' flushes and the partial logs' uploads, on their own threads. */
    private final LogSchedules logs = new LogSchedules(this::runners);

    @Inject
    public AssignmentService(AgentIdentity identity, ContainerRuntime runtime, ExecutionStorage storage,
                             EventPublisher publisher, WorkerConfig config) {
        WorkerConfig.Worker worker = config.worker();
        this.settings = new AttemptRunner.Settings(worker.requirementsTimeout(), worker.logUploadInterval(),
                worker.logUploadKib() * 1024L, worker.maxOutputFiles(), worker.maxOutputBytes(),
                config.logs().maxBytes(), new UploadRetryPolicy(worker.uploadRetry().attempts(),
                worker.uploadRetry().backoff(), worker.uploadRetry().maxBackoff()));
        this.identity = identity;
        this.runtime = runtime;
        this.storage = storage;
        this.publisher = publisher;
        this.ledger = AttemptLedger.open(identity.workDir().resolve(AttemptLedger.FILE_NAME), REMEMBERED_FINISHED);
        for (AttemptLedger.Entry entry : ledger.entries()) {
            AttemptKey key = new AttemptKey(entry.executionId(), entry.attempt());
            if (entry.kind() == AttemptLedger.Kind.FINISHED) {
                finished.put(key, entry);
            } else {
                fenced.put(key, Boolean.TRUE);
            }
        }
        logs.start();
    }

    public String runtimeName() {
        return runtime.name();
    }

    /**
     * Takes an attempt. Returns once the agent holds it (the run continues in the background).
     *
     * @throws AgentProblemException 4xx when the assignment is invalid, the agent is draining or has no room
     */
    public AssignmentAccepted accept(Assignment received) {
        // Its own attempt key, opened with its token when sealed (Ray mode); other workers' entries dropped.
        Assignment assignment = received.withReportKeys(SealedReportKeys.own(received.reportKeys(), identity.token(),
                received.executionId(), received.attempt(), identity.workerId()));
        AssignmentValidator.validate(assignment, identity.workerId());
        AttemptKey key = new AttemptKey(assignment.executionId(), assignment.attempt());
        AssignmentAccepted accepted = new AssignmentAccepted(assignment.executionId(), assignment.attempt(),
                identity.workerId());
        synchronized (lock) {
            Capacity free = capacityLocked();
            ExecutionSpec spec = assignment.spec();
            AdmissionDecision.Attempt attempt = new AdmissionDecision.Attempt(
                    running.containsKey(key) || finished.containsKey(key), fenced.containsKey(key),
                    spec.cpus(), spec.memoryMb());
            switch (AdmissionDecision.decide(attempt, free)) {
                case ALREADY_TAKEN -> {
                    return accepted; // a retried request: this attempt was taken already
                }
                case FENCED -> throw new AgentProblemException(ErrorCode.CONFLICT, "attempt " + assignment.attempt()
                        + " of execution " + assignment.executionId()
                        + " was fenced: the orchestrator took it back after getting no answer");
                case DRAINING -> throw new AgentProblemException(ErrorCode.INVALID_STATE,
                        "worker " + identity.workerId() + " is draining and takes no new work");
                case NO_SLOT -> throw new AgentProblemException(ErrorCode.CONFLICT, "no free slot: all " + free.slots()
                        + " slots of worker " + identity.workerId() + " are busy");
                case NO_RESOURCES -> throw new AgentProblemException(ErrorCode.CONFLICT, String.format(Locale.ROOT,
                        "not enough free resources: asked for %.2f CPUs and %d MiB, free are %.2f CPUs and %d MiB",
                        spec.cpus(), spec.memoryMb(), free.freeCpus(), free.freeMemoryMb()));
                case ADMIT -> {
                    // taken below
                }
            }
            AttemptRunner runner = new AttemptRunner(assignment, identity.workerId(), identity.workDir(), runtime,
                    storage, publisher, logs, settings,
                    new AttemptRunner.Ending(() -> claimReport(key), terminal -> done(key, terminal), this::cleaned));
            cleaning++;
            running.put(key, runner);
            workers.execute(runner);
        }
        LOG.infof("Accepted attempt %d of execution %s (image %s, %.2f CPUs, %d MiB, timeout %d s)",
                assignment.attempt(), assignment.executionId(), assignment.spec().image(), assignment.spec().cpus(),
                assignment.spec().memoryMb(), assignment.spec().timeoutSeconds());
        return accepted;
    }

    /**
     * Fences an attempt the orchestrator takes back. Atomic with {@link #accept}: either the agent
     * finished the attempt (or, without {@code stop}, holds it), or it never will run it (again).
     * With {@code stop} a held attempt is killed first, without a report (its retry is the
     * orchestrator's), so it cannot run beside the retry.
     *
     * @return true when the agent finished the attempt, or holds it and {@code stop} is false
     */
    public boolean fence(UUID executionId, int attempt, boolean stop) {
        AttemptKey key = new AttemptKey(executionId, attempt);
        AttemptRunner stopped;
        synchronized (lock) {
            AttemptEndDecision.FenceOutcome outcome = AttemptEndDecision.fence(phase(key), stop);
            if (outcome.held()) {
                return true;
            }
            ledger.record(AttemptLedger.Entry.fenced(executionId, attempt, Instant.now())); // durable before the answer
            fenced.put(key, Boolean.TRUE);
            stopped = outcome == AttemptEndDecision.FenceOutcome.STOP ? running.get(key) : null;
            if (stopped != null) {
                abandoned.add(key); // no report, not finished
            }
        }
        if (stopped != null) {
            LOG.warnf("Stopping attempt %d of execution %s without a report: the orchestrator took it back",
                    attempt, executionId);
            stopped.abandon();
        }
        LOG.infof("Fenced attempt %d of execution %s: a late request for it will be refused", attempt, executionId);
        return false;
    }

    /**
     * Cancels the attempts of this execution that the agent holds.
     *
     * @return false when the agent holds no attempt of it and has not recently finished one
     */
    public boolean cancel(UUID executionId) {
        List<AttemptRunner> targets = new ArrayList<>();
        boolean known = false;
        synchronized (lock) {
            for (Map.Entry<AttemptKey, AttemptRunner> entry : running.entrySet()) {
                if (entry.getKey().executionId().equals(executionId)) {
                    targets.add(entry.getValue());
                }
            }
            for (AttemptKey key : finished.keySet()) {
                known |= key.executionId().equals(executionId);
            }
        }
        for (AttemptRunner runner : targets) {
            LOG.infof("Cancelling attempt %d of execution %s", runner.assignment().attempt(), executionId);
            runner.cancel();
        }
        return known || !targets.isEmpty();
    }

    /**
     * Whether this agent holds or has finished an attempt of the execution: the one asked for, or
     * with {@code attempt} null the newest it knows.
     *
     * @return empty when it knows no such attempt
     */
    public Optional<AssignmentStatus> status(UUID executionId, Integer attempt) {
        AttemptKey best = null;
        boolean bestRunning = false;
        synchronized (lock) {
            for (AttemptKey key : running.keySet()) {
                if (matches(key, executionId, attempt) && (best == null || key.attempt() > best.attempt())) {
                    best = key;
                    bestRunning = true;
                }
            }
            for (AttemptKey key : finished.keySet()) {
                if (matches(key, executionId, attempt) && (best == null || key.attempt() > best.attempt())) {
                    best = key;
                    bestRunning = false;
                }
            }
        }
        if (best == null) {
            return Optional.empty();
        }
        return Optional.of(new AssignmentStatus(executionId, best.attempt(),
                identity.workerId(), bestRunning ? AssignmentStatus.RUNNING
                : AssignmentStatus.FINISHED));
    }

    private static boolean matches(AttemptKey key, UUID executionId, Integer attempt) {
        return key.executionId().equals(executionId) && (attempt == null || key.attempt() == attempt);
    }

    /**
     * The attempts finished within {@code window} with their outcome, newest last, at most
     * {@code limit}: the heartbeat lists them so the orchestrator never takes them back, and applies
     * their outcome when the report itself lags.
     */
    public List<FinishedAttempt> recentlyFinished(Duration window, int limit) {
        Instant since = Instant.now().minus(window);
        List<FinishedAttempt> out = new ArrayList<>();
        synchronized (lock) {
            for (AttemptLedger.Entry entry : finished.values()) {
                if (!entry.at().isBefore(since)) {
                    out.add(new FinishedAttempt(entry.executionId(), entry.attempt(), entry.outcome(), entry.reason()));
                }
            }
        }
        return out.size() <= limit ? out : List.copyOf(out.subList(out.size() - limit, out.size()));
    }

    public Capacity capacity() {
        synchronized (lock) {
            return capacityLocked();
        }
    }

    private Capacity capacityLocked() {
        double cpus = identity.cpus();
        long memory = identity.memoryMb();
        List<RunningAttempt> attempts = new ArrayList<>(running.size());
        for (Map.Entry<AttemptKey, AttemptRunner> entry : running.entrySet()) {
            ExecutionSpec spec = entry.getValue().assignment().spec();
            cpus -= spec.cpus();
            memory -= spec.memoryMb();
            attempts.add(new RunningAttempt(entry.getKey().executionId(), entry.getKey().attempt()));
        }
        return new Capacity(identity.slots(), Math.max(0, identity.slots() - running.size()), Math.max(0, cpus),
                (int) Math.max(0, memory), attempts, draining);
    }

    public boolean draining() {
        synchronized (lock) {
            return draining;
        }
    }

    /** Stops taking work (every new assignment gets 409 from now on). */
    public void startDraining() {
        synchronized (lock) {
            draining = true;
        }
    }

    /**
     * Waits up to {@code timeout} for the running attempts to finish; kills what is left, without
     * reporting it (the orchestrator requeues the attempts of a worker that left).
     *
     * @return how many attempts were abandoned
     */
    public int drain(Duration timeout) {
        startDraining();
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (!running.isEmpty() && System.nanoTime() < deadline) {
                try {
                    lock.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        // What is still running is killed; an attempt whose report is already going out is left to it.
        List<AttemptRunner> left = new ArrayList<>();
        synchronized (lock) {
            for (Map.Entry<AttemptKey, AttemptRunner> entry : running.entrySet()) {
                if (AttemptEndDecision.drainKills(phase(entry.getKey()))) {
                    abandoned.add(entry.getKey());
                    left.add(entry.getValue());
                }
            }
        }
        for (AttemptRunner runner : left) {
            runner.abandon();
        }
        // Give the runners a moment to remove their containers before the JVM exits (finished ones
        // remove theirs after reporting; abandoned ones once killed).
        awaitIdle(Duration.ofSeconds(15));
        return left.size();
    }

    /** Waits until no attempt runs and every finished one has removed its container, at most {@code timeout}. */
    public boolean awaitIdle(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (!running.isEmpty() || cleaning > 0) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return false;
                }
                try {
                    lock.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }

    /** Where {@code key} stands on this agent. Caller holds {@link #lock}. */
    private AttemptEndDecision.Phase phase(AttemptKey key) {
        if (finished.containsKey(key)) {
            return AttemptEndDecision.Phase.FINISHED;
        }
        if (abandoned.contains(key)) {
            return AttemptEndDecision.Phase.ABANDONED;
        }
        if (reporting.contains(key)) {
            return AttemptEndDecision.Phase.REPORTING;
        }
        return running.containsKey(key) ? AttemptEndDecision.Phase.RUNNING : AttemptEndDecision.Phase.UNKNOWN;
    }

    /** The runner's claim of {@code key}'s terminal report ({@link AttemptRunner.Ending#claimReport}). */
    private boolean claimReport(AttemptKey key) {
        synchronized (lock) {
            if (!AttemptEndDecision.mayReport(phase(key))) {
                return false;
            }
            reporting.add(key);
            return true;
        }
    }

    private void cleaned() {
        synchronized (lock) {
            cleaning--;
            lock.notifyAll();
        }
    }

    private void done(AttemptKey key, ExecutionStatusChanged terminal) {
        synchronized (lock) {
            running.remove(key);
            reporting.remove(key);
            if (!abandoned.contains(key)) { // killed at shutdown, never reported: not finished
                AttemptLedger.Entry entry = AttemptLedger.Entry.finished(key.executionId(), key.attempt(),
                        Instant.now(), terminal.state(), terminal.reason());
                finished.put(key, entry);
                try {
                    ledger.record(entry);
                } catch (UncheckedIOException e) {
                    // Remembered in memory still; only a restart would forget it. The clean-up must go on.
                    LOG.errorf(e, "could not record finished attempt %d of %s on disk", key.attempt(), key.executionId());
                }
            }
            lock.notifyAll();
        }
    }

    /** The attempts running now, for the partial logs' uploads. */
    private List<AttemptRunner> runners() {
        synchronized (lock) {
            return List.copyOf(running.values());
        }
    }

    @PreDestroy
    void stop() {
        logs.stop();
        workers.shutdown();
    }

    /** One attempt of one execution. */
    record AttemptKey(UUID executionId, int attempt) {
    }
}
