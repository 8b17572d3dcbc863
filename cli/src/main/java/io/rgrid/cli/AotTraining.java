package io.rgrid.cli;

import io.rgrid.cli.core.CliContext;
import io.rgrid.cli.output.ExecutionFormat;
import io.rgrid.model.Json;
import io.rgrid.model.api.ExecutionView;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The training run of the CLI's ahead-of-time cache, started once per build by the launcher
 * ({@code cli/src/build/aot-cache.sh}): the JVM records the classes this run loads and links, and
 * the launcher's JVMs start with them ready. It walks the paths every command takes: the stored
 * help texts, picocli's model and help, the config lookup, a submission refused by a closed port
 * and its error line, the JSON of an execution and its state lines, and one whole {@code rgrid
 * run} (submission, live log stream, the final state, the output download) against
 * {@link TrainingApi}, a loopback server of its own. It talks to no other server and writes only
 * under a temporary directory it removes.
 */
public final class AotTraining {

    /** Nothing listens on port 1 of the loopback: the connection is refused at once. */
    private static final String NO_API = "http://127.0.0.1:1";

    private static final String VIEW_JSON = """
            {"id":"6f1c1f4e-58a2-4f0e-9a43-1d1d3f1b2c3d","projectId":"p","state":"SUCCEEDED","attempt":1,
             "scriptName":"hello.py","inputs":[],"workerId":"rgrid-worker-ab12cd","exitCode":0,
             "createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:01Z",
             "startedAt":"2026-01-01T00:00:00.200Z","finishedAt":"2026-01-01T00:00:00.900Z","logBytes":12}""";

    private AotTraining() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Files.createTempDirectory("rgrid-aot-training");
        try {
            train(dir);
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /**
     * One whole hello run, as a user types it, against {@link TrainingApi}: returns its exit code
     * (0 when the submission, the stream, the final state and the download all went as on a grid).
     */
    static int rehearseRun(Path dir, CliContext context) throws IOException {
        Path script = Files.writeString(dir.resolve("rehearsed.py"), "print('Hello from RGrid!')\n");
        try (TrainingApi api = TrainingApi.start()) {
            return Main.execute(new String[] {"run", script.toString(), "--api-url", api.url(), "--api-key", "k",
                    "--output-dir", dir.resolve("outputs").toString()}, context);
        }
    }

    private static void train(Path dir) throws IOException {
        Path script = Files.writeString(dir.resolve("hello.py"), "print('hello')\n");
        PrintStream sink = CliContext.utf8(OutputStream.nullOutputStream());
        Map<String, String> env = Map.of("XDG_CONFIG_HOME", dir.resolve("config").toString(),
                "HOME", dir.toString());
        CliContext context = new CliContext(env, sink, sink, false, CliContext.DEFAULT_POLL_START_MILLIS, false);
        List<String[]> commands = List.of(
                new String[] {"--help"},
                new String[] {"run", "--help"},
                new String[] {"logs", "--help"},
                new String[] {"status", "--help"},
                new String[] {"version"},
                new String[] {"no-such-verb"},
                new String[] {"status", "6f1c1f4e-58a2-4f0e-9a43-1d1d3f1b2c3d", "--api-url", NO_API, "--api-key", "k"},
                new String[] {"run", script.toString(), "--api-url", NO_API, "--api-key", "k", "-e", "A=1",
                        "--no-download"});
        for (String[] command : commands) {
            Main.execute(command, context);
        }
        int rehearsed = rehearseRun(dir, context);
        if (rehearsed != 0) {
            // The cache still holds what the rest of the training loaded; AotTrainingTest fails on this.
            System.err.println("aot-training: the rehearsed run exited " + rehearsed + "; the cache holds less of it");
        }
        // The stored help texts the entry point prints without picocli.
        StoredHelp.answer(new String[]{"--help"}, env, sink);
        StoredHelp.answer(new String[]{"run", "--help"}, env, sink);
        StoredHelp.answer(new String[]{"--version"}, env, sink);
        ExecutionView view = Json.mapper().readValue(VIEW_JSON, ExecutionView.class);
        sink.println(ExecutionFormat.stateLine(view));
        sink.println(ExecutionFormat.failureLine(view));
    }
}
