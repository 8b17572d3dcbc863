package io.rgrid.hetzner.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class ServerLifecycleTest {

    private HetznerEmulator emulator;
    private Api api;
    private final BlockingQueue<String> events = new LinkedBlockingQueue<>();

    @BeforeEach
    void start() {
        emulator = HetznerEmulator.builder().token("t0ken")
                .bootDelays(Duration.ofMillis(400), Duration.ofMillis(400)).deleteDelay(Duration.ofMillis(200))
                .build().start();
        api = new Api(emulator.baseUrl(), "t0ken");
        emulator.addListener(new ServerLifecycleListener() {
            @Override
            public void onRunning(ServerInfo server) {
                events.add("running:" + server.name() + ":" + server.status() + ":" + server.userData());
            }

            @Override
            public void onDeleted(ServerInfo server) {
                events.add("deleted:" + server.name());
            }
        });
    }

    @AfterEach
    void stop() {
        emulator.stop();
    }

    @Test
    void baseUrlPointsAtV1OnALoopbackPort() {
        assertThat(emulator.baseUrl()).matches("http://127\\.0\\.0\\.1:[0-9]+/v1");
        assertThat(emulator.port()).isPositive();
    }

    @Test
    void createGetListDeleteWithStatusTransitionsAndActionProgress() throws Exception {
        long keyId = api.post("/ssh_keys", Api.json("{'name':'rgrid','public_key':'" + Api.SSH_KEY_A + "'}"))
                .body().path("ssh_key").path("id").asLong();
        long networkId = api.post("/networks", Api.json("{'name':'rgrid','ip_range':'10.0.0.0/16','subnets':"
                + "[{'type':'cloud','ip_range':'10.0.1.0/24','network_zone':'eu-central'}]}"))
                .body().path("network").path("id").asLong();
        long firewallId = api.post("/firewalls", Api.json("{'name':'rgrid-workers','rules':[{'direction':'in',"
                + "'protocol':'tcp','port':'22','source_ips':['10.0.0.0/16']}]}"))
                .body().path("firewall").path("id").asLong();

        Api.Reply created = api.post("/servers", Api.json("{'name':'rgrid-worker-abc123','server_type':'cx23',"
                + "'image':'ubuntu-24.04','location':'nbg1','ssh_keys':['rgrid'],'labels':{'rgrid/role':'worker'},"
                + "'user_data':'#cloud-config','networks':[" + networkId + "],'firewalls':[{'firewall':" + firewallId
                + "}]}"));
        assertThat(created.status()).isEqualTo(201);
        JsonNode server = created.body().path("server");
        long id = server.path("id").asLong();
        assertThat(server.path("status").asText()).isEqualTo("initializing");
        assertThat(server.path("server_type").path("name").asText()).isEqualTo("cx23");
        assertThat(server.path("server_type").path("cores").asInt()).isEqualTo(2);
        assertThat(server.path("server_type").path("memory").asDouble()).isEqualTo(4.0);
        assertThat(server.path("datacenter").path("location").path("name").asText()).isEqualTo("nbg1");
        assertThat(server.path("private_net").get(0).path("network").asLong()).isEqualTo(networkId);
        assertThat(server.path("private_net").get(0).path("ip").asText()).isEqualTo("10.0.1.2");
        assertThat(server.path("public_net").path("firewalls").get(0).path("id").asLong()).isEqualTo(firewallId);
        assertThat(server.path("labels").path("rgrid/role").asText()).isEqualTo("worker");
        assertThat(created.body().path("root_password").isNull()).isTrue();
        JsonNode action = created.body().path("action");
        assertThat(action.path("command").asText()).isEqualTo("create_server");
        assertThat(action.path("status").asText()).isEqualTo("running");
        assertThat(action.path("progress").asInt()).isZero();
        assertThat(action.path("resources").get(0).path("id").asLong()).isEqualTo(id);
        JsonNode start = created.body().path("next_actions").get(0);
        assertThat(start.path("command").asText()).isEqualTo("start_server");
        long createActionId = action.path("id").asLong();
        long startActionId = start.path("id").asLong();

        List<String> statuses = new ArrayList<>();
        List<Integer> progress = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            String status = api.get("/servers/" + id).body().path("server").path("status").asText();
            if (statuses.isEmpty() || !statuses.get(statuses.size() - 1).equals(status)) {
                statuses.add(status);
            }
            progress.add(api.get("/actions/" + createActionId).body().path("action").path("progress").asInt());
            if (status.equals("running")) {
                break;
            }
            Api.sleep(15);
        }
        assertThat(statuses).containsExactly("initializing", "starting", "running");
        assertThat(progress).isSorted().contains(0, 50, 100);

        JsonNode createAction = api.get("/actions/" + createActionId).body().path("action");
        assertThat(createAction.path("status").asText()).isEqualTo("success");
        assertThat(createAction.path("finished").isTextual()).isTrue();
        Api.Reply both = api.get("/actions?id=" + createActionId + "&id=" + startActionId);
        assertThat(both.body().path("actions")).extracting(a -> a.path("status").asText())
                .containsExactly("success", "success");
        assertThat(api.get("/servers/" + id + "/actions/" + startActionId).body().path("action").path("command")
                .asText()).isEqualTo("start_server");
        assertThat(api.get("/servers/" + id + "/actions?status=running").body().path("actions")).isEmpty();
        Api.Reply serverActions = api.get("/servers/" + id + "/actions?sort=id:desc");
        assertThat(serverActions.body().path("actions")).extracting(a -> a.path("command").asText())
                .containsExactly("start_server", "create_server");
        assertThat(events.poll(2, TimeUnit.SECONDS)).isEqualTo("running:rgrid-worker-abc123:running:#cloud-config");
        assertThat(emulator.servers()).singleElement().satisfies(s -> {
            assertThat(s.privateIps()).containsExactly("10.0.1.2");
            assertThat(s.sshKeyIds()).containsExactly(keyId);
        });

        Api.Reply list = api.get("/servers?label_selector=rgrid/role%3Dworker&status=running");
        assertThat(list.body().path("servers")).hasSize(1);
        assertThat(api.get("/servers?status=initializing").body().path("servers")).isEmpty();
        assertThat(api.get("/networks/" + networkId).body().path("network").path("servers").get(0).asLong())
                .isEqualTo(id);

        Api.Reply updated = api.put("/servers/" + id, Api.json("{'name':'renamed','labels':{'a':'b'}}"));
        assertThat(updated.status()).isEqualTo(200);
        assertThat(updated.body().path("server").path("name").asText()).isEqualTo("renamed");
        assertThat(updated.body().path("server").path("labels").size()).isEqualTo(1);

        Api.Reply deleted = api.delete("/servers/" + id);
        assertThat(deleted.status()).isEqualTo(200);
        JsonNode deleteAction = deleted.body().path("action");
        assertThat(deleteAction.path("command").asText()).isEqualTo("delete_server");
        assertThat(deleteAction.path("status").asText()).isEqualTo("running");
        Api.Reply gone = api.get("/servers/" + id);
        assertThat(gone.status()).isEqualTo(404);
        assertThat(gone.errorCode()).isEqualTo("not_found");
        assertThat(api.get("/servers").body().path("servers")).isEmpty();
        // Every server's actions: the deleted server's running delete is there (how a new leader
        // finds a deletion its killed predecessor began), and only running ones with ?status=running.
        JsonNode running = api.get("/servers/actions?status=running").body().path("actions");
        assertThat(running).hasSize(1);
        assertThat(running.get(0).path("id").asLong()).isEqualTo(deleteAction.path("id").asLong());
        assertThat(running.get(0).path("resources").get(0).path("id").asLong()).isEqualTo(id);
        assertThat(api.get("/servers/actions?id=" + createActionId).body().path("actions").get(0).path("command")
                .asText()).isEqualTo("create_server");
        assertThat(api.get("/servers/actions").body().path("meta").path("pagination").path("total_entries").asInt())
                .isGreaterThanOrEqualTo(3);
        assertThat(api.get("/servers/actions?status=done").errorCode()).isEqualTo("invalid_input");
        assertThat(api.get("/servers/actions?id=x").errorCode()).isEqualTo("invalid_input");
        Api.Reply done = api.await("/actions/" + deleteAction.path("id").asLong(),
                r -> r.body().path("action").path("status").asText().equals("success"), Duration.ofSeconds(3));
        assertThat(done.body().path("action").path("progress").asInt()).isEqualTo(100);
        assertThat(events.poll(2, TimeUnit.SECONDS)).isEqualTo("deleted:renamed");
        assertThat(api.delete("/servers/" + id).status()).isEqualTo(404);
        assertThat(api.get("/servers/" + id + "/actions").errorCode()).isEqualTo("not_found");
        assertThat(api.get("/servers/" + id + "/actions/" + createActionId).status()).isEqualTo(404);
    }

    @Test
    void concurrentCreatesKeepNamesUniqueAndIdsDistinct() throws Exception {
        emulator.setServerLimit(1000);
        int threads = 8;
        int names = 15;
        var pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        try {
            List<java.util.concurrent.Future<List<Integer>>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    List<Integer> codes = new ArrayList<>();
                    for (int i = 0; i < names; i++) {
                        codes.add(api.post("/servers", Api.json("{'name':'race-" + i
                                + "','server_type':'cx23','image':'ubuntu-24.04'}")).status());
                    }
                    return codes;
                }));
            }
            List<Integer> all = new ArrayList<>();
            for (var f : futures) {
                all.addAll(f.get(30, TimeUnit.SECONDS));
            }
            assertThat(all.stream().filter(c -> c == 201).count()).isEqualTo(names);
            assertThat(all.stream().filter(c -> c == 409).count()).isEqualTo((long) (threads - 1) * names);
        } finally {
            pool.shutdownNow();
        }
        assertThat(emulator.servers()).extracting(ServerInfo::id).doesNotHaveDuplicates().hasSize(names);
    }

    @Test
    void withoutSshKeysARootPasswordIsReturned() {
        Api.Reply created = api.post("/servers", Api.json("{'name':'pw','server_type':'cx23','image':'ubuntu-24.04'}"));
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.body().path("root_password").asText()).hasSize(20);
        assertThat(created.body().path("server").path("datacenter").path("location").path("name").asText())
                .isEqualTo("fsn1");
    }

    @Test
    void privateOnlyServersHaveNoPublicAddresses() {
        long networkId = api.post("/networks", Api.json("{'name':'n','ip_range':'10.1.0.0/16','subnets':"
                + "[{'type':'cloud','network_zone':'eu-central'}]}")).body().path("network").path("id").asLong();
        Api.Reply created = api.post("/servers", Api.json("{'name':'private','server_type':'cx23',"
                + "'image':'ubuntu-24.04','networks':[" + networkId + "],"
                + "'public_net':{'enable_ipv4':false,'enable_ipv6':false}}"));
        assertThat(created.status()).isEqualTo(201);
        JsonNode server = created.body().path("server");
        assertThat(server.path("public_net").path("ipv4").isNull()).isTrue();
        assertThat(server.path("public_net").path("ipv6").isNull()).isTrue();
        assertThat(server.path("private_net").get(0).path("ip").asText()).isEqualTo("10.1.0.2");
        assertThat(emulator.servers().get(0).publicIpv4()).isNull();
        Api.Reply unreachable = api.post("/servers", Api.json("{'name':'nowhere','server_type':'cx23',"
                + "'image':'ubuntu-24.04','public_net':{'enable_ipv4':false,'enable_ipv6':false}}"));
        assertThat(unreachable.errorCode()).isEqualTo("invalid_input");
    }

    @Test
    void withoutStartAfterCreateTheServerEndsOff() {
        Api.Reply created = api.post("/servers", Api.json(
                "{'name':'cold','server_type':'cx23','image':'ubuntu-24.04','start_after_create':false}"));
        assertThat(created.body().path("next_actions")).isEmpty();
        long id = created.body().path("server").path("id").asLong();
        Api.Reply off = api.await("/servers/" + id,
                r -> r.body().path("server").path("status").asText().equals("off"), Duration.ofSeconds(3));
        assertThat(off.body().path("server").path("status").asText()).isEqualTo("off");
        assertThat(off.body().path("server").path("locked").asBoolean()).isFalse();
    }

    @Test
    void deletingAServerWhileItBootsFailsItsPendingActions() {
        Api.Reply created = api.post("/servers", Api.json("{'name':'short','server_type':'cx23','image':'ubuntu-24.04'}"));
        long id = created.body().path("server").path("id").asLong();
        long startId = created.body().path("next_actions").get(0).path("id").asLong();
        assertThat(api.delete("/servers/" + id).status()).isEqualTo(200);
        JsonNode start = api.get("/actions/" + startId).body().path("action");
        assertThat(start.path("status").asText()).isEqualTo("error");
        assertThat(start.path("error").path("code").asText()).isEqualTo("action_failed");
        Api.sleep(700);
        assertThat(events).containsExactly("deleted:short");
    }

    @Test
    void catalogListsCx23WithPricesPerLocationAndTheUbuntuImage() {
        Api.Reply types = api.get("/server_types?name=cx23");
        JsonNode cx23 = types.body().path("server_types").get(0);
        assertThat(cx23.path("cores").asInt()).isEqualTo(2);
        assertThat(cx23.path("memory").asInt()).isEqualTo(4);
        assertThat(cx23.path("deprecated").asBoolean()).isFalse();
        assertThat(cx23.path("prices")).extracting(p -> p.path("location").asText())
                .containsExactly("fsn1", "nbg1", "hel1");
        assertThat(cx23.path("prices").get(0).path("price_hourly").path("net").asText()).isEqualTo("0.0048000000");
        assertThat(cx23.path("prices").get(0).path("price_monthly").path("gross").asText())
                .isEqualTo("3.5581000000000000");
        JsonNode cx22 = api.get("/server_types?name=cx22").body().path("server_types").get(0);
        assertThat(cx22.path("deprecated").asBoolean()).isTrue();
        assertThat(cx22.path("deprecation").path("unavailable_after").asText()).isNotEmpty();
        assertThat(api.get("/images?name=ubuntu-24.04").body().path("images").get(0).path("os_version").asText())
                .isEqualTo("24.04");
        assertThat(api.get("/locations").body().path("locations")).extracting(l -> l.path("name").asText())
                .containsExactly("fsn1", "nbg1", "hel1", "ash");
    }
}
