package io.rgrid.hetzner.emulator;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import static io.rgrid.hetzner.emulator.StateJson.F;
import static io.rgrid.hetzner.emulator.StateJson.sort;
import static io.rgrid.hetzner.emulator.StateJson.wrap;

/** The project's actions: what a change started, its progress and its outcome. Used under the state's lock. */
final class Actions {

    static final class Action {
        long id;
        String command;
        String status = "running";
        int progress;
        Instant started;
        Instant finished;
        List<long[]> resources = new ArrayList<>();
        List<String> resourceTypes = new ArrayList<>();
        String errorCode;
        String errorMessage;

        boolean touches(String type, long id) {
            for (int i = 0; i < resources.size(); i++) {
                if (resourceTypes.get(i).equals(type) && resources.get(i)[0] == id) {
                    return true;
                }
            }
            return false;
        }
    }

    private final Object lock;
    private final Map<Long, Action> actions = new LinkedHashMap<>();
    private long nextActionId = 50_000_001L;

    Actions(Object lock) {
        this.lock = lock;
    }

    Action start(String command, Instant now, String resourceType, long resourceId) {
        Action a = new Action();
        a.id = nextActionId++;
        a.command = command;
        a.started = now;
        a.resources.add(new long[] {resourceId});
        a.resourceTypes.add(resourceType);
        actions.put(a.id, a);
        return a;
    }

    static void finish(Action a, String errorCode) {
        if (!a.status.equals("running")) {
            return;
        }
        a.finished = Instant.now();
        if (errorCode == null) {
            a.status = "success";
            a.progress = 100;
        } else {
            a.status = "error";
            a.errorCode = errorCode;
            a.errorMessage = "Action failed";
        }
    }

    /** Ends every running action on a server in {@code errorCode}: they can never finish. */
    void failRunning(long serverId, String errorCode) {
        actions.values().stream().filter(a -> a.status.equals("running") && a.touches("server", serverId))
                .forEach(a -> finish(a, errorCode));
    }

    ObjectNode get(long id) {
        synchronized (lock) {
            Action a = actions.get(id);
            if (a == null) {
                throw ApiError.notFound("action with ID '" + id + "' not found");
            }
            return wrap("action", json(a));
        }
    }

    ObjectNode byIds(List<Long> ids) {
        synchronized (lock) {
            ObjectNode res = F.objectNode();
            ArrayNode arr = res.putArray("actions");
            for (long id : ids) {
                Action a = actions.get(id);
                if (a != null) {
                    arr.add(json(a));
                }
            }
            return res;
        }
    }

    /** A server's actions; the caller has checked that the server exists. */
    List<ObjectNode> ofServer(long serverId, Request req) {
        return ofServers(req, a -> a.touches("server", serverId));
    }

    /**
     * {@code GET /servers/actions}: the actions of every server, deleted ones included (a delete
     * action outlives its server), filtered by {@code ?id=} and {@code ?status=}.
     */
    List<ObjectNode> ofAllServers(List<Long> ids, Request req) {
        return ofServers(req, a -> a.resourceTypes.contains("server") && (ids.isEmpty() || ids.contains(a.id)));
    }

    private List<ObjectNode> ofServers(Request req, Predicate<Action> which) {
        List<String> statuses = req.params("status");
        for (String st : statuses) {
            if (!Set.of("running", "success", "error").contains(st)) {
                throw ApiError.invalidInput("status", "invalid status '" + st + "'");
            }
        }
        Comparator<Action> order = sort(req, Map.of(
                "id", Comparator.comparingLong((Action a) -> a.id),
                "command", Comparator.comparing((Action a) -> a.command),
                "status", Comparator.comparing((Action a) -> a.status),
                "started", Comparator.comparing((Action a) -> a.started),
                "finished", Comparator.comparing((Action a) -> a.finished,
                        Comparator.nullsLast(Comparator.naturalOrder()))));
        return actions.values().stream()
                .filter(which)
                .filter(a -> statuses.isEmpty() || statuses.contains(a.status))
                .sorted(order)
                .map(Actions::json).toList();
    }

    /** One action of a server; the caller has checked that the server exists. */
    ObjectNode ofServer(long serverId, long actionId) {
        Action a = actions.get(actionId);
        if (a == null || !a.touches("server", serverId)) {
            throw ApiError.notFound("action with ID '" + actionId + "' not found");
        }
        return wrap("action", json(a));
    }

    static ObjectNode json(Action a) {
        ObjectNode n = F.objectNode();
        n.put("id", a.id);
        n.put("command", a.command);
        n.put("status", a.status);
        n.put("started", Times.format(a.started));
        if (a.finished == null) {
            n.putNull("finished");
        } else {
            n.put("finished", Times.format(a.finished));
        }
        n.put("progress", a.progress);
        ArrayNode res = n.putArray("resources");
        for (int i = 0; i < a.resources.size(); i++) {
            res.addObject().put("id", a.resources.get(i)[0]).put("type", a.resourceTypes.get(i));
        }
        if (a.errorCode == null) {
            n.putNull("error");
        } else {
            n.putObject("error").put("code", a.errorCode).put("message", a.errorMessage);
        }
        return n;
    }
}
