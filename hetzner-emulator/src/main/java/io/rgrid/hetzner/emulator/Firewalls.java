package io.rgrid.hetzner.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rgrid.hetzner.emulator.Actions.Action;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongFunction;

import static io.rgrid.hetzner.emulator.StateJson.F;
import static io.rgrid.hetzner.emulator.StateJson.array;
import static io.rgrid.hetzner.emulator.StateJson.labelsJson;
import static io.rgrid.hetzner.emulator.StateJson.sort;
import static io.rgrid.hetzner.emulator.StateJson.text;
import static io.rgrid.hetzner.emulator.StateJson.wrap;

/** The project's firewalls ({@code /firewalls}) and the servers they apply to, under the state's lock. */
final class Firewalls {

    static final class Firewall {
        long id;
        String name;
        Map<String, String> labels;
        Instant created;
        ArrayNode rules;
        Set<Long> servers = new LinkedHashSet<>();
    }

    private final Object lock;
    private final Actions actions;
    /** The server with an id, or null. */
    private final LongFunction<Server> servers;
    private final Map<Long, Firewall> firewalls = new LinkedHashMap<>();
    private long nextFirewallId = 1_000_001L;

    Firewalls(Object lock, Actions actions, LongFunction<Server> servers) {
        this.lock = lock;
        this.actions = actions;
        this.servers = servers;
    }

    ObjectNode create(JsonNode body) {
        synchronized (lock) {
            String name = text(body, "name");
            if (name == null || name.isBlank()) {
                throw ApiError.invalidInput("name", "is required");
            }
            if (name.length() > 128) {
                throw ApiError.invalidInput("name", "is too long");
            }
            Map<String, String> labels = Labels.parse(body.get("labels"));
            ArrayNode rules = rules(array(body, "rules"));
            List<Server> applyTo = new ArrayList<>();
            for (JsonNode a : array(body, "apply_to")) {
                if (!a.path("type").asText().equals("server")) {
                    throw ApiError.invalidInput("apply_to", "only type 'server' is emulated");
                }
                long sid = a.path("server").path("id").asLong(-1);
                Server s = servers.apply(sid);
                if (s == null) {
                    throw new ApiError(ErrorCode.NOT_FOUND, "server with ID '" + sid + "' not found");
                }
                applyTo.add(s);
            }
            if (firewalls.values().stream().anyMatch(f -> f.name.equals(name))) {
                throw ApiError.uniqueness("firewall name is already used", "name");
            }
            Firewall fw = new Firewall();
            fw.id = nextFirewallId++;
            fw.name = name;
            fw.labels = labels;
            fw.created = Instant.now();
            fw.rules = rules;
            firewalls.put(fw.id, fw);
            ObjectNode res = F.objectNode();
            ArrayNode acts = F.arrayNode();
            Action set = actions.start("set_firewall_rules", fw.created, "firewall", fw.id);
            Actions.finish(set, null);
            acts.add(Actions.json(set));
            for (Server s : applyTo) {
                fw.servers.add(s.id);
                s.firewallIds.add(fw.id);
                Action apply = actions.start("apply_firewall", fw.created, "server", s.id);
                apply.resources.add(new long[] {fw.id});
                apply.resourceTypes.add("firewall");
                Actions.finish(apply, null);
                acts.add(Actions.json(apply));
            }
            res.set("firewall", json(fw));
            res.set("actions", acts);
            return res;
        }
    }

    private static ArrayNode rules(List<JsonNode> requested) {
        ArrayNode rules = F.arrayNode();
        if (requested.size() > 50) {
            throw ApiError.invalidInput("rules", "at most 50 rules");
        }
        for (JsonNode r : requested) {
            String direction = r.path("direction").asText("");
            String protocol = r.path("protocol").asText("");
            if (!direction.equals("in") && !direction.equals("out")) {
                throw ApiError.invalidInput("rules", "direction must be 'in' or 'out'");
            }
            if (!Set.of("tcp", "udp", "icmp", "esp", "gre").contains(protocol)) {
                throw ApiError.invalidInput("rules", "invalid protocol");
            }
            ObjectNode rule = rules.addObject();
            if (r.hasNonNull("description")) {
                rule.put("description", r.get("description").asText());
            } else {
                rule.putNull("description");
            }
            rule.put("direction", direction);
            rule.set("source_ips", r.has("source_ips") ? r.get("source_ips").deepCopy() : F.arrayNode());
            rule.set("destination_ips", r.has("destination_ips") ? r.get("destination_ips").deepCopy() : F.arrayNode());
            rule.put("protocol", protocol);
            if (r.hasNonNull("port")) {
                rule.put("port", r.get("port").asText());
            } else {
                rule.putNull("port");
            }
        }
        return rules;
    }

    ObjectNode get(long id) {
        synchronized (lock) {
            return wrap("firewall", json(firewall(id)));
        }
    }

    void delete(long id) {
        synchronized (lock) {
            Firewall fw = firewall(id);
            if (!fw.servers.isEmpty()) {
                throw new ApiError(ErrorCode.RESOURCE_IN_USE, "firewall is still applied to servers");
            }
            firewalls.remove(id);
        }
    }

    List<ObjectNode> list(Request req) {
        synchronized (lock) {
            LabelSelector selector = LabelSelector.parse(req.param("label_selector"));
            String name = req.param("name");
            Comparator<Firewall> order = sort(req, Map.of(
                    "id", Comparator.comparingLong((Firewall f) -> f.id),
                    "name", Comparator.comparing((Firewall f) -> f.name),
                    "created", Comparator.comparing((Firewall f) -> f.created)));
            return firewalls.values().stream()
                    .filter(f -> name == null || f.name.equals(name))
                    .filter(f -> selector.test(f.labels))
                    .sorted(order)
                    .map(Firewalls::json).toList();
        }
    }

    /** The firewall a server create names ({@code {"firewall": id}}); {@code invalid_input} when there is none. */
    Firewall forServer(JsonNode ref) {
        JsonNode idNode = ref.get("firewall");
        Firewall fw = idNode != null && idNode.canConvertToLong() ? firewalls.get(idNode.asLong()) : null;
        if (fw == null) {
            throw ApiError.invalidInput("firewalls", "firewall " + ref + " not found");
        }
        return fw;
    }

    void detach(long serverId) {
        firewalls.values().forEach(f -> f.servers.remove(serverId));
    }

    private Firewall firewall(long id) {
        Firewall f = firewalls.get(id);
        if (f == null) {
            throw ApiError.notFound("firewall with ID '" + id + "' not found");
        }
        return f;
    }

    private static ObjectNode json(Firewall fw) {
        ObjectNode o = F.objectNode();
        o.put("id", fw.id);
        o.put("name", fw.name);
        o.set("labels", labelsJson(fw.labels));
        o.put("created", Times.format(fw.created));
        o.set("rules", fw.rules.deepCopy());
        ArrayNode applied = o.putArray("applied_to");
        for (long sid : fw.servers) {
            ObjectNode a = applied.addObject();
            a.put("type", "server");
            a.putObject("server").put("id", sid);
        }
        return o;
    }
}
