package io.rgrid.e2e.grid;

import io.rgrid.local.infra.ManagedProcess;
import io.rgrid.local.infra.Ports;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.IntUnaryOperator;
import java.util.stream.Stream;

import static io.rgrid.testinfra.Processes.kill9;

/**
 * The worker-agents of a {@link KillableGrid}: the processes its orchestrator's local provider
 * started, found through the pid files that provider keeps in the workers' directory
 * ({@code <worker id>.pid}: pid, port) and read from {@code /proc}. What a chaos test does to one
 * agent (kill, freeze, restart under the same id) and asks it lives here.
 */
public final class LocalAgents {

    /** How long a restarted agent may take to listen again (a loaded machine starts a JVM slowly). */
    private static final Duration READY = Duration.ofSeconds(180);

    private final Path workersDir;

    LocalAgents(Path workersDir) {
        this.workersDir = workersDir;
    }

    /**
     * kill -9 of one running worker-agent, chosen by {@code pick} among the live ones; the
     * orchestrator notices it is silent, requeues its executions and starts a replacement.
     *
     * @return the killed worker's id, or empty when no agent was running
     */
    public Optional<String> kill(IntUnaryOperator pick) {
        List<Map.Entry<String, Long>> agents = live();
        if (agents.isEmpty()) {
            return Optional.empty();
        }
        Map.Entry<String, Long> victim = agents.get(pick.applyAsInt(agents.size()));
        kill9(victim.getValue());
        return Optional.of(victim.getKey());
    }

    /**
     * kill -9 of one worker's agent, then the same agent again: its command line, environment and
     * working directory read from {@code /proc}, so it comes back under the same worker id, token,
     * port and work dir (with its attempt ledger), as systemd's {@code Restart=always} brings a
     * server's agent back. Its pid file is rewritten for the new process, so a restarted
     * orchestrator adopts it; its output is appended to the worker's log. Returns once it listens on
     * its port again.
     */
    public void restart(String workerId) {
        AgentLaunch launch = agentLaunch(workerId);
        kill9(launch.pid());
        Path log = workersDir.resolve(workerId + ".log");
        try {
            ProcessBuilder builder = new ProcessBuilder(launch.command()).directory(launch.cwd().toFile())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            builder.environment().clear();
            builder.environment().putAll(launch.env());
            Process agent = builder.start();
            Path pidFile = workersDir.resolve(workerId + ".pid");
            List<String> lines = new ArrayList<>();
            for (String line : Files.readAllLines(pidFile, StandardCharsets.UTF_8)) {
                lines.add(line.startsWith("pid=") ? "pid=" + agent.pid() : line);
            }
            Files.write(pidFile, lines, StandardCharsets.UTF_8);
            long deadline = System.nanoTime() + READY.toNanos();
            while (!Ports.answers(launch.port())) {
                if (!agent.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("the restarted agent of " + workerId + " does not listen on port "
                            + launch.port() + "; its log:\n" + ManagedProcess.tail(log, 40));
                }
                ManagedProcess.sleep(200);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start agent " + workerId + " again", e);
        }
    }

    /**
     * What the worker's agent itself says of an attempt ({@code GET /v1/assignments/<id>?attempt=N}
     * with its token): {@code RUNNING} or {@code FINISHED}, or empty when it knows none (404).
     */
    public Optional<String> attemptState(String workerId, String executionId, int attempt) {
        AgentLaunch launch = agentLaunch(workerId);
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + Ports.LOOPBACK + ":" + launch.port()
                        + "/v1/assignments/" + executionId + "?attempt=" + attempt))
                .header("Authorization", "Bearer " + launch.env().get("RGRID_WORKER_TOKEN"))
                .timeout(Duration.ofSeconds(10)).GET().build();
        try (HttpClient client = HttpClient.newHttpClient()) {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 404) {
                return Optional.empty();
            }
            if (response.statusCode() != 200) {
                throw new IllegalStateException("agent " + workerId + " answered " + response.statusCode() + ": "
                        + response.body());
            }
            return Optional.of(Api.JSON.readTree(response.body()).path("state").asText());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** How a live agent was started: read from {@code /proc}, and its port from its pid file. */
    private record AgentLaunch(long pid, List<String> command, Map<String, String> env, Path cwd, int port) {
    }

    private AgentLaunch agentLaunch(String workerId) {
        long pid = live().stream().filter(a -> a.getKey().equals(workerId)).map(Map.Entry::getValue).findFirst()
                .orElseThrow(() -> new IllegalStateException("no live agent of " + workerId));
        Path proc = Path.of("/proc", Long.toString(pid));
        try {
            List<String> command = List.of(Files.readString(proc.resolve("cmdline"), StandardCharsets.UTF_8)
                    .split("\0"));
            Map<String, String> env = new HashMap<>();
            for (String variable : Files.readString(proc.resolve("environ"), StandardCharsets.UTF_8).split("\0")) {
                int equals = variable.indexOf('=');
                if (equals > 0) {
                    env.put(variable.substring(0, equals), variable.substring(equals + 1));
                }
            }
            Properties pidFile = new Properties();
            try (var in = Files.newInputStream(workersDir.resolve(workerId + ".pid"))) {
                pidFile.load(in);
            }
            return new AgentLaunch(pid, command, env, Files.readSymbolicLink(proc.resolve("cwd")),
                    Integer.parseInt(pidFile.getProperty("port")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read how agent " + workerId + " (pid " + pid + ") was started", e);
        }
    }

    /** Worker id → pid of every agent process alive, from the pid files the local provider keeps. */
    public List<Map.Entry<String, Long>> live() {
        List<Map.Entry<String, Long>> out = new ArrayList<>();
        if (!Files.isDirectory(workersDir)) {
            return out;
        }
        try (Stream<Path> files = Files.list(workersDir)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".pid")).sorted().toList()) {
                Properties props = new Properties();
                try (var in = Files.newInputStream(file)) {
                    props.load(in);
                } catch (IOException e) {
                    continue; // being written or deleted
                }
                String name = file.getFileName().toString();
                long pid = Long.parseLong(props.getProperty("pid", "-1"));
                if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    out.add(Map.entry(name.substring(0, name.length() - ".pid".length()), pid));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** Every worker id this grid ever started (each agent's log file is named after it). */
    public List<String> knownWorkerIds() {
        if (!Files.isDirectory(workersDir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(workersDir)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".log"))
                    .map(n -> n.substring(0, n.length() - ".log".length())).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Sends {@code SIGSTOP} ({@code stop}) or {@code SIGCONT} to the worker's agent process, if it
     * is alive: a frozen agent answers nothing, while the containers it started keep running.
     *
     * @return whether the agent process was alive to receive it
     */
    public boolean signal(String workerId, boolean stop) {
        Optional<Long> pid = live().stream().filter(a -> a.getKey().equals(workerId)).map(Map.Entry::getValue)
                .findFirst();
        if (pid.isEmpty()) {
            return false;
        }
        try {
            Process kill = new ProcessBuilder("kill", stop ? "-STOP" : "-CONT", Long.toString(pid.get()))
                    .redirectErrorStream(true).start();
            return kill.waitFor() == 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The port each live agent listens on. */
    List<Integer> ports() {
        List<Integer> ports = new ArrayList<>();
        for (Map.Entry<String, Long> agent : live()) {
            Properties props = new Properties();
            try (var in = Files.newInputStream(workersDir.resolve(agent.getKey() + ".pid"))) {
                props.load(in);
                ports.add(Integer.parseInt(props.getProperty("port")));
            } catch (IOException | RuntimeException e) {
                // gone since: nothing listens for it any more
            }
        }
        return ports;
    }
}
