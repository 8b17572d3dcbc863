package io.rgrid.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import io.rgrid.cli.http.ApiClient;
import io.rgrid.model.storage.OutputNames;

import java.io.PrintStream;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Downloads an attempt's outputs: {@code GET .../outputs}, then {@code GET .../outputs/{name}} for
 * each, sub-folders kept ({@code sub/b.txt} → {@code DIR/sub/b.txt}). A name that could land
 * outside DIR (absolute, a {@code ..} segment, a backslash) is refused with a line on stderr and
 * the others are downloaded: nothing is ever written outside DIR, whatever the server lists.
 */
final class Outputs {

    private Outputs() {
    }

    /**
     * What a download did.
     *
     * @param names  the outputs downloaded (none: no directory was created)
     * @param bytes  their size together
     * @param listed how many outputs the attempt stored, refused ones included
     */
    record Downloaded(List<String> names, long bytes, int listed) {

        /** Prints {@code Downloaded N outputs (size) to DIR} when there were any. */
        void announce(PrintStream err, Path dir) {
            if (!names.isEmpty()) {
                err.println("Downloaded " + names.size() + (names.size() == 1 ? " output" : " outputs")
                        + " (" + Sizes.human(bytes) + ") to " + dir);
            }
        }
    }

    static Downloaded download(ApiClient api, PrintStream err, String id, Integer attempt, Path dir) {
        JsonNode listing = api.outputs(id, attempt);
        Path root = dir.toAbsolutePath().normalize();
        List<String> names = new ArrayList<>();
        long bytes = 0;
        int listed = 0;
        for (JsonNode output : listing.path("outputs")) {
            listed++;
            String name = output.path("name").asText();
            String refused = refusal(root, name);
            if (refused != null) {
                err.println("rgrid: not downloading an output: " + refused + "; nothing is written outside " + dir);
                continue;
            }
            bytes += api.download(id, name, attempt, root.resolve(name));
            names.add(name);
        }
        return new Downloaded(names, bytes, listed);
    }

    /** @return why {@code name} is not written below {@code root}, or null when it is written there */
    private static String refusal(Path root, String name) {
        String problem = OutputNames.problem(name);
        if (problem != null) {
            return problem;
        }
        try {
            // What the rule leaves to the platform, e.g. a drive-relative "C:x" on Windows.
            if (!root.resolve(name).normalize().startsWith(root)) {
                return "'" + OutputNames.printable(name) + "' would be written outside it";
            }
        } catch (InvalidPathException e) {
            return "'" + OutputNames.printable(name) + "' is not a file name on this system";
        }
        return null;
    }
}
