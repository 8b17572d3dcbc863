package io.rgrid.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.rgrid.cli.core.ExitCodes;
import io.rgrid.cli.http.ApiClient;
import io.rgrid.model.Json;
import io.rgrid.model.api.ApiPaths;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code rgrid list}: the caller's executions, newest first, following the API's cursor pages up to --limit. */
@Command(name = "list",
        description = "List your executions, newest first.",
        footerHeading = "%n",
        footer = {"Examples:",
                "  rgrid list --state RUNNING --state QUEUED",
                "  rgrid list --label team=ml --limit 200",
                "  rgrid list --state FAILED --json | jq -r '.[].id'"})
public final class ListCommand extends CommandSupport implements Callable<Integer> {

    /** The API's largest page. */
    private static final int MAX_PAGE = 500;
    private static final DateTimeFormatter LOCAL_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());

    @Option(names = {"-s", "--state"}, paramLabel = "STATE", split = ",",
            description = "Only these states (QUEUED, ASSIGNED, RUNNING, SUCCEEDED, FAILED, TIMED_OUT, CANCELLED, LOST). Repeatable.")
    List<String> states = new ArrayList<>();

    @Option(names = {"-l", "--label"}, paramLabel = "KEY=VALUE", description = "Only executions with this label. Repeatable.")
    Map<String, String> labels = new LinkedHashMap<>();

    @Option(names = {"-n", "--limit"}, paramLabel = "N", converter = RunOptions.PositiveInt.class,
            description = "At most N executions (default: 20).")
    int limit = 20;

    @Option(names = "--json", description = "Print a JSON array of executions (the API's view of each).")
    boolean json;

    @Override
    public Integer call() {
        ApiClient api = api();
        ArrayNode items = Json.mapper().createArrayNode();
        String cursor = null;
        do {
            int page = Math.min(MAX_PAGE, limit - items.size());
            StringBuilder query = new StringBuilder(ApiPaths.EXECUTIONS).append("?limit=").append(page);
            for (String state : states) {
                query.append("&state=").append(encode(state.strip().toUpperCase(Locale.ROOT)));
            }
            labels.forEach((k, v) -> query.append("&label=").append(encode(k + "=" + v)));
            if (cursor != null) {
                query.append("&cursor=").append(encode(cursor));
            }
            JsonNode answer = api.getJson(query.toString(), null);
            for (JsonNode item : answer.path("items")) {
                if (items.size() < limit) {
                    items.add(item);
                }
            }
            JsonNode next = answer.path("nextCursor");
            cursor = next.isTextual() && !next.asText().isEmpty() ? next.asText() : null;
        } while (cursor != null && items.size() < limit);
        if (json) {
            JsonOut.print(context().out(), items);
            return ExitCodes.OK;
        }
        if (items.isEmpty()) {
            context().err().println("No executions" + (states.isEmpty() && labels.isEmpty() ? "" : " match"));
            return ExitCodes.OK;
        }
        context().out().printf(Locale.ROOT, "%-36s  %-16s  %-19s  %-8s  %s%n", "ID", "STATE", "CREATED", "ATTEMPT", "SCRIPT");
        for (JsonNode item : items) {
            String state = item.path("state").asText();
            if ("FAILED".equals(state) && item.hasNonNull("exitCode")) {
                state += " (" + item.get("exitCode").asInt() + ")";
            }
            String created = item.hasNonNull("createdAt") ? LOCAL_TIME.format(Instant.parse(item.get("createdAt").asText())) : "";
            context().out().printf(Locale.ROOT, "%-36s  %-16s  %-19s  %-8s  %s%n", item.path("id").asText(), state, created,
                    item.path("attempt").asText(), item.path("scriptName").asText(""));
        }
        if (cursor != null) {
            context().err().println("(more: rgrid list --limit " + Math.min(limit * 2, 10_000) + ")");
        }
        return ExitCodes.OK;
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
