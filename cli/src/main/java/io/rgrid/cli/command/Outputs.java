package io.rgrid.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import io.rgrid.cli.CliContext;
import io.rgrid.cli.http.ApiClient;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Downloads an attempt's outputs: {@code GET .../outputs}, then {@code GET .../outputs/{name}} for each. */
final class Outputs {

    private Outputs() {
    }

    /** @return the names downloaded (empty when the attempt stored none; no directory is created then) */
    static List<String> download(ApiClient api, CliContext context, String id, Integer attempt, Path dir) {
        JsonNode listing = api.outputs(id, attempt);
        List<String> names = new ArrayList<>();
        long bytes = 0;
        for (JsonNode output : listing.path("outputs")) {
            String name = output.path("name").asText();
            Path target = dir.resolve(name).normalize();
            if (name.isEmpty() || !target.startsWith(dir.normalize())) {
                continue; // never write outside DIR, whatever the server says
            }
            bytes += api.download(id, name, attempt, target);
            names.add(name);
        }
        if (!names.isEmpty()) {
            context.err().println("Downloaded " + names.size() + (names.size() == 1 ? " output" : " outputs")
                    + " (" + Sizes.human(bytes) + ") to " + dir);
        }
        return names;
    }
}
