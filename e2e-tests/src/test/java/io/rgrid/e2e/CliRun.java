package io.rgrid.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** One run of the real {@code ./rgrid} launcher, as a user would type it. */
record CliRun(int exitCode, String stdout, String stderr) {

    static CliRun run(Path repo, Map<String, String> env, Duration timeout, String... args) {
        List<String> command = new ArrayList<>();
        command.add(repo.resolve("rgrid").toString());
        command.addAll(List.of(args));
        try {
            Path out = Files.createTempFile("rgrid-e2e", ".out");
            Path err = Files.createTempFile("rgrid-e2e", ".err");
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(repo.toFile())
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            builder.environment().putAll(env);
            Process process = builder.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("rgrid " + String.join(" ", args) + " did not finish within " + timeout
                        + "\nstdout:\n" + Files.readString(out) + "\nstderr:\n" + Files.readString(err));
            }
            CliRun run = new CliRun(process.exitValue(), Files.readString(out), Files.readString(err));
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
            return run;
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\n--- stdout ---\n" + stdout + "--- stderr ---\n" + stderr;
    }
}
