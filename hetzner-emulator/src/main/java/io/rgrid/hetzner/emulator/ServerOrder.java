package io.rgrid.hetzner.emulator;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static io.rgrid.hetzner.emulator.StateJson.array;
import static io.rgrid.hetzner.emulator.StateJson.idOrName;
import static io.rgrid.hetzner.emulator.StateJson.text;

/**
 * A {@code POST /servers} body, checked field by field as the reference does (under the state's
 * lock: it resolves SSH keys, networks and firewalls): what is left for {@link CloudState} to
 * check are the project-wide rules (name taken, limit, availability).
 */
record ServerOrder(String name, Catalog.ServerType type, Catalog.Image image, Catalog.Location location,
                   Map<String, String> labels, List<Long> keyIds, List<Networks.Network> networks,
                   List<Firewalls.Firewall> firewalls, String userData, boolean startAfterCreate,
                   boolean enableIpv4, boolean enableIpv6) {

    /** RFC 1123 hostname: dot-separated labels of letters, digits and dashes, not starting or ending with a dash. */
    static final Pattern HOSTNAME =
            Pattern.compile("(?=.{1,253}$)([a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)(\\.[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)*");
    private static final int USER_DATA_LIMIT = 32 * 1024;

    /** @param onMachines servers are machines on a private network, so one must be named */
    static ServerOrder read(JsonNode body, Catalog catalog, SshKeys sshKeys, Networks networks, Firewalls firewalls,
                            boolean onMachines) {
        Map<String, List<String>> problems = new LinkedHashMap<>();
        String name = text(body, "name");
        String typeRef = idOrName(body, "server_type");
        String imageRef = idOrName(body, "image");
        if (name == null) {
            problems.put("name", List.of("is required"));
        } else if (!HOSTNAME.matcher(name).matches()) {
            problems.put("name", List.of("must be a valid hostname"));
        }
        if (typeRef == null) {
            problems.put("server_type", List.of("is required"));
        }
        if (imageRef == null) {
            problems.put("image", List.of("is required"));
        }
        if (!problems.isEmpty()) {
            throw ApiError.invalidInput(problems);
        }
        Catalog.ServerType type = catalog.serverType(typeRef)
                .orElseThrow(() -> ApiError.invalidInput("server_type", "server type not found"));
        Catalog.Image image = catalog.image(imageRef)
                .orElseThrow(() -> ApiError.invalidInput("image", "image not found"));
        Catalog.Location location = location(body, catalog);
        if (!type.offeredIn(location.name())) {
            throw ApiError.invalidInput("server_type",
                    "server type " + type.name() + " is not supported in location " + location.name());
        }
        Map<String, String> labels = Labels.parse(body.get("labels"));
        List<Long> keyIds = new ArrayList<>();
        for (JsonNode ref : array(body, "ssh_keys")) {
            keyIds.add(sshKeys.idOf(ref.asText()));
        }
        List<Networks.Network> nets = new ArrayList<>();
        for (JsonNode ref : array(body, "networks")) {
            nets.add(networks.forServer(ref, location.networkZone()));
        }
        List<Firewalls.Firewall> fws = new ArrayList<>();
        for (JsonNode ref : array(body, "firewalls")) {
            fws.add(firewalls.forServer(ref));
        }
        String userData = text(body, "user_data");
        if (userData != null && userData.getBytes(StandardCharsets.UTF_8).length > USER_DATA_LIMIT) {
            throw ApiError.invalidInput("user_data", "is too long");
        }
        boolean startAfterCreate = !body.has("start_after_create") || body.get("start_after_create").asBoolean(true);
        JsonNode publicNet = body.path("public_net");
        boolean enableIpv4 = publicNet.path("enable_ipv4").asBoolean(true);
        boolean enableIpv6 = publicNet.path("enable_ipv6").asBoolean(true);
        if (!enableIpv4 && !enableIpv6 && nets.isEmpty()) {
            throw ApiError.invalidInput("public_net", "a server without public addresses must be attached to a network");
        }
        if (onMachines && nets.isEmpty()) {
            throw ApiError.invalidInput("networks",
                    "servers here are machines on a private network: attach the server to a network");
        }
        return new ServerOrder(name, type, image, location, labels, keyIds, nets, fws, userData, startAfterCreate,
                enableIpv4, enableIpv6);
    }

    private static Catalog.Location location(JsonNode body, Catalog catalog) {
        String locationRef = idOrName(body, "location");
        String datacenterRef = idOrName(body, "datacenter");
        if (locationRef != null && datacenterRef != null) {
            throw ApiError.invalidInput("location", "must not be used together with datacenter");
        }
        if (datacenterRef != null) {
            return catalog.locationByDatacenter(datacenterRef)
                    .orElseThrow(() -> ApiError.invalidInput("datacenter", "datacenter not found"));
        }
        if (locationRef != null) {
            return catalog.location(locationRef)
                    .orElseThrow(() -> ApiError.invalidInput("location", "location not found"));
        }
        return catalog.locations.get(0);
    }
}
