package io.rgrid.hetzner.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The API's routes, resource by resource: a method and a path shape ({@code servers/{id}/actions})
 * to the {@link CloudState} call that answers it. A path no route has for its method is 404; an
 * {@code {id}} that is not a number is {@code invalid_input}, as the reference answers.
 */
final class Routes {

    /** What a route answers: a status, a JSON body (null for none) and a {@code Link} header (null for none). */
    record Response(int status, JsonNode body, String link) {
        Response(int status, JsonNode body) {
            this(status, body, null);
        }
    }

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Pattern ID = Pattern.compile("[0-9]{1,18}");
    private static final String ID_SEGMENT = "{id}";
    /** The reference's announcement of the removal of listing arbitrary actions. */
    private static final String ACTIONS_LIST_REMOVAL =
            "https://docs.hetzner.cloud/changelog#2025-01-30-listing-arbitrary-actions-in-the-actions-list-endpoint-is-removed";

    /** Answers a request whose path matched, given the path's ids in order. */
    private interface Handler {
        Response answer(Request req, long[] ids);
    }

    private record Route(String method, List<String> shape, Handler handler) {
        boolean matches(String method, List<String> segments) {
            if (!this.method.equals(method) || shape.size() != segments.size()) {
                return false;
            }
            for (int i = 0; i < shape.size(); i++) {
                if (!shape.get(i).equals(ID_SEGMENT) && !shape.get(i).equals(segments.get(i))) {
                    return false;
                }
            }
            return true;
        }

        long[] ids(List<String> segments) {
            List<Long> ids = new ArrayList<>();
            for (int i = 0; i < shape.size(); i++) {
                if (shape.get(i).equals(ID_SEGMENT)) {
                    ids.add(id(segments.get(i)));
                }
            }
            return ids.stream().mapToLong(Long::longValue).toArray();
        }
    }

    private final List<Route> routes = new ArrayList<>();

    Routes(CloudState state) {
        add("GET", "servers", (r, id) -> page(r, "servers", state.listServers(r)));
        add("POST", "servers", (r, id) -> new Response(201, state.createServer(r.requireBody())));
        // Before servers/{id}, which would take "actions" for an id.
        add("GET", "servers/actions", (r, id) -> page(r, "actions",
                state.allServerActions(r.params("id").stream().map(Routes::id).toList(), r)));
        add("GET", "servers/{id}", (r, id) -> ok(state.getServer(id[0])));
        add("PUT", "servers/{id}", (r, id) -> ok(state.updateServer(id[0], r.requireBody())));
        add("DELETE", "servers/{id}", (r, id) -> ok(state.deleteServer(id[0])));
        add("GET", "servers/{id}/actions", (r, id) -> page(r, "actions", state.serverActions(id[0], r)));
        add("GET", "servers/{id}/actions/{id}", (r, id) -> ok(state.serverAction(id[0], id[1])));

        add("GET", "actions", (r, id) -> ok(state.actions.byIds(actionIds(r))));
        add("GET", "actions/{id}", (r, id) -> ok(state.actions.get(id[0])));

        add("GET", "ssh_keys", (r, id) -> page(r, "ssh_keys", state.sshKeys.list(r)));
        add("POST", "ssh_keys", (r, id) -> new Response(201, state.sshKeys.create(r.requireBody())));
        add("GET", "ssh_keys/{id}", (r, id) -> ok(state.sshKeys.get(id[0])));
        add("PUT", "ssh_keys/{id}", (r, id) -> ok(state.sshKeys.update(id[0], r.requireBody())));
        add("DELETE", "ssh_keys/{id}", (r, id) -> {
            state.sshKeys.delete(id[0]);
            return new Response(204, null);
        });

        add("GET", "networks", (r, id) -> page(r, "networks", state.networks.list(r)));
        add("POST", "networks", (r, id) -> new Response(201, state.networks.create(r.requireBody())));
        add("GET", "networks/{id}", (r, id) -> ok(state.networks.get(id[0])));
        add("DELETE", "networks/{id}", (r, id) -> {
            state.networks.delete(id[0]);
            return new Response(204, null);
        });

        add("GET", "firewalls", (r, id) -> page(r, "firewalls", state.firewalls.list(r)));
        add("POST", "firewalls", (r, id) -> new Response(201, state.firewalls.create(r.requireBody())));
        add("GET", "firewalls/{id}", (r, id) -> ok(state.firewalls.get(id[0])));
        add("DELETE", "firewalls/{id}", (r, id) -> {
            state.firewalls.delete(id[0]);
            return new Response(204, null);
        });

        add("GET", "server_types", (r, id) -> page(r, "server_types", state.catalogReads.serverTypes(r)));
        add("GET", "server_types/{id}", (r, id) -> ok(state.catalogReads.serverType(id[0])));
        add("GET", "locations", (r, id) -> page(r, "locations", state.catalogReads.locations(r)));
        add("GET", "locations/{id}", (r, id) -> ok(state.catalogReads.location(id[0])));
        add("GET", "images", (r, id) -> page(r, "images", state.catalogReads.images(r)));
        add("GET", "images/{id}", (r, id) -> ok(state.catalogReads.image(id[0])));
    }

    Response answer(Request req) {
        for (Route route : routes) {
            if (route.matches(req.method(), req.segments())) {
                return route.handler().answer(req, route.ids(req.segments()));
            }
        }
        throw ApiError.notFound("not found");
    }

    private void add(String method, String shape, Handler handler) {
        routes.add(new Route(method, List.of(shape.split("/")), handler));
    }

    private static Response ok(JsonNode body) {
        return new Response(200, body);
    }

    private static Response page(Request req, String rootKey, List<ObjectNode> items) {
        Pagination.Page p = Pagination.page(req, rootKey, items);
        return new Response(200, p.body(), p.linkHeader());
    }

    /** {@code GET /actions} lists the actions named by {@code ?id=}; without one, the reference says it was removed. */
    private static List<Long> actionIds(Request req) {
        List<String> ids = req.params("id");
        if (ids.isEmpty()) {
            ObjectNode details = MAPPER.createObjectNode().put("announcement", ACTIONS_LIST_REMOVAL);
            throw new ApiError(ErrorCode.DEPRECATED_API_ENDPOINT, "API functionality was removed", details);
        }
        return ids.stream().map(Routes::id).toList();
    }

    private static long id(String text) {
        if (!ID.matcher(text).matches()) {
            throw ApiError.invalidInput("id", "must be an integer");
        }
        return Long.parseLong(text);
    }
}
