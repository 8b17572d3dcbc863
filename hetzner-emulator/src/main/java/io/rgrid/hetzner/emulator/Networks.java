package io.rgrid.hetzner.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.rgrid.hetzner.emulator.StateJson.F;
import static io.rgrid.hetzner.emulator.StateJson.array;
import static io.rgrid.hetzner.emulator.StateJson.labelsJson;
import static io.rgrid.hetzner.emulator.StateJson.sort;
import static io.rgrid.hetzner.emulator.StateJson.text;
import static io.rgrid.hetzner.emulator.StateJson.wrap;

/** The project's private networks ({@code /networks}) and the servers attached to them, under the state's lock. */
final class Networks {

    private static final class Subnet {
        String type;
        String ipRange;
        String networkZone;
        String gateway;
        Long vswitchId;
        int nextHost = 2;
    }

    static final class Network {
        long id;
        String name;
        String ipRange;
        List<Subnet> subnets = new ArrayList<>();
        ArrayNode routes;
        Set<Long> servers = new LinkedHashSet<>();
        Map<String, String> labels;
        Instant created;
        boolean exposeRoutesToVswitch;
    }

    private final Object lock;
    private final Map<Long, Network> networks = new LinkedHashMap<>();
    private long nextNetworkId = 3_000_001L;

    Networks(Object lock) {
        this.lock = lock;
    }

    ObjectNode create(JsonNode body) {
        synchronized (lock) {
            String name = text(body, "name");
            String ipRange = text(body, "ip_range");
            Map<String, List<String>> problems = new LinkedHashMap<>();
            if (name == null || name.isBlank()) {
                problems.put("name", List.of("is required"));
            }
            if (ipRange == null) {
                problems.put("ip_range", List.of("is required"));
            } else if (Cidr.parse(ipRange) == null || !Cidr.parse(ipRange).isPrivate() || Cidr.parse(ipRange).prefix() > 24) {
                problems.put("ip_range", List.of("must be a private IPv4 range (RFC 1918) of at least /24"));
            }
            if (!problems.isEmpty()) {
                throw ApiError.invalidInput(problems);
            }
            Map<String, String> labels = Labels.parse(body.get("labels"));
            if (networks.values().stream().anyMatch(n -> n.name.equals(name))) {
                throw ApiError.uniqueness("network name is already used", "name");
            }
            Cidr range = Cidr.parse(ipRange);
            Network n = new Network();
            n.name = name;
            n.ipRange = ipRange;
            n.labels = labels;
            for (JsonNode sn : array(body, "subnets")) {
                n.subnets.add(subnet(sn, range));
            }
            n.routes = body.has("routes") && body.get("routes").isArray() ? (ArrayNode) body.get("routes").deepCopy()
                    : F.arrayNode();
            n.exposeRoutesToVswitch = body.path("expose_routes_to_vswitch").asBoolean(false);
            n.id = nextNetworkId++;
            n.created = Instant.now();
            networks.put(n.id, n);
            return wrap("network", json(n));
        }
    }

    private static Subnet subnet(JsonNode sn, Cidr range) {
        Subnet sub = new Subnet();
        sub.type = sn.path("type").asText("cloud");
        sub.networkZone = sn.path("network_zone").asText(null);
        if (sub.networkZone == null || !Catalog.networkZones().contains(sub.networkZone)) {
            throw ApiError.invalidInput("subnets", "invalid network_zone");
        }
        String subRange = sn.path("ip_range").asText(null);
        Cidr c = subRange == null ? range.firstSlash24() : Cidr.parse(subRange);
        if (c == null || !range.contains(c)) {
            throw ApiError.invalidInput("subnets", "subnet ip_range must be inside the network's ip_range");
        }
        sub.ipRange = c.toString();
        sub.gateway = range.host(1);
        sub.vswitchId = sn.hasNonNull("vswitch_id") ? sn.get("vswitch_id").asLong() : null;
        return sub;
    }

    ObjectNode get(long id) {
        synchronized (lock) {
            return wrap("network", json(network(id)));
        }
    }

    void delete(long id) {
        synchronized (lock) {
            Network n = network(id);
            if (!n.servers.isEmpty()) {
                throw new ApiError(ErrorCode.CONFLICT, "network is still attached to servers");
            }
            networks.remove(id);
        }
    }

    List<ObjectNode> list(Request req) {
        synchronized (lock) {
            LabelSelector selector = LabelSelector.parse(req.param("label_selector"));
            String name = req.param("name");
            Comparator<Network> order = sort(req, Map.of(
                    "id", Comparator.comparingLong((Network n) -> n.id),
                    "name", Comparator.comparing((Network n) -> n.name),
                    "created", Comparator.comparing((Network n) -> n.created)));
            return networks.values().stream()
                    .filter(n -> name == null || n.name.equals(name))
                    .filter(n -> selector.test(n.labels))
                    .sorted(order)
                    .map(Networks::json).toList();
        }
    }

    /** The network a server create names, which must have a subnet in the server's zone. */
    Network forServer(JsonNode ref, String networkZone) {
        Network n = ref.canConvertToLong() ? networks.get(ref.asLong()) : null;
        if (n == null) {
            throw ApiError.invalidInput("networks", "network " + ref.asText() + " not found");
        }
        if (subnetFor(n, networkZone) == null) {
            throw ApiError.invalidInput("networks", "network " + n.id + " has no subnet in network zone " + networkZone);
        }
        return n;
    }

    /** Attaches a server: the next host address of the network's subnet in {@code networkZone}. */
    static String attach(Network n, long serverId, String networkZone) {
        Subnet sub = subnetFor(n, networkZone);
        n.servers.add(serverId);
        return Cidr.parse(sub.ipRange).host(sub.nextHost++);
    }

    void detach(long serverId) {
        networks.values().forEach(n -> n.servers.remove(serverId));
    }

    private Network network(long id) {
        Network n = networks.get(id);
        if (n == null) {
            throw ApiError.notFound("network with ID '" + id + "' not found");
        }
        return n;
    }

    private static Subnet subnetFor(Network n, String zone) {
        return n.subnets.stream().filter(s -> s.networkZone.equals(zone)).findFirst().orElse(null);
    }

    private static ObjectNode json(Network n) {
        ObjectNode o = F.objectNode();
        o.put("id", n.id);
        o.put("name", n.name);
        o.put("ip_range", n.ipRange);
        ArrayNode subs = o.putArray("subnets");
        for (Subnet s : n.subnets) {
            ObjectNode so = subs.addObject();
            so.put("type", s.type);
            so.put("ip_range", s.ipRange);
            so.put("network_zone", s.networkZone);
            so.put("gateway", s.gateway);
            if (s.vswitchId == null) {
                so.putNull("vswitch_id");
            } else {
                so.put("vswitch_id", s.vswitchId);
            }
        }
        o.set("routes", n.routes.deepCopy());
        ArrayNode srv = o.putArray("servers");
        n.servers.forEach(srv::add);
        o.putArray("load_balancers");
        o.putObject("protection").put("delete", false);
        o.set("labels", labelsJson(n.labels));
        o.put("created", Times.format(n.created));
        o.put("expose_routes_to_vswitch", n.exposeRoutesToVswitch);
        return o;
    }
}
