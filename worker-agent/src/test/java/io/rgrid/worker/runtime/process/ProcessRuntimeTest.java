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
}
