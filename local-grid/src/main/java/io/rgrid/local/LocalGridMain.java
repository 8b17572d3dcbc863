package io.rgrid.local;

import io.rgrid.local.grid.GridCommands;
import io.rgrid.local.grid.GridSupervisor;
import io.rgrid.local.infra.StandaloneKafka;
import io.rgrid.local.infra.TestServersDaemon;
import io.rgrid.model.api.ApiPaths;
import io.rgrid.model.config.LocalGridPaths;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Entry point of local-grid.jar. Users reach it through {@code rgrid local ...}; the verbs:
 * <pre>
 *   up [--data-dir D] [--api-port 8000] [--orchestrator-port 8001]   start the grid in the background (idempotent)
 *   down [--data-dir D] [--purge]                                  stop it; --purge also deletes its data
 *   status [--data-dir D]                                          show where everything is
 *   supervise ...                                                  (internal) the background supervisor
 *   test-servers --dir D [--idle-timeout-seconds N]                (internal) shared servers of a test run
 *   kafka --dir D --port N --controller-port N                     (internal) one broker in the foreground, for a test's own use
 * </pre>
 */
public final class LocalGridMain {

    private LocalGridMain() {
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(args));
    }

    static int run(String[] args) throws Exception {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            System.out.println("usage: rgrid local up|down|status [--data-dir DIR] [--api-port N] [--orchestrator-port N] "
                    + "[--max-workers N] [--purge]");
            return args.length == 0 ? 2 : 0;
        }
        Options options = Options.parse(List.of(args).subList(1, args.length));
        if (options.error != null) {
            System.err.println("rgrid local " + args[0] + ": " + options.error);
            return 2;
        }
        Path dataDir = options.dataDir != null ? options.dataDir : LocalGridPaths.dataDir(System.getenv());
        GridCommands commands = new GridCommands(dataDir, System.out);
        return switch (args[0]) {
            case "up" -> commands.up(options.apiPort, options.orchestratorPort, options.maxWorkers);
            case "down" -> commands.down(options.purge);
            case "status" -> commands.status();
            case "supervise" -> GridSupervisor.run(dataDir, options.apiPort, options.orchestratorPort, options.maxWorkers);
            case "test-servers" -> TestServersDaemon.run(options.dir, Duration.ofSeconds(options.idleTimeoutSeconds));
            case "kafka" -> {
                if (options.dir == null || options.port == 0 || options.controllerPort == 0) {
                    System.err.println("rgrid local kafka: needs --dir, --port and --controller-port");
                    yield 2;
                }
                yield StandaloneKafka.run(options.dir, options.port, options.controllerPort);
            }
            default -> {
                System.err.println("rgrid local: unknown verb '" + args[0] + "'; use up, down or status");
                yield 2;
            }
        };
    }

    static final class Options {
        Path dataDir;
        Path dir;
        int apiPort = ApiPaths.DEFAULT_PORT;
        int orchestratorPort = 8001;
        int port;
        int controllerPort;
        boolean purge;
        long idleTimeoutSeconds = 300;
        /** Most workers the grid's orchestrator may run at once; 0: its default. */
        int maxWorkers;
        String error;

        static Options parse(List<String> args) {
            Options o = new Options();
            List<String> rest = new ArrayList<>(args);
            try {
                while (!rest.isEmpty()) {
                    String flag = rest.remove(0);
                    switch (flag) {
                        case "--purge" -> o.purge = true;
                        case "--data-dir" -> o.dataDir = Path.of(value(flag, rest)).toAbsolutePath();
                        case "--dir" -> o.dir = Path.of(value(flag, rest)).toAbsolutePath();
                        case "--api-port" -> o.apiPort = port(flag, value(flag, rest));
                        case "--orchestrator-port" -> o.orchestratorPort = port(flag, value(flag, rest));
                        case "--port" -> o.port = port(flag, value(flag, rest));
                        case "--controller-port" -> o.controllerPort = port(flag, value(flag, rest));
                        case "--idle-timeout-seconds" -> o.idleTimeoutSeconds = Long.parseLong(value(flag, rest));
                        case "--max-workers" -> o.maxWorkers = positive(flag, value(flag, rest));
                        default -> throw new IllegalArgumentException("unknown option '" + flag + "'");
                    }
                }
            } catch (IllegalArgumentException e) {
                o.error = e.getMessage();
            }
            return o;
        }

        private static String value(String flag, List<String> rest) {
            if (rest.isEmpty()) {
                throw new IllegalArgumentException(flag + " needs a value");
            }
            return rest.remove(0);
        }

        private static int positive(String flag, String text) {
            try {
                int n = Integer.parseInt(text);
                if (n >= 1) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // said below
            }
            throw new IllegalArgumentException(flag + " must be a whole number of at least 1, got '" + text + "'");
        }

        private static int port(String flag, String text) {
            try {
                int port = Integer.parseInt(text);
                if (port < 1 || port > 65535) {
                    throw new NumberFormatException();
                }
                return port;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(flag + " must be a port number between 1 and 65535, not '" + text + "'");
            }
        }
    }
}
