package io.rgrid.e2e.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs one of the repository's operator scripts and keeps its combined output for assertions. */
record DeployProcess(int exitCode, String output) {

    static DeployProcess run(Path workDir, Map<String, String> env, Duration timeout, List<String> command)
            throws IOException, InterruptedException {
        Path log = Files.createTempFile("rgrid-deploy", ".log");
        try {
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(workDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            builder.environment().putAll(env);
            Process process = builder.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroy);
                process.destroy();
                process.waitFor(10, TimeUnit.SECONDS);
                process.destroyForcibly();
                return new DeployProcess(-1, "timed out after " + timeout + ":\n" + Files.readString(log, StandardCharsets.UTF_8));
            }
            return new DeployProcess(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /** CI (CI=true) must run every deployment check; a developer's machine may lack the tools. */
    static boolean required() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\n" + output;
    }
}
