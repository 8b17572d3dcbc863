package io.rgrid.cli;

import io.rgrid.model.config.ClientConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The fixture the in-process command-line tests share: a {@link FakeApi}, the environment the CLI
 * sees (its config directory under the test's temporary directory, and the fake's URL and key),
 * a one-line Python script to submit, and the real command line run against them
 * ({@link CliRun}). Open one per test and close it afterwards (it stops the fake).
 */
final class CliFixture implements AutoCloseable {

    private final Path dir;
    private final FakeApi api;
    private final Map<String, String> env = new HashMap<>();
    private final Path script;

    private CliFixture(Path dir, FakeApi api, Path script) {
        this.dir = dir;
        this.api = api;
        this.script = script;
        env.put("XDG_CONFIG_HOME", dir.resolve("config").toString());
        env.put(ClientConfig.ENV_API_URL, api.url());
        env.put(ClientConfig.ENV_API_KEY, FakeApi.KEY);
    }

    /**
     * Starts a fake API and writes {@code print('hello')} to {@code scriptPath} (relative to
     * {@code dir}, parent directories created).
     */
    static CliFixture start(Path dir, String scriptPath) throws IOException {
        FakeApi api = new FakeApi();
        try {
            return new CliFixture(dir, api, writeFile(dir, scriptPath, "print('hello')\n"));
        } catch (IOException | RuntimeException e) {
            api.close();
            throw e;
        }
    }

    FakeApi api() {
        return api;
    }

    /** The environment the CLI runs with; tests may change it (e.g. remove the key). */
    Map<String, String> env() {
        return env;
    }

    Path script() {
        return script;
    }

    /** Runs the command line in-process with {@link #env()}. */
    CliRun rgrid(String... args) {
        return CliRun.run(env, args);
    }

    /** Writes {@code content} to {@code name} under the temporary directory, parent directories created. */
    Path file(String name, String content) throws IOException {
        return writeFile(dir, name, content);
    }

    /** The parts of the {@code submission}-th submission, each as {@code name:fileName}. */
    List<String> partNames(int submission) {
        return api.submissions.get(submission).parts().stream().map(p -> p.name() + ":" + p.fileName()).toList();
    }

    private static Path writeFile(Path dir, String name, String content) throws IOException {
        Path path = dir.resolve(name);
        Files.createDirectories(path.getParent());
        return Files.writeString(path, content);
    }

    @Override
    public void close() {
        api.close();
    }
}
