package io.rgrid.hetzner.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class ErrorsTest {

    private HetznerEmulator emulator;
    private Api api;

    @BeforeEach
    void start() {
        emulator = HetznerEmulator.builder().bootDelays(Duration.ofMillis(50), Duration.ofMillis(50)).build().start();
        api = new Api(emulator.baseUrl(), "emulator-token");
    }

    @AfterEach
    void stop() {
        emulator.stop();
    }

    private Api.Reply create(String name, String type, String location) {
        return api.post("/servers", Api.json("{'name':'" + name + "','server_type':'" + type
                + "','image':'ubuntu-24.04','location':'" + location + "'}"));
    }

    private static void assertError(Api.Reply r, int status, String code) {
        assertThat(r.status()).isEqualTo(status);
        assertThat(r.errorCode()).isEqualTo(code);
        assertThat(r.body().path("error").path("message").asText()).isNotBlank();
        assertThat(r.body().path("error").path("details").isObject()).isTrue();
        assertThat(r.header("Content-Type")).isEqualTo("application/json");
    }

    @Test
    void duplicateServerNameIsAUniquenessError() {
        assertThat(create("dup", "cx23", "fsn1").status()).isEqualTo(201);
        Api.Reply r = create("dup", "cx23", "fsn1");
        assertError(r, 409, "uniqueness_error");
        assertThat(r.body().path("error").path("details").path("fields").get(0).path("name").asText())
                .isEqualTo("name");
    }

    @Test
    void duplicateSshKeyNameOrFingerprintIsAUniquenessError() {
        assertThat(api.post("/ssh_keys", Api.json("{'name':'a','public_key':'" + Api.SSH_KEY_A + "'}")).status())
                .isEqualTo(201);
        Api.Reply sameName = api.post("/ssh_keys", Api.json("{'name':'a','public_key':'" + Api.SSH_KEY_B + "'}"));
        assertError(sameName, 409, "uniqueness_error");
        Api.Reply sameKey = api.post("/ssh_keys", Api.json("{'name':'b','public_key':'" + Api.SSH_KEY_A + "'}"));
        assertError(sameKey, 409, "uniqueness_error");
        assertThat(sameKey.body().path("error").path("message").asText())
                .isEqualTo("SSH key with the same fingerprint already exists");
        assertThat(sameKey.body().path("error").path("details").path("fields").get(0).path("name").asText())
                .isEqualTo("public_key");
    }

    @Test
    void sshKeysFilterByNameFingerprintAndLabelsAndDelete() {
        JsonNode key = api.post("/ssh_keys", Api.json("{'name':'a','public_key':'" + Api.SSH_KEY_A
                + "','labels':{'managed-by':'rgrid'}}")).body().path("ssh_key");
        assertThat(key.path("fingerprint").asText()).matches("([0-9a-f]{2}:){15}[0-9a-f]{2}");
        api.post("/ssh_keys", Api.json("{'name':'b','public_key':'" + Api.SSH_KEY_B + "'}"));
        assertThat(api.get("/ssh_keys?fingerprint=" + key.path("fingerprint").asText()).body().path("ssh_keys"))
                .hasSize(1);
        assertThat(api.get("/ssh_keys?name=b").body().path("ssh_keys")).hasSize(1);
        assertThat(api.get("/ssh_keys?label_selector=managed-by%3Drgrid").body().path("ssh_keys")).hasSize(1);
        assertThat(api.delete("/ssh_keys/" + key.path("id").asLong()).status()).isEqualTo(204);
        assertError(api.get("/ssh_keys/" + key.path("id").asLong()), 404, "not_found");
        assertError(api.post("/ssh_keys", Api.json("{'name':'c','public_key':'not a key'}")), 400, "invalid_input");
    }

    @Test
    void missingAndInvalidFieldsAreInvalidInputWithFieldDetails() {
        Api.Reply r = api.post("/servers", Api.json("{'name':'bad_name!'}"));
        assertError(r, 400, "invalid_input");
        JsonNode fields = r.body().path("error").path("details").path("fields");
        assertThat(fields).extracting(f -> f.path("name").asText()).containsExactly("name", "server_type", "image");
        assertThat(fields.get(0).path("messages").get(0).asText()).isNotBlank();
        assertError(create("x", "cx99", "fsn1"), 400, "invalid_input");
        assertError(create("x", "cx23", "ash"), 400, "invalid_input");
        assertError(api.post("/servers", Api.json("{'name':'x','server_type':'cx23','image':'ubuntu-24.04',"
                + "'labels':{'hetzner.cloud/x':'y'}}")), 400, "invalid_input");
        assertError(api.get("/servers?label_selector=a%20in%20(b"), 400, "invalid_input");
        assertError(api.get("/servers?sort=color"), 400, "invalid_input");
        assertError(api.post("/servers", "{not json"), 400, "json_error");
    }

    @Test
    void unknownIdsAndPathsAreNotFound() {
        assertError(api.get("/servers/999"), 404, "not_found");
        assertError(api.get("/actions/999"), 404, "not_found");
        assertError(api.put("/servers/999", Api.json("{'name':'x'}")), 404, "not_found");
        assertError(api.get("/volumes"), 404, "not_found");
    }

    @Test
    void resourceUnavailableOnDemand() {
        emulator.failNextCreate("fsn1", "cx23", ErrorCode.RESOURCE_UNAVAILABLE);
        assertThat(create("other-place", "cx23", "nbg1").status()).isEqualTo(201);
        assertError(create("first", "cx23", "fsn1"), 403, "resource_unavailable");
        assertThat(create("second", "cx23", "fsn1").status()).isEqualTo(201);

        emulator.setUnavailable("cx33", "hel1", true);
        assertError(create("sold-out", "cx33", "hel1"), 403, "resource_unavailable");
        JsonNode dc = create("helsinki", "cx23", "hel1").body().path("server").path("datacenter");
        assertThat(dc.path("server_types").path("supported")).extracting(JsonNode::asLong).contains(115L);
        assertThat(dc.path("server_types").path("available")).extracting(JsonNode::asLong)
                .contains(114L).doesNotContain(115L, 104L);
        emulator.setUnavailable("cx33", "hel1", false);
        assertThat(create("sold-out", "cx33", "hel1").status()).isEqualTo(201);
    }

    @Test
    void deprecatedTypePastItsDateIsUnavailable() {
        assertError(create("old", "cx22", "fsn1"), 403, "resource_unavailable");
    }

    @Test
    void placementErrorOnDemand() {
        emulator.failNextCreate(null, null, ErrorCode.PLACEMENT_ERROR);
        assertError(create("p", "cx23", "fsn1"), 412, "placement_error");
        assertThat(create("p", "cx23", "fsn1").status()).isEqualTo(201);
    }

    @Test
    void serverLimitIsResourceLimitExceeded() {
        emulator.setServerLimit(2);
        assertThat(create("a", "cx23", "fsn1").status()).isEqualTo(201);
        assertThat(create("b", "cx23", "fsn1").status()).isEqualTo(201);
        Api.Reply r = create("c", "cx23", "fsn1");
        assertError(r, 403, "resource_limit_exceeded");
        assertThat(r.body().path("error").path("details").path("limits").get(0).path("name").asText()).isNotBlank();
    }

    @Test
    void lockedAndConflictOnDemand() {
        long id = create("l", "cx23", "fsn1").body().path("server").path("id").asLong();
        emulator.failNextRequest("DELETE", "/servers/[0-9]+", ErrorCode.LOCKED, "server is locked");
        assertError(api.delete("/servers/" + id), 423, "locked");
        emulator.failNextRequest("PUT", "/servers/" + id, ErrorCode.CONFLICT, "resource has changed");
        assertError(api.put("/servers/" + id, Api.json("{'name':'m'}")), 409, "conflict");
        assertThat(api.delete("/servers/" + id).status()).isEqualTo(200);
    }

    @Test
    void listingAllActionsWasRemoved() {
        Api.Reply r = api.get("/actions");
        assertError(r, 410, "deprecated_api_endpoint");
        assertThat(r.body().path("error").path("details").path("announcement").asText()).startsWith("https://");
    }

    @Test
    void firewallStillAppliedCannotBeDeleted() {
        long fw = api.post("/firewalls", Api.json("{'name':'f'}")).body().path("firewall").path("id").asLong();
        assertThat(api.post("/servers", Api.json("{'name':'s','server_type':'cx23','image':'ubuntu-24.04',"
                + "'firewalls':[{'firewall':" + fw + "}]}")).status()).isEqualTo(201);
        assertError(api.delete("/firewalls/" + fw), 412, "resource_in_use");
        assertError(api.post("/firewalls", Api.json("{'name':'f'}")), 409, "uniqueness_error");
    }
}
