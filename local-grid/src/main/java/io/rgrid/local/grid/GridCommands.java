package io.rgrid.local.grid;

import io.rgrid.local.Layout;
import io.rgrid.local.infra.ManagedProcess;
import io.rgrid.model.config.ClientConfig;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** The {@code up}, {@code down} and {@code status} verbs of {@code rgrid local}. */
public final class GridCommands {

    private static final Duration UP_TIMEOUT = Duration.ofMinutes(5);
    private final Path dataDir;
    private final PrintStream out;

    public GridCommands(Path dataDir, PrintStream out) {
        this.dataDir = dataDir;
        this.out = out;
    }

    /**
     * @param maxWorkers most workers the orchestrator may run at once (a laptop's cap, or one
     *                   worker for a benchmark); 0 leaves its default
     */
    public int up(int apiPort, int orchestratorPort, int maxWorkers) throws IOException, InterruptedException {
        GridState current = GridState.read(dataDir);
        if (current != null && current.supervisorAlive() && "READY".equals(current.phase())
                && ManagedProcess.httpOk(current.apiUrl() + "/q/health/ready")) {
            out.println("RGrid local grid is already running.");
            printSummary(current);
            return 0;
        }
        if (current != null && current.supervisorAlive()) {
            out.println("RGrid local grid is starting (pid " + current.supervisorPid() + "); waiting for it.");
            return awaitReady(current.supervisorPid(), null);
        }
        Files.createDirectories(dataDir.resolve("logs"));
        Files.deleteIfExists(dataDir.resolve(GridState.FILE));
        Path log = dataDir.resolve("logs").resolve("supervisor.log");
        Layout layout = Layout.detect();
        List<String> command = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            command.add("/usr/bin/setsid"); // its own session: closing the terminal does not stop the grid
        }
        command.addAll(List.of(ManagedProcess.javaBinary(), "-Xmx128m", "-jar", layout.localGridJar().toString(),
                "supervise", "--data-dir", dataDir.toString(),
                "--api-port", Integer.toString(apiPort), "--orchestrator-port", Integer.toString(orchestratorPort)));
        if (maxWorkers > 0) {
            command.addAll(List.of("--max-workers", Integer.toString(maxWorkers)));
        }
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.environment().put("RGRID_HOME", layout.home().toString());
        Process process = builder.start();
        out.println("Starting the RGrid local grid in " + dataDir + " (log: " + log + ")");
        return awaitReady(process.pid(), log);
    }

    private int awaitReady(long supervisorPid, Path log) throws InterruptedException {
        long deadline = System.nanoTime() + UP_TIMEOUT.toNanos();
        String lastMessage = "";
        while (System.nanoTime() < deadline) {
            GridState state = GridState.read(dataDir);
            if (state != null && !state.message().equals(lastMessage)) {
                lastMessage = state.message();
                if (!"READY".equals(state.phase())) {
                    out.println("  " + lastMessage);
                }
            }
            if (state != null && "READY".equals(state.phase())) {
                out.println("RGrid local grid is up.");
                printSummary(state);
                return 0;
            }
            if (state != null && "FAILED".equals(state.phase())) {
                out.println("The local grid failed to start: " + state.message());
                if (log != null) {
                    out.println("Last lines of " + log + ":\n" + ManagedProcess.tail(log, 20));
                }
                return 1;
            }
            boolean alive = ProcessHandle.of(supervisorPid).map(ProcessHandle::isAlive).orElse(false);
            if (!alive) {
                out.println("The local grid supervisor exited before the grid was ready.");
                if (log != null) {
                    out.println("Last lines of " + log + ":\n" + ManagedProcess.tail(log, 20));
                }
                return 1;
            }
            Thread.sleep(200);
        }
        out.println("The local grid was not ready within " + UP_TIMEOUT.toMinutes() + " minutes; see " + dataDir.resolve("logs"));
        return 1;
    }

    public int down(boolean purge) throws IOException, InterruptedException {
        GridState state = GridState.read(dataDir);
        if (state != null && state.supervisorAlive()) {
            ProcessHandle supervisor = ProcessHandle.of(state.supervisorPid()).orElseThrow();
            out.println("Stopping the RGrid local grid (pid " + state.supervisorPid() + ")...");
            supervisor.destroy();
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (supervisor.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            if (supervisor.isAlive()) {
                supervisor.destroyForcibly();
                out.println("The supervisor did not stop in time and was killed; child processes may remain.");
            }
            out.println("Stopped.");
        } else {
            out.println("The RGrid local grid is not running.");
        }
        if (purge) {
            deleteTree(dataDir);
            out.println("Deleted " + dataDir + ".");
        } else if (Files.exists(dataDir)) {
            out.println("Its data stays in " + dataDir + " (delete it with: rgrid local down --purge).");
        }
        return 0;
    }

    public int status() {
        GridState state = GridState.read(dataDir);
        if (state == null || !state.supervisorAlive()) {
            out.println("The RGrid local grid is not running. Start it with: ./rgrid local up");
            return 1;
        }
        out.println("RGrid local grid: " + state.phase() + (state.phase().equals("READY") ? "" : " (" + state.message() + ")"));
        printSummary(state);
        return 0;
    }

    private void printSummary(GridState s) {
        out.printf("  API            %s%n", s.apiUrl());
        out.printf("  Orchestrator   %s%n", s.orchestratorUrl());
        out.printf("  PostgreSQL     127.0.0.1:%d (user postgres, database %s)%n", s.postgresPort(), GridSupervisor.DATABASE);
        out.printf("  Kafka          %s%n", s.kafkaBootstrap());
        out.printf("  S3             %s (bucket %s)%n", s.s3Endpoint(), GridSupervisor.BUCKET);
        out.printf("  Workers run    %s%n", s.runtime());
        out.printf("  Logs           %s (api-service.log, orchestrator.log, kafka.log, s3.log, supervisor.log)%n", s.logsDir());
        out.printf("  Worker logs    %s%n", dataDir.resolve("workers"));
        out.printf("  CLI config     %s%n", ClientConfig.path(System.getenv()));
        out.println("Stop it with: ./rgrid local down");
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
