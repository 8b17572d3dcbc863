package io.rgrid.e2e.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import io.rgrid.e2e.grid.Api;
import io.rgrid.e2e.grid.DockerEvents;
import io.rgrid.e2e.grid.GridExtension;
import io.rgrid.e2e.grid.KillableGrid;
import io.rgrid.e2e.grid.SuiteOrder;
import io.rgrid.model.api.ApiPaths;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chaos suite: {@value #DEFAULT_EXECUTIONS} executions of a script whose output is derived
 * from its input (every 50th runs 20 s, longer than the grid's lost-after; the others 1 s), with
 * the default attempts (3), submitted over about a minute while, at seeded random moments, a
 * worker-agent, the orchestrator and the api-service are killed with SIGKILL (and restarted), the
 * leading orchestrator is killed with a standby running (which takes over), the
 * Kafka broker and PostgreSQL are restarted and killed with SIGKILL (and started again), and (by
 * hand, {@link #faultKinds()}) the object store goes down for 30 s while the next faults happen. Then:
 * <ul>
 *   <li>every execution is in exactly one terminal state: the API shows a terminal state, the
 *       orchestrator's own record agrees, and the API's transition log has exactly one entry
 *       into a terminal state;</li>
 *   <li>every SUCCEEDED execution's output, downloaded through the API, is the one its input
 *       determines;</li>
 *   <li>no execution ran two attempts at the same time: the Docker Engine's start and die events
 *       of every container carrying the execution's label (orphans of killed agents included)
 *       never overlap;</li>
 *   <li>every SUCCEEDED execution's stored log holds its script's line exactly once;</li>
 *   <li>every execution in the database with the run's label is one the submitter got back (no
 *       duplicate made by a retried submission);</li>
 *   <li>nothing is lost or failed (the script cannot fail by itself).</li>
 * </ul>
 * Workers declared LOST that no step killed (false LOSTs, goal 0) are counted in the RESULT line.
 * The seed is printed; {@code -Drgrid.chaos.seed=N} replays a schedule, {@code -Drgrid.chaos.executions=N}
 * changes the size, {@code -Drgrid.chaos.rounds=N} runs N schedules back to back ({@link #rounds()}).
 * Counts are printed as a {@code [chaos] RESULT} line (recorded in docs/chaos.md).
 */
@ExtendWith(GridExtension.class)
@Order(SuiteOrder.CHAOS)
class ChaosSuiteTest {

    static final int DEFAULT_EXECUTIONS = 200;
    private static final Duration SUBMIT_WINDOW = Duration.ofSeconds(60);
    private static final Duration SETTLE = Duration.ofMinutes(6);

    static final String SCRIPT = """
            import hashlib, json, os, time
            started = time.time()
            text = open("inputs/n.txt").read()
            n = int(text)
            # Every 50th execution outlives the grid's lost-after (15 s): a long run is no silence.
            time.sleep(20.0 if n % 50 == 3 else 1.0)
            os.makedirs("outputs", exist_ok=True)
            with open("outputs/result.json", "w") as f:
                json.dump({"n": n, "square": n * n, "sha256": hashlib.sha256(text.encode()).hexdigest(),
                           "started": started, "finished": time.time()}, f)
            print("done", n)
            """;

    /**
     * The faults. STORE_DOWN and PAUSE_AGENT overlap the ones after them: the object store is
     * stopped for {@link #STORE_OUTAGE}, an agent frozen (SIGSTOP) for {@link #AGENT_PAUSE}, each on a
     * thread of its own while the schedule goes on.
     */
    enum Action { KILL_WORKER, KILL_ORCHESTRATOR, KILL_LEADER_WITH_STANDBY, KILL_API, RESTART_KAFKA, RESTART_POSTGRES,
        KILL_KAFKA, KILL_POSTGRES, STORE_DOWN, PAUSE_AGENT }

    static final Duration STORE_OUTAGE = Duration.ofSeconds(30);
    /** Twice lost-after: long enough to be declared LOST, then resumed (SIGCONT) if it still exists. */
    static final Duration AGENT_PAUSE = KillableGrid.LOST_AFTER.multipliedBy(2);

    /**
     * The kinds of fault a run draws from: all of them; {@code -Drgrid.chaos.store-down=false}
     * leaves STORE_DOWN out (to tell a store outage's part in a failure from the rest's).
     */
    static List<Action> faultKinds() {
        boolean storeDown = !"false".equals(System.getProperty("rgrid.chaos.store-down"));
        return Arrays.stream(Action.values()).filter(a -> a != Action.STORE_DOWN || storeDown).toList();
    }

    record Step(long delayMillis, Action action) {
    }

    @Test
    void everyExecutionEndsOnceWithTheRightOutputAndNoOverlappingAttempts(GridExtension.Running running) throws Exception {
        KillableGrid grid = running.grid();
        int rounds = rounds();
        int count = Integer.getInteger("rgrid.chaos.executions", DEFAULT_EXECUTIONS * rounds);
        long seed = Long.getLong("rgrid.chaos.seed", new Random().nextLong());
        System.out.println("[chaos] seed " + seed + " (replay: -Drgrid.chaos.seed=" + seed + " -Drgrid.chaos.rounds="
                + rounds + "), " + count + " executions, " + rounds + " round(s) of faults");
        Random random = new Random(seed);
        List<Step> schedule = schedule(random, rounds);
        System.out.println("[chaos] schedule " + schedule);
        String run = "chaos-" + Long.toHexString(seed);
        Api api = new Api(grid.apiUrl());
        // One execution before the faults start: the workers exist and every path is warm.
        JsonNode warmUp = api.submitPatiently(grid.adminKey(), "derive.py", SCRIPT, "n.txt", "1".getBytes(StandardCharsets.UTF_8),
                "{\"labels\": {\"suite\": \"" + run + "-warm-up\"}}", Duration.ofMinutes(5));
        awaitTerminal(api, grid.adminKey(), run + "-warm-up", Set.of(warmUp.path("id").asText()));
        long t0 = System.nanoTime();

        // Submissions on their own thread, paced over the window; chaos on this one.
        Map<Integer, String> ids = new ConcurrentHashMap<>();
        List<Throwable> submitterFailure = new CopyOnWriteArrayList<>();
        Thread submitter = Thread.ofPlatform().name("chaos-submitter").daemon(true).start(() -> {
            try {
                submitAll(api, grid, run, count, SUBMIT_WINDOW.multipliedBy(rounds), ids);
            } catch (Throwable e) {
                submitterFailure.add(e);
            }
        });
        List<String> done = new ArrayList<>();
        Faults faults = new Faults(grid, random, t0);
        try {
            faults.run(schedule, done);
        } catch (RuntimeException | Error e) {
            submitter.interrupt();
            throw e;
        }
        submitter.join(Duration.ofMinutes(12L * rounds).toMillis());
        assertThat(submitterFailure).as("submissions").isEmpty();
        assertThat(ids).as("every submission was taken").hasSize(count);
        long chaosEnd = System.nanoTime();

        // Wait until every execution is terminal (or the patience runs out: then the checks below say which are not).
        Map<String, JsonNode> views = awaitTerminal(api, grid.adminKey(), run, Set.copyOf(ids.values()));
        long settled = System.nanoTime();
        Api.sleep(3000); // the orphan containers of killed agents end within seconds of their script

        Map<String, Integer> byState = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        int retried = 0;
        int succeeded = 0;
        for (var entry : new TreeMap<>(ids).entrySet()) {
            int n = entry.getKey();
            String id = entry.getValue();
            JsonNode view = views.get(id);
            String state = view == null ? "UNKNOWN" : view.path("state").asText();
            byState.merge(state, 1, Integer::sum);
            if (view != null && view.path("attempt").asInt() > 1) {
                retried++;
            }
            if (!TERMINAL.contains(state)) {
                problems.add(id + " (n=" + n + ") is not terminal: " + state);
                continue;
            }
            if (state.equals("SUCCEEDED")) {
                succeeded++;
                String output = outputProblem(api, grid.adminKey(), id, n);
                if (output != null) {
                    problems.add(id + " (n=" + n + "): " + output);
                }
                String log = logProblem(api, grid.adminKey(), id, n);
                if (log != null) {
                    problems.add(id + " (n=" + n + "): " + log);
                }
            }
        }
        problems.addAll(databaseProblems(grid, ids.values()));
        problems.addAll(unsubmittedProblems(grid, run, Set.copyOf(ids.values())));
        List<String> overlaps = new ArrayList<>();
        Map<String, Integer> containersPerExecution = new LinkedHashMap<>();
        problems.addAll(overlapProblems(running.docker(), Set.copyOf(ids.values()), views, overlaps, containersPerExecution));
        long lost = byState.getOrDefault("LOST", 0);
        long failed = byState.entrySet().stream().filter(e -> Set.of("FAILED", "TIMED_OUT", "CANCELLED").contains(e.getKey()))
                .mapToLong(Map.Entry::getValue).sum();
        long extraContainers = containersPerExecution.values().stream().filter(c -> c > 1).count();
        Set<String> lostWorkers = lostWorkers(grid);
        Set<String> falseLost = new TreeSet<>(lostWorkers);
        falseLost.removeAll(faults.killedWorkers());
        falseLost.removeAll(faults.pausedWorkers());
        long pausedLost = faults.pausedWorkers().stream().filter(lostWorkers::contains).count();

        String result = String.format("[chaos] RESULT seed=%d submitted=%d succeeded=%d retried=%d lost=%d failed=%d "
                        + "states=%s executions-with-more-than-one-container=%d overlapping=%d chaos-actions=%d "
                        + "workers-killed=%d workers-paused=%d paused-then-lost=%d false-lost=%d%s service-starts-retried=%d "
                        + "chaos-phase=%.0fs settle=%.0fs total=%.0fs",
                seed, ids.size(), succeeded, retried, lost, failed, byState, extraContainers, overlaps.size(), done.size(),
                faults.killedWorkers().size(), faults.pausedWorkers().size(), pausedLost, falseLost.size(),
                falseLost.isEmpty() ? "" : " " + falseLost, grid.failedStarts(),
                (chaosEnd - t0) / 1e9, (settled - chaosEnd) / 1e9, (System.nanoTime() - t0) / 1e9);
        System.out.println(result);
        problems.forEach(p -> System.out.println("[chaos] PROBLEM " + p));
        assertThat(problems).as(result + "\nreplay with -Drgrid.chaos.seed=" + seed).isEmpty();
        assertThat(lost).as("executions LOST; " + result).isZero();
        assertThat(failed).as("executions FAILED/TIMED_OUT/CANCELLED; " + result).isZero();
        assertThat(done).as("every chaos action ran").hasSize(schedule.size());
    }

    /**
     * How many schedules run back to back: 1 in CI; {@code -Drgrid.chaos.rounds=N} (bench/chaos.sh
     * --soak) runs N, with N × {@value #DEFAULT_EXECUTIONS} executions submitted over N × the
     * submission window, so the grid stays as loaded for N times as long.
     */
    static int rounds() {
        int rounds = Integer.getInteger("rgrid.chaos.rounds", 1);
        if (rounds < 1) {
            throw new IllegalArgumentException("rgrid.chaos.rounds must be 1 or more, not " + rounds);
        }
        return rounds;
    }

    /**
     * {@code rounds} schedules, each: every kind of fault once, plus a second worker kill and two
     * more at random, in random order; each comes a random 3-12 s after the grid recovered from the
     * previous one (a fault whose restart is still in progress is not a new fault), the first 3-8 s
     * into the run.
     */
    static List<Step> schedule(Random random, int rounds) {
        List<Action> kinds = faultKinds();
        List<Step> steps = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            List<Action> actions = new ArrayList<>(kinds);
            actions.add(Action.KILL_WORKER);
            actions.add(kinds.get(random.nextInt(kinds.size())));
            actions.add(kinds.get(random.nextInt(kinds.size())));
            Collections.shuffle(actions, random);
            for (Action action : actions) {
                long delay = steps.isEmpty() ? 3_000 + random.nextLong(5_000) : 3_000 + random.nextLong(9_000);
                steps.add(new Step(delay, action));
            }
        }
        return steps;
    }

    /** The input of the {@code n}-th execution (the script prints it and derives its output from it). */
    static long input(int n) {
        return n * 7L + 3;
    }

    /** Paced over the submission window; each submission waits out an API outage (same Idempotency-Key). */
    private static void submitAll(Api api, KillableGrid grid, String run, int count, Duration window,
                                  Map<Integer, String> ids) {
        long pace = window.toMillis() / count;
        for (int i = 0; i < count; i++) {
            String spec = """
                    {"network": "none", "memory": "128m", "timeoutSeconds": 120,
                     "labels": {"suite": "%s", "n": "%d"}}""".formatted(run, i);
            JsonNode created = api.submitPatiently(grid.adminKey(), "derive.py", SCRIPT, "n.txt",
                    Long.toString(input(i)).getBytes(StandardCharsets.UTF_8), spec, Duration.ofMinutes(10));
            ids.put(i, created.path("id").asText());
            Api.sleep(pace);
        }
    }

    /** Runs the schedule's faults in order; remembers the workers it killed or paused, and ends the overlapping faults. */
    static final class Faults {
        private final KillableGrid grid;
        private final Random random;
        private final long t0;
        private final Set<String> killedWorkers = ConcurrentHashMap.newKeySet();
        private final Set<String> pausedWorkers = ConcurrentHashMap.newKeySet();
        private Thread storeOutage;
        /** When the store last came back ({@link System#nanoTime()}); 0 before any outage. */
        private volatile long storeUpAt;
        private final List<Thread> pauses = new ArrayList<>();

        Faults(KillableGrid grid, Random random, long t0) {
            this.grid = grid;
            this.random = random;
            this.t0 = t0;
        }

        /** Every step, each line added to {@code done}; returns once the store is up again too. */
        void run(List<Step> schedule, List<String> done) throws InterruptedException {
            for (Step step : schedule) {
                Thread.sleep(step.delayMillis());
                long started = System.nanoTime();
                String what = act(step.action());
                String line = String.format("%s at %.1f s took %.1f s%s", step.action(), (started - t0) / 1e9,
                        (System.nanoTime() - started) / 1e9, what);
                System.out.println("[chaos] " + line);
                done.add(line);
            }
            if (storeOutage != null) {
                storeOutage.join(); // the checks start with every part up
            }
            for (Thread pause : pauses) {
                pause.join();
            }
        }

        /** The workers a KILL_WORKER step killed: their LOST is true; any other worker's is false. */
        Set<String> killedWorkers() {
            return killedWorkers;
        }

        /** The workers a PAUSE_AGENT step froze past lost-after: their LOST is true too (they were silent). */
        Set<String> pausedWorkers() {
            return pausedWorkers;
        }

        private String act(Action action) {
            switch (action) {
                case KILL_WORKER -> {
                    Optional<String> killed = grid.agents().kill(random::nextInt);
                    killed.ifPresent(killedWorkers::add);
                    return killed.map(id -> ": killed " + id).orElse(": no worker was running");
                }
                case KILL_ORCHESTRATOR -> grid.killAndRestartOrchestrator();
                case KILL_LEADER_WITH_STANDBY -> {
                    KillableGrid.LeaderKill kill = grid.killLeaderWithStandbyRunning();
                    String what = kill.standbyLedFirst()
                            ? ": the new standby had the lease first, so it was killed; the old one led %.1f s later"
                            : ": the standby held the lease %.1f s after the leader's kill";
                    return String.format(what, kill.takeOver().toMillis() / 1e3);
                }
                case KILL_API -> grid.killAndRestartApi();
                case RESTART_KAFKA -> grid.restartKafka();
                case RESTART_POSTGRES -> grid.restartPostgres();
                case KILL_KAFKA -> grid.killAndRestartKafka();
                case KILL_POSTGRES -> grid.killAndRestartPostgres();
                case STORE_DOWN -> {
                    if (storeOutage != null && storeOutage.isAlive()) {
                        return ": the store is down already";
                    }
                    // Two outages with no time between are one of twice the length, past the uploads'
                    // retries (about a minute): the grid gets an outage's length to catch up first.
                    long catchUp = storeUpAt == 0 ? 0
                            : STORE_OUTAGE.toMillis() - (System.nanoTime() - storeUpAt) / 1_000_000;
                    if (catchUp > 0) {
                        Api.sleep(catchUp);
                    }
                    grid.stopS3();
                    storeOutage = Thread.ofPlatform().name("chaos-store-outage").start(() -> {
                        Api.sleep(STORE_OUTAGE.toMillis());
                        grid.startS3Again();
                        storeUpAt = System.nanoTime();
                        System.out.printf("[chaos] the store up again at %.1f s%n", (System.nanoTime() - t0) / 1e9);
                    });
                    return (catchUp > 0 ? String.format(": after %.1f s for the last outage's catch-up,", catchUp / 1e3)
                            : ":") + " down for " + STORE_OUTAGE.toSeconds() + " s, overlapping what follows";
                }
                case PAUSE_AGENT -> {
                    List<Map.Entry<String, Long>> agents = grid.agents().live();
                    if (agents.isEmpty()) {
                        return ": no worker was running";
                    }
                    String worker = agents.get(random.nextInt(agents.size())).getKey();
                    if (!grid.agents().signal(worker, true)) {
                        return ": " + worker + " was gone before its SIGSTOP";
                    }
                    pausedWorkers.add(worker);
                    pauses.add(Thread.ofPlatform().name("chaos-agent-pause").start(() -> {
                        Api.sleep(AGENT_PAUSE.toMillis());
                        boolean resumed = grid.agents().signal(worker, false);
                        System.out.printf("[chaos] %s %s at %.1f s%n", worker,
                                resumed ? "resumed (SIGCONT)" : "gone when its pause ended", (System.nanoTime() - t0) / 1e9);
                    }));
                    return ": froze " + worker + " for " + AGENT_PAUSE.toSeconds() + " s, overlapping what follows";
                }
            }
            return "";
        }
    }

    static final Set<String> TERMINAL = Set.of("SUCCEEDED", "FAILED", "TIMED_OUT", "CANCELLED", "LOST");

    /** The API's views of the executions labelled {@code suite=run}, once all of {@code ids} are terminal (or after {@link #SETTLE}). */
    static Map<String, JsonNode> awaitTerminal(Api api, String key, String run, Set<String> ids) {
        return awaitIn(api, key, run, ids, TERMINAL, SETTLE);
    }

    /** The API's views of the executions labelled {@code suite=run}, once all of {@code ids} are in one of {@code states} (or after {@code patience}). */
    static Map<String, JsonNode> awaitIn(Api api, String key, String run, Set<String> ids, Set<String> states,
                                         Duration patience) {
        long deadline = System.nanoTime() + patience.toNanos();
        Map<String, JsonNode> views = new ConcurrentHashMap<>();
        while (true) {
            views.clear();
            String cursor = null;
            do {
                String path = "/api/v1/executions?limit=500&label=suite%3D" + run + (cursor == null ? "" : "&cursor=" + cursor);
                Api.Reply reply = api.getPatiently(path, key, Duration.ofMinutes(2));
                assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
                JsonNode page = reply.json();
                page.path("items").forEach(item -> views.put(item.path("id").asText(), item));
                cursor = page.path("nextCursor").isTextual() ? page.path("nextCursor").asText() : null;
            } while (cursor != null);
            long open = ids.stream().filter(id -> views.get(id) == null
                    || !states.contains(views.get(id).path("state").asText()))
                    .count();
            if (open == 0 || System.nanoTime() > deadline) {
                return Map.copyOf(views);
            }
            Api.sleep(1000);
        }
    }

    /** Null when the SUCCEEDED execution's output is the one its input {@code n} determines. */
    private static String outputProblem(Api api, String key, String id, int n) throws Exception {
        Api.Reply reply = api.getPatiently("/api/v1/executions/" + id + "/outputs/result.json", key, Duration.ofMinutes(1));
        if (reply.status() != 200) {
            return "output download answered " + reply;
        }
        JsonNode output = reply.json();
        long value = input(n);
        String input = Long.toString(value);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(input.getBytes(StandardCharsets.UTF_8)));
        if (output.path("n").asLong() != value || output.path("square").asLong() != value * value
                || !sha.equals(output.path("sha256").asText())) {
            return "wrong output " + output + " for input " + input;
        }
        return null;
    }

    /**
     * Workers the orchestrator declared LOST: those no step killed or paused are false LOSTs (goal
     * 0; counted, not failed on: a worker wrongly lost costs a retry, which the checks already
     * judge). A LOST worker is still LOST, or DELETED with the health monitor's or the
     * reconciliation's detail ({@code HealthMonitor.deleted}).
     */
    static Set<String> lostWorkers(KillableGrid grid) throws SQLException {
        Set<String> lost = new TreeSet<>();
        try (Connection c = DriverManager.getConnection(grid.jdbcUrl(), "postgres", "");
             Statement select = c.createStatement();
             ResultSet rows = select.executeQuery("SELECT id FROM orchestrator.workers WHERE state = 'LOST' OR "
                     + "(state = 'DELETED' AND (state_detail = 'deleted after it was lost' "
                     + "OR state_detail LIKE 'deleted by reconciliation%'))")) {
            while (rows.next()) {
                lost.add(rows.getString(1));
            }
        }
        return lost;
    }

    /** The API's transition log has exactly one entry into a terminal state, and the orchestrator agrees on it. */
    private static List<String> databaseProblems(KillableGrid grid, Collection<String> ids) throws SQLException {
        List<String> problems = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        try (Connection c = DriverManager.getConnection(grid.jdbcUrl(), "postgres", "")) {
            while (true) {
                problems.clear();
                Map<String, String> apiStates = states(c, "SELECT id::text, state FROM api.executions");
                Map<String, String> orchestratorStates = states(c, "SELECT id::text, state FROM orchestrator.executions");
                Map<String, String> terminalEntries = states(c, """
                        SELECT execution_id::text, count(*)::text FROM api.execution_transitions
                        WHERE to_state IN ('SUCCEEDED','FAILED','TIMED_OUT','CANCELLED','LOST') GROUP BY execution_id""");
                for (String id : ids) {
                    if (!"1".equals(terminalEntries.get(id))) {
                        problems.add(id + ": " + terminalEntries.getOrDefault(id, "0") + " transitions into a terminal state");
                    }
                    if (!java.util.Objects.equals(apiStates.get(id), orchestratorStates.get(id))) {
                        problems.add(id + ": api-service says " + apiStates.get(id) + ", orchestrator says " + orchestratorStates.get(id));
                    }
                }
                if (problems.isEmpty() || System.nanoTime() > deadline) {
                    return problems;
                }
                Api.sleep(1000); // the orchestrator applies the outcome from Kafka a moment later
            }
        }
    }

    /**
     * The stored log of the {@code n}-th SUCCEEDED execution holds its script's one line,
     * {@code done <its input>}, exactly once: a log chunk delivered twice (a redelivery after a
     * broker or service restart) or lost would show here, where the output check cannot see it.
     */
    static String logProblem(Api api, String key, String id, int n) {
        Api.Reply log = api.getPatiently(ApiPaths.logs(id), key, Duration.ofMinutes(2));
        if (log.status() != 200) {
            return "its log answered " + log;
        }
        String line = "done " + input(n);
        long lines = log.text().lines().filter(line::equals).count();
        return lines == 1 ? null : "its log holds the line '" + line + "' " + lines + " times: " + log.text().strip();
    }

    /**
     * Every execution of the run in the database, not only the ids the submitter got back: one
     * the API made without handing it out (a retried submission that was not recognised as the
     * same) is a duplicate that the checks over the submitted ids would never see.
     */
    private static List<String> unsubmittedProblems(KillableGrid grid, String run, Set<String> submitted) throws SQLException {
        List<String> problems = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(grid.jdbcUrl(), "postgres", "");
             var s = c.prepareStatement("SELECT id::text, state FROM api.executions WHERE spec->'labels'->>'suite' = ?")) {
            s.setString(1, run);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    if (!submitted.contains(rs.getString(1))) {
                        problems.add(rs.getString(1) + " (" + rs.getString(2) + "): in the database with the run's label, "
                                + "never handed to the submitter");
                    }
                }
            }
        }
        return problems;
    }

    private static Map<String, String> states(Connection c, String sql) throws SQLException {
        Map<String, String> out = new java.util.HashMap<>();
        try (var s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.put(rs.getString(1), rs.getString(2));
            }
        }
        return out;
    }

    /**
     * From the engine's events: each container of each execution as [start, die]; two containers
     * of one execution whose intervals intersect ran at the same time. A container that started
     * and never died is a problem too (an attempt nobody stopped), and so is a SUCCEEDED
     * execution without any container (the evidence would be missing, not clean).
     */
    static List<String> overlapProblems(DockerEvents docker, Set<String> ids, Map<String, JsonNode> views,
                                        List<String> overlaps, Map<String, Integer> containersPerExecution) {
        List<String> problems = new ArrayList<>();
        if (!docker.alive()) {
            problems.add("docker events stopped recording during the run");
        }
        Map<String, Map<String, long[]>> byExecution = new TreeMap<>();
        Map<String, Integer> attemptOf = new java.util.HashMap<>();
        for (DockerEvents.Event event : docker.events()) {
            if (!ids.contains(event.executionId())) {
                continue;
            }
            long[] interval = byExecution.computeIfAbsent(event.executionId(), k -> new LinkedHashMap<>())
                    .computeIfAbsent(event.containerId(), k -> new long[]{-1, -1});
            attemptOf.put(event.containerId(), event.attempt());
            if (event.action().equals("start")) {
                interval[0] = event.timeNanos();
            } else if (event.action().equals("die")) {
                interval[1] = event.timeNanos();
            }
        }
        for (String id : ids) {
            Map<String, long[]> containers = byExecution.getOrDefault(id, Map.of());
            containersPerExecution.put(id, containers.size());
            if (containers.isEmpty() && views.get(id) != null && "SUCCEEDED".equals(views.get(id).path("state").asText())) {
                problems.add(id + ": SUCCEEDED but the engine recorded no container for it");
            }
            List<Map.Entry<String, long[]>> list = new ArrayList<>(containers.entrySet());
            for (var container : list) {
                if (container.getValue()[0] < 0 || container.getValue()[1] < 0) {
                    problems.add(id + ": container " + container.getKey().substring(0, 12) + " (attempt "
                            + attemptOf.get(container.getKey()) + ") has no " + (container.getValue()[0] < 0 ? "start" : "die") + " event");
                }
            }
            for (int i = 0; i < list.size(); i++) {
                for (int j = i + 1; j < list.size(); j++) {
                    long[] a = list.get(i).getValue();
                    long[] b = list.get(j).getValue();
                    long aEnd = a[1] < 0 ? Long.MAX_VALUE : a[1];
                    long bEnd = b[1] < 0 ? Long.MAX_VALUE : b[1];
                    if (a[0] >= 0 && b[0] >= 0 && a[0] < bEnd && b[0] < aEnd) {
                        String overlap = id + ": attempt " + attemptOf.get(list.get(i).getKey()) + " ["
                                + Instant.ofEpochSecond(0, a[0]) + " .. " + (a[1] < 0 ? "still running" : Instant.ofEpochSecond(0, a[1]))
                                + "] and attempt " + attemptOf.get(list.get(j).getKey()) + " [" + Instant.ofEpochSecond(0, b[0])
                                + " .. " + (b[1] < 0 ? "still running" : Instant.ofEpochSecond(0, b[1])) + "] ran at the same time";
                        overlaps.add(overlap);
                        problems.add(overlap);
                    }
                }
            }
        }
        return problems.stream().collect(Collectors.toList());
    }
}
