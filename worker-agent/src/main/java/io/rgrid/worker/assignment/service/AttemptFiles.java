package io.rgrid.worker.assignment.service;

import io.rgrid.model.agent.Assignment;
import io.rgrid.model.agent.StorageAccess;
import io.rgrid.model.storage.OutputNames;
import io.rgrid.worker.runtime.RunRequest;
import io.rgrid.worker.storage.ExecutionStorage;
import io.rgrid.worker.storage.ExecutionStorage.StorageException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * An attempt's files in its work directory: the script, inputs and requirements.txt fetched in
 * before the run, the outputs found after it.
 */
final class AttemptFiles {

    /** Names an input may not take in /work, because the agent's own files live there. */
    private static final Set<String> RESERVED = Set.of(RunRequest.SCRIPT, RunRequest.INPUTS, RunRequest.OUTPUTS,
            RunRequest.REQUIREMENTS, RunRequest.DEPS);

    /** A file to store and its output name: its path below outputs/, with '/' between folders. */
    record OutputFile(Path path, String name) {
    }

    /**
     * The files to upload: every regular file under outputs/ whose name keeps {@link OutputNames}'
     * rule, or why none is stored because they are over the file or byte limit.
     */
    record OutputScan(List<OutputFile> files, String overLimit) {
    }

    private AttemptFiles() {
    }

    /**
     * Fetches the script, inputs and requirements.txt into the (existing, empty) attempt directory,
     * each file tried again while the store does not answer ({@code retries}): an outage of the
     * store as the attempt starts delays it rather than failing it. A refusal (an object that is
     * not there, an expired URL) fails it at once.
     */
    static void fetch(ExecutionStorage storage, Assignment assignment, Path dir, StoreRetries retries)
            throws StorageException, IOException {
        StorageAccess access = assignment.storage();
        Path script = dir.resolve(RunRequest.SCRIPT);
        retries.run(() -> storage.download(access.scriptUrl(), script, "the script " + assignment.scriptKey()));
        for (Map.Entry<String, String> input : access.inputUrls().entrySet()) {
            Path file = dir.resolve(RunRequest.INPUTS).resolve(input.getKey());
            String what = "input " + assignment.inputKeys().get(input.getKey());
            retries.run(() -> storage.download(input.getValue(), file, what));
            // Scripts commonly open their inputs by bare name, so /work (the working dir) has them too.
            if (!RESERVED.contains(input.getKey())) {
                Path alias = dir.resolve(input.getKey());
                try {
                    Files.createLink(alias, file);
                } catch (IOException | UnsupportedOperationException e) {
                    Files.copy(file, alias);
                }
            }
        }
        if (access.requirementsUrl() != null) {
            Path requirements = dir.resolve("requirements.txt");
            retries.run(() -> storage.download(access.requirementsUrl(), requirements, assignment.requirementsKey()));
        }
    }

    /**
     * Walks outputs/ without following links. Symbolic links, and files whose name breaks the rule
     * (here: a backslash, as in a file named {@code ..\..\x}, the only way a '..' gets into a name
     * on Linux), are not stored, each with a line in the log; the rest is, and the run ends as the
     * script ended.
     */
    static OutputScan scanOutputs(Path outputs, AttemptLog log, int maxFiles, long maxBytes) throws IOException {
        if (!Files.isDirectory(outputs, LinkOption.NOFOLLOW_LINKS)) {
            return new OutputScan(List.of(), null);
        }
        List<Path> found;
        try (Stream<Path> walk = Files.walk(outputs)) {
            found = walk.filter(p -> !p.equals(outputs)).sorted().toList();
        }
        List<OutputFile> files = new ArrayList<>();
        long bytes = 0;
        for (Path path : found) {
            String name = outputName(outputs, path);
            if (Files.isSymbolicLink(path)) {
                log.system("outputs/" + OutputNames.printable(name) + " is a symbolic link: not followed, not stored");
            } else if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
                String problem = OutputNames.problem(name);
                if (problem != null) {
                    log.system("output not stored: " + problem
                            + " (an output name may not be absolute, have a '..' segment or contain a backslash)");
                } else {
                    files.add(new OutputFile(path, name));
                    bytes += Files.size(path);
                }
            }
        }
        if (files.size() > maxFiles || bytes > maxBytes) {
            return new OutputScan(List.of(), String.format(Locale.ROOT,
                    "outputs over the limit: %d files of %d bytes in total "
                            + "(this worker stores at most %d files and %d bytes); no output was stored",
                    files.size(), bytes, maxFiles, maxBytes));
        }
        return new OutputScan(files, null);
    }

    /** The path of {@code file} below {@code outputs}, segment by segment: a backslash in a file name stays one. */
    private static String outputName(Path outputs, Path file) {
        StringBuilder name = new StringBuilder();
        for (Path segment : outputs.relativize(file)) {
            name.append(name.isEmpty() ? "" : "/").append(segment);
        }
        return name.toString();
    }
}
