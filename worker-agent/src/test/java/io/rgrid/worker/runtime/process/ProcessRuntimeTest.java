package io.rgrid.worker.runtime.process;

import io.rgrid.model.event.LogStream;
import io.rgrid.worker.runtime.ContainerRuntime;
import io.rgrid.worker.runtime.ContainerRuntimeContract;
import io.rgrid.worker.runtime.RunResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The contract against python3 child processes (needs python3 on the PATH). */
class ProcessRuntimeTest extends ContainerRuntimeContract {

    private static ProcessRuntime runtime;

    @BeforeAll
    static void startRuntime() {
        runtime = new ProcessRuntime("python3");
    }

    @Override
    protected ContainerRuntime runtime() {
        return runtime;
    }

    @Test
    void agentEnvironmentIsNotInherited() throws Exception {
        Output output = new Output();
        RunResult result = runtime.run(request(workDir("""
                import os
                print(sorted(k for k in os.environ if k not in ('LC_CTYPE',)))
                """), Duration.ofSeconds(30), List.of(), Map.of("MINE", "1"), 256), output);
        assertThat(result.exitCode()).as(output.of(LogStream.STDERR)).isZero();
        assertThat(output.of(LogStream.STDOUT)).isEqualTo(
                "['HOME', 'LANG', 'MINE', 'PATH', 'PYTHONDONTWRITEBYTECODE', 'PYTHONUNBUFFERED', 'RGRID_WORK_DIR']\n");
    }

    @Test
    void networkNoneCutsTheScriptOffWhereTheHostAllows() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(runtime.enforcesNetworkNone(),
                "this host cannot create network namespaces (unshare --net)");
        try (java.net.ServerSocket listener = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            String script = """
                    import socket
                    try:
                        socket.create_connection(('127.0.0.1', %d), timeout=2).close()
                        print('connected')
                    except OSError:
                        print('no network')
                    """.formatted(listener.getLocalPort());
            Output none = new Output();
            runtime.run(request(workDir(script), Duration.ofSeconds(30)), none);
            assertThat(none.of(LogStream.STDOUT)).isEqualTo("no network\n");
            Output bridge = new Output();
            runtime.run(new io.rgrid.worker.runtime.RunRequest("test-" + java.util.UUID.randomUUID(), workDir(script),
                    IMAGE, List.of(), Map.of(), 1.0, 256, Duration.ofSeconds(30), io.rgrid.model.NetworkMode.BRIDGE,
                    Map.of()), bridge);
            assertThat(bridge.of(LogStream.STDOUT)).isEqualTo("connected\n");
        }
    }
}
