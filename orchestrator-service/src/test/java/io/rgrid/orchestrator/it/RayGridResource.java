package io.rgrid.orchestrator.it;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.rgrid.model.KafkaPrincipals;
import io.rgrid.model.Ids;
import io.rgrid.orchestrator.dispatch.ray.RayTestSupport;
import io.rgrid.testinfra.Servers;
import io.rgrid.testinfra.SharedServers;
import io.rgrid.testinfra.SharedServersResource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A Ray grid on loopback for one test class: a Ray 2.58 head that is also the only node (offers
 * 2 CPUs and 2 {@code rgrid_worker}), a real worker-agent (process runtime) beside it that the
 * orchestrator knows as a static agent, and the orchestrator in Ray mode (namespace {@code orchray}
 * on the shared servers).
 *
 * <p>The head runs as {@code setsid ray start --head --block} on free ports: everything it starts
 * (GCS, raylet, agents, Java workers) is in that new session, and {@link #stop()} ends exactly
 * the processes of that session, by PID (TERM, then KILL), never {@code ray stop --force}, which
 * would stop every Ray on the host. Ray absent: {@link #start()} fails naming what is missing; a
 * test class checks that before its application starts ({@link RayTestSupport.Required}).
 *
 * <p>Ray's token authentication is on, as in production: the head gets {@code RAY_AUTH_MODE=token}
 * and a token made for this run in {@code RAY_AUTH_TOKEN}; the test JVM (the orchestrator's driver)
 * has {@code RAY_AUTH_MODE=token} and {@code RAY_AUTH_TOKEN_PATH=target/ray-grid/auth_token} from
 * surefire's configuration, and that file is written here, mode 0600, before the driver starts.
 */
public class RayGridResource implements QuarkusTestResourceLifecycleManager {

    static final String NAMESPACE = "orchray";
    static volatile Process head;
    static volatile Process agent;
    static volatile String workerId;
    static volatile Path sessionLogs;
    static volatile int gcsPort;
    static volatile Path venv;
    static volatile Path work;

    private final List<Path> logs = new ArrayList<>();

    @Override
    public Map<String, String> start() {
        Path venv = RayTestSupport.venv();
        if (venv == null) {
            throw new IllegalStateException("cannot start the Ray test grid: " + RayTestSupport.absentReason());
        }
        try {
            return startGrid(venv);
        } catch (IOException | InterruptedException e) {
            stop();
            throw new IllegalStateException("could not start the Ray test grid: " + e, e);
        }
    }

    private Map<String, String> startGrid(Path venv) throws IOException, InterruptedException {
        Path root = SharedServers.repoRoot();
        Path agentJar = root.resolve("worker-agent/target/quarkus-app/quarkus-run.jar");
        Path taskJar = root.resolve("ray-task/target/rgrid-ray-task.jar");
        for (Path needed : List.of(agentJar, taskJar)) {
            if (!Files.isRegularFile(needed)) {
                throw new IOException(needed + " is missing: build it first (./mvnw install -DskipTests)");
            }
        }
        Path work = root.resolve("orchestrator-service/target/ray-grid");
        RayGridResource.work = work;
        Files.createDirectories(work);
        Servers servers = SharedServers.get();
        workerId = Ids.newWorkerId();
        String token = UUID.randomUUID().toString();
        int agentPort = freePort();
        gcsPort = freePort();
        RayGridResource.venv = venv;
        String rayToken = RayTestSupport.writeDriverAuthToken();
        String java = ProcessHandle.current().info().command().orElse("java");
        String javaBin = Path.of(java).getParent().toString();

        List<String> command = List.of("setsid", venv.resolve("bin/ray").toString(), "start", "--head",
                "--node-ip-address=127.0.0.1", "--port=" + gcsPort,
                "--node-manager-port=" + freePort(), "--object-manager-port=" + freePort(),
                "--include-dashboard=false", "--dashboard-port=" + freePort(),
                "--dashboard-agent-listen-port=" + freePort(), "--num-cpus=2", "--resources={\"rgrid_worker\": 2}",
                "--disable-usage-stats", "--block");
        ProcessBuilder rayStart = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log(work.resolve("ray-head.log")));
        Map<String, String> env = rayStart.environment();
        // Ray starts its Java workers with `java` from PATH: this JDK first.
        env.put("PATH", javaBin + ":" + venv.resolve("bin") + ":" + env.getOrDefault("PATH", "/usr/bin:/bin"));
        env.put("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0");
        env.put("RAY_AUTH_MODE", "token");
        env.put("RAY_AUTH_TOKEN", rayToken);
        env.remove("RAY_AUTH_TOKEN_PATH");
        // Node-local settings of the Ray task (what the worker bootstrap's `ray start` unit sets).
        env.put("RGRID_AGENT_URL", "http://127.0.0.1:" + agentPort);
        env.put("RGRID_AGENT_TOKEN", token);
        env.put("RGRID_RAY_TASK_POLL_MS", "200");
        head = rayStart.start();

        ProcessBuilder agentStart = new ProcessBuilder(java, "-jar", agentJar.toString()).redirectErrorStream(true)
                .redirectOutput(log(work.resolve("agent-" + workerId + ".log")));
        Map<String, String> agentEnv = agentStart.environment();
        agentEnv.put("QUARKUS_HTTP_PORT", Integer.toString(agentPort));
        agentEnv.put("QUARKUS_HTTP_HOST", "127.0.0.1");
        agentEnv.put("RGRID_WORKER_ID", workerId);
        agentEnv.put("RGRID_WORKER_TOKEN", token);
        agentEnv.put("RGRID_WORKER_ADVERTISED_ADDRESS", "http://127.0.0.1:" + agentPort);
        agentEnv.put("RGRID_WORKER_RUNTIME", "process");
        agentEnv.put("RGRID_WORKER_ALLOW_PROCESS_RUNTIME", "true");
        agentEnv.put("RGRID_WORKER_SLOTS", "2");
        agentEnv.put("RGRID_WORKER_HEARTBEAT_INTERVAL", "2s");
        agentEnv.put("RGRID_WORKER_WORK_DIR", work.resolve("agent-work").toString());
        agentEnv.putAll(servers.kafka().agentEnv());
        agentEnv.put("RGRID_KAFKA_TOPIC_PREFIX", NAMESPACE + ".");
        // No store settings: the agent holds no key and uses each assignment's presigned URLs.
        agent = agentStart.start();

        awaitPort(gcsPort, Duration.ofSeconds(90), "the Ray head's GCS", head, work.resolve("ray-head.log"));
        sessionLogs = awaitSession(head.pid(), Duration.ofSeconds(60));
        awaitPort(agentPort, Duration.ofSeconds(90), "the worker-agent", agent,
                work.resolve("agent-" + workerId + ".log"));

        Map<String, String> config = SharedServersResource.config(servers, NAMESPACE);
        config.putAll(servers.kafka().serviceConfig(KafkaPrincipals.ORCHESTRATOR));
        config.put("rgrid.orchestrator.provider", "static");
        config.put("rgrid.orchestrator.static.agents", workerId + "=http://127.0.0.1:" + agentPort + "=" + token);
        config.put("rgrid.orchestrator.ray.enabled", "true");
        config.put("rgrid.orchestrator.ray.head-address", "127.0.0.1:" + gcsPort);
        config.put("rgrid.orchestrator.ray.node-ip", "127.0.0.1");
        config.put("rgrid.orchestrator.ray.venv", venv.toString());
        config.put("rgrid.orchestrator.ray.task-jar", taskJar.toString());
        return config;
    }

    /**
     * This head's session directory's logs, read from its own processes' command lines (not
     * {@code /tmp/ray/session_latest}, which another head on the host may have moved).
     */
    private static Path awaitSession(long session, Duration patience) throws InterruptedException, IOException {
        long deadline = System.currentTimeMillis() + patience.toMillis();
        Pattern dir = Pattern.compile("(/tmp/ray/session_[0-9_\\-]+)");
        while (System.currentTimeMillis() < deadline) {
            for (long pid : sessionMembers(session)) {
                String cmd = ProcessHandle.of(pid).flatMap(p -> p.info().commandLine()).orElse("");
                Matcher m = dir.matcher(cmd);
                if (cmd.contains("raylet") && m.find() && Files.exists(Path.of(m.group(1), "sockets/raylet"))) {
                    return Path.of(m.group(1), "logs");
                }
            }
            Thread.sleep(200);
        }
        throw new IOException("no raylet of this Ray head (session " + session + ") within " + patience);
    }

    private ProcessBuilder.Redirect log(Path file) {
        logs.add(file);
        return ProcessBuilder.Redirect.appendTo(file.toFile());
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void awaitPort(int port, Duration patience, String what, Process process, Path log)
            throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + patience.toMillis();
        while (System.currentTimeMillis() < deadline) {
            if (!process.isAlive()) {
                List<String> lines = Files.readAllLines(log);
                throw new IOException(what + " exited with " + process.exitValue() + "; the end of " + log + ":\n"
                        + String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size())));
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException e) {
                Thread.sleep(200);
            }
        }
        throw new IOException(what + " did not listen on 127.0.0.1:" + port + " within " + patience);
    }

    /**
     * Ends the agent, then every process of the head's session: TERM, 10 s, then KILL.
     */
    @Override
    public void stop() {
        Process a = agent;
        if (a != null) {
            a.destroy();
            try {
                if (!a.waitFor(20, TimeUnit.SECONDS)) {
                    a.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Process h = head;
        if (h != null) {
            long session = h.pid(); // setsid made it the leader of its own session
            signal(sessionMembers(session), "TERM");
            long deadline = System.currentTimeMillis() + 10_000;
            while (System.currentTimeMillis() < deadline && !sessionMembers(session).isEmpty()) {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            signal(sessionMembers(session), "KILL");
        }
        head = null;
        agent = null;
    }

    /** PIDs whose session id (field 6 of /proc/PID/stat) is {@code session}. */
    static List<Long> sessionMembers(long session) {
        List<Long> out = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path proc : procs.toList()) {
                String name = proc.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String stat = Files.readString(proc.resolve("stat"));
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    // after "pid (comm) ": state ppid pgrp session ...
                    if (Long.parseLong(fields[3]) == session) {
                        out.add(Long.parseLong(name));
                    }
                } catch (IOException | RuntimeException e) {
                    // gone meanwhile
                }
            }
        } catch (IOException e) {
            // no /proc: nothing to find
        }
        return out;
    }

    private static void signal(List<Long> pids, String signal) {
        if (pids.isEmpty()) {
            return;
        }
        List<String> command = new ArrayList<>(List.of("kill", "-" + signal));
        pids.forEach(p -> command.add(Long.toString(p)));
        try {
            new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start().waitFor();
        } catch (IOException e) {
            // nothing more to do
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
