package io.rgrid.hetzner.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Compares the emulator's real responses with the reference's own response samples (src/test/resources/fixtures,
 * copied verbatim): the set of JSON field paths and the kind of value at each path must agree, so a client tested
 * against the emulator cannot come to rely on a field or a type the real API never returns.
 *
 * <p>Rules, each because the samples are examples rather than schemas:
 * <ul>
 *   <li>A label map ({@code labels}) is compared as an object; its keys are data, not shape.</li>
 *   <li>Arrays are compared by the union of their elements. An empty array on one side says nothing about its
 *       elements, so element paths under it are not compared.</li>
 *   <li>A null in the emulator's body is accepted where the field is nullable in the API ({@link #NULLABLE}); the
 *       sample's sub-fields under it are then not compared. A null in the sample accepts any kind.</li>
 *   <li>A field missing from one sample is allowed only when a sibling sample of the same object (named per check)
 *       has it at the same path: e.g. the create-server sample omits {@code server.placement_group}, which the
 *       get-server sample shows.</li>
 * </ul>
 */
class ShapeTest {

    /** Fields the API documents as nullable (by name, wherever they occur). */
    private static final Set<String> NULLABLE = Set.of("iso", "placement_group", "error", "finished", "root_password",
            "deprecation", "dns_ptr", "description", "deprecated", "deleted", "bound_to", "created_from", "image_size",
            "backup_window", "vswitch_id", "ipv4", "ipv6", "previous_page", "next_page", "last_page", "total_entries", "port");

    private static HetznerEmulator emulator;
    private static Api api;

    @BeforeAll
    static void start() {
        emulator = HetznerEmulator.builder().bootDelays(Duration.ofMillis(50), Duration.ofMillis(50)).build().start();
        api = new Api(emulator.baseUrl(), "emulator-token");
    }

    @AfterAll
    static void stop() {
        emulator.stop();
    }

    static JsonNode fixture(String name) {
        try (InputStream in = ShapeTest.class.getResourceAsStream("/fixtures/" + name)) {
            assertThat(in).as("fixture " + name).isNotNull();
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            // The reference's pagination example elides the items as "[...]", which is not JSON.
            return Api.MAPPER.readTree(text.replace("[...]", "[]"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- shape extraction and comparison ----

    static Map<String, Set<String>> shape(JsonNode node) {
        Map<String, Set<String>> out = new TreeMap<>();
        walk(node, "", out);
        return out;
    }

    private static void walk(JsonNode node, String path, Map<String, Set<String>> out) {
        out.computeIfAbsent(path, p -> new TreeSet<>()).add(kind(node));
        if (node.isObject() && !leaf(path).equals("labels")) {
            node.fields().forEachRemaining(e -> walk(e.getValue(), path.isEmpty() ? e.getKey() : path + "." + e.getKey(), out));
        } else if (node.isArray()) {
            node.forEach(el -> walk(el, path + "[]", out));
        }
    }

    private static String kind(JsonNode n) {
        if (n.isObject()) {
            return "object";
        }
        if (n.isArray()) {
            return "array";
        }
        if (n.isTextual()) {
            return "string";
        }
        if (n.isNumber()) {
            return "number";
        }
        if (n.isBoolean()) {
            return "bool";
        }
        return "null";
    }

    private static String leaf(String path) {
        String p = path.endsWith("[]") ? path.substring(0, path.length() - 2) : path;
        while (p.endsWith("[]")) {
            p = p.substring(0, p.length() - 2);
        }
        return p.substring(p.lastIndexOf('.') + 1);
    }

    private static List<String> properPrefixes(String path) {
        List<String> prefixes = new ArrayList<>();
        for (int i = 1; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '.' || (c == '[' && path.startsWith("[]", i))) {
                prefixes.add(path.substring(0, i));
            }
            if (c == '[' && path.startsWith("[]", i) && i + 2 < path.length()) {
                prefixes.add(path.substring(0, i + 2));
            }
        }
        return prefixes;
    }

    private static boolean emptyArray(Map<String, Set<String>> s, String path) {
        return s.getOrDefault(path, Set.of()).contains("array")
                && s.keySet().stream().noneMatch(k -> k.startsWith(path + "[]"));
    }

    private static boolean onlyNull(Map<String, Set<String>> s, String path) {
        return s.getOrDefault(path, Set.of()).equals(Set.of("null"));
    }

    /** Every difference between the sample's shape and the emulator's, in words; empty when they agree. */
    static List<String> differences(JsonNode sample, JsonNode actual, JsonNode... siblings) {
        Map<String, Set<String>> f = shape(sample);
        Map<String, Set<String>> r = shape(actual);
        List<Map<String, Set<String>>> sib = java.util.Arrays.stream(siblings).map(ShapeTest::shape).toList();
        List<String> problems = new ArrayList<>();
        for (var e : f.entrySet()) {
            String p = e.getKey();
            boolean covered = properPrefixes(p).stream()
                    .anyMatch(q -> (onlyNull(r, q) && (NULLABLE.contains(leaf(q)) || f.get(q).contains("null")))
                            || emptyArray(r, q));
            if (covered) {
                continue;
            }
            Set<String> rk = r.get(p);
            if (rk == null) {
                problems.add("missing " + p + " " + e.getValue());
                continue;
            }
            for (String k : rk) {
                boolean ok = e.getValue().contains(k) || e.getValue().contains("null")
                        || (k.equals("null") && NULLABLE.contains(leaf(p)));
                if (!ok) {
                    problems.add("kind of " + p + ": sample " + e.getValue() + ", emulator " + rk);
                }
            }
        }
        for (String p : r.keySet()) {
            if (f.containsKey(p)) {
                continue;
            }
            boolean unknownElements = properPrefixes(p).stream().anyMatch(q -> emptyArray(f, q));
            boolean inSibling = sib.stream().anyMatch(s -> s.containsKey(p));
            if (!unknownElements && !inSibling) {
                problems.add("extra " + p + " " + r.get(p));
            }
        }
        return problems;
    }

    private static void assertShape(String fixture, JsonNode actual, String... siblingFixtures) {
        JsonNode[] siblings = java.util.Arrays.stream(siblingFixtures).map(ShapeTest::fixture).toArray(JsonNode[]::new);
        assertThat(differences(fixture(fixture), actual, siblings)).as(fixture + " vs " + actual).isEmpty();
    }

    // ---- the comparator itself ----

    @Test
    void comparatorCatchesMissingExtraAndWrongKinds() {
        JsonNode sample = fixture("ssh-keys-get.json");
        ObjectNode copy = sample.deepCopy();
        assertThat(differences(sample, copy)).isEmpty();
        ((ObjectNode) copy.get("ssh_key")).remove("fingerprint");
        ((ObjectNode) copy.get("ssh_key")).put("color", "red");
        ((ObjectNode) copy.get("ssh_key")).put("id", "42");
        assertThat(differences(sample, copy)).containsExactlyInAnyOrder(
                "missing ssh_key.fingerprint [string]", "extra ssh_key.color [string]",
                "kind of ssh_key.id: sample [number], emulator [string]");
        ObjectNode nulled = sample.deepCopy();
        ((ObjectNode) nulled.get("ssh_key")).putNull("name");
        assertThat(differences(sample, nulled)).containsExactly("kind of ssh_key.name: sample [string], emulator [null]");
    }

    // ---- the emulator against every sample it relies on ----

    @Test
    void emptyServerListIsExactlyTheGettingStartedExample() {
        HetznerEmulator fresh = HetznerEmulator.builder().build().start();
        try {
            JsonNode body = new Api(fresh.baseUrl(), "emulator-token").get("/servers").body();
            assertThat(body).isEqualTo(fixture("getting-started-empty-servers.json"));
        } finally {
            fresh.stop();
        }
    }

    @Test
    void responsesHaveTheReferenceShapes() {
        JsonNode key = api.post("/ssh_keys", Api.json("{'name':'shape','public_key':'" + Api.SSH_KEY_A
                + "','labels':{'environment':'prod'}}")).body();
        assertShape("ssh-keys-create.json", key);
        long keyId = key.path("ssh_key").path("id").asLong();
        assertShape("ssh-keys-get.json", api.get("/ssh_keys/" + keyId).body());
        assertShape("ssh-keys-list.json", api.get("/ssh_keys").body());

        JsonNode network = api.post("/networks", Api.json("{'name':'shape','ip_range':'10.0.0.0/16','labels':{'a':'b'},"
                + "'subnets':[{'type':'cloud','ip_range':'10.0.1.0/24','network_zone':'eu-central','vswitch_id':1000}],"
                + "'routes':[{'destination':'10.100.1.0/24','gateway':'10.0.1.1'}]}")).body();
        assertShape("networks-create.json", network);
        long networkId = network.path("network").path("id").asLong();

        JsonNode firewall = api.post("/firewalls", Api.json("{'name':'shape','labels':{'a':'b'},'rules':[{"
                + "'description':'Allow port 80','direction':'in','source_ips':['28.239.13.1/32'],'protocol':'tcp',"
                + "'port':'80'}]}")).body();
        assertShape("firewalls-create.json", firewall);
        assertShape("firewalls-list.json", api.get("/firewalls").body());
        long firewallId = firewall.path("firewall").path("id").asLong();

        // No ssh_keys, so root_password is a string as in the sample.
        JsonNode created = api.post("/servers", Api.json("{'name':'shape','server_type':'cx23','image':'ubuntu-24.04',"
                + "'location':'fsn1','networks':[" + networkId + "],'firewalls':[{'firewall':" + firewallId + "}],"
                + "'labels':{'environment':'prod'}}")).body();
        assertShape("servers-create.json", created, "servers-get.json");
        long serverId = created.path("server").path("id").asLong();
        api.await("/servers/" + serverId, r -> r.body().path("server").path("status").asText().equals("running"),
                Duration.ofSeconds(3));
        assertShape("servers-get.json", api.get("/servers/" + serverId).body());
        assertShape("servers-list.json", api.get("/servers").body());
        assertShape("servers-update.json", api.put("/servers/" + serverId, Api.json("{'labels':{'k':'v'}}")).body());
        assertShape("networks-list.json", api.get("/networks").body());

        JsonNode actions = api.get("/servers/" + serverId + "/actions").body();
        assertShape("server-actions-list.json", actions);
        long actionId = actions.path("actions").get(0).path("id").asLong();
        assertShape("actions-get.json", api.get("/actions/" + actionId).body());
        assertShape("actions-list-by-id.json", api.get("/actions?id=" + actionId).body());

        assertShape("server-types-list.json", api.get("/server_types").body());
        long typeId = api.get("/server_types?name=cx22").body().path("server_types").get(0).path("id").asLong();
        assertShape("server-types-get.json", api.get("/server_types/" + typeId).body());
        assertShape("locations-list.json", api.get("/locations").body());
        // The reference has no image sample of its own; the image object inside a server is one.
        assertThat(differences(fixture("servers-get.json").path("server").path("image"),
                api.get("/images?name=ubuntu-24.04").body().path("images").get(0))).isEmpty();

        api.post("/servers", Api.json("{'name':'shape-2','server_type':'cx23','image':'ubuntu-24.04'}"));
        api.post("/servers", Api.json("{'name':'shape-3','server_type':'cx23','image':'ubuntu-24.04'}"));
        assertShape("pagination-example.json", paginationOnly(api.get("/servers?page=2&per_page=1").body()));

        assertShape("servers-delete.json", api.delete("/servers/" + serverId).body());
    }

    /** The pagination example elides its items; compare only the envelope and meta. */
    private static JsonNode paginationOnly(JsonNode body) {
        ObjectNode copy = body.deepCopy();
        copy.putArray("servers");
        return copy;
    }

    @Test
    void errorBodiesHaveTheReferenceShapes() {
        assertShape("error-invalid-input.json", api.post("/servers", Api.json("{'name':'no_underscores'}")).body());
        api.post("/ssh_keys", Api.json("{'name':'err','public_key':'" + Api.SSH_KEY_B + "'}"));
        JsonNode dup = api.post("/ssh_keys", Api.json("{'name':'err-2','public_key':'" + Api.SSH_KEY_B + "'}")).body();
        assertShape("error-uniqueness.json", dup);
        assertShape("error-deprecated-api-endpoint.json", api.get("/actions").body());
        HetznerEmulator limited = HetznerEmulator.builder().serverLimit(0).build().start();
        try {
            JsonNode body = new Api(limited.baseUrl(), "emulator-token").post("/servers",
                    Api.json("{'name':'x','server_type':'cx23','image':'ubuntu-24.04'}")).body();
            assertShape("error-resource-limit-exceeded.json", body);
        } finally {
            limited.stop();
        }
    }
}
