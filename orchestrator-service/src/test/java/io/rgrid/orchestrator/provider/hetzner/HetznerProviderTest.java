package io.rgrid.orchestrator.provider.hetzner;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.rgrid.hetzner.emulator.ErrorCode;
import io.rgrid.hetzner.emulator.HetznerEmulator;
import io.rgrid.hetzner.emulator.ServerInfo;
import io.rgrid.model.Ids;
import io.rgrid.model.KafkaPrincipals;
import io.rgrid.model.event.WorkerState;
import io.rgrid.orchestrator.config.RgridConfig;
import io.rgrid.orchestrator.kafka.WorkerLogin;
import io.rgrid.orchestrator.provider.CloudProvider;
import io.rgrid.orchestrator.provider.ProvisionedServer;
import io.rgrid.orchestrator.provider.ProvisioningException;
import io.rgrid.orchestrator.provider.ProvisioningTimeline;
import io.rgrid.orchestrator.provider.hetzner.api.HetznerCloud;
import io.rgrid.orchestrator.registry.WorkerLifecycle;
import io.rgrid.orchestrator.registry.WorkerRecord;
import io.rgrid.orchestrator.registry.WorkerRepository;
import io.rgrid.platform.db.Transactions;
import io.rgrid.testinfra.SharedServersResource;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.lang.reflect.Proxy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.stream.Collectors;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The {@code hetzner} provider against the repository's Hetzner Cloud API emulator (started in
 * this JVM): create with labels, network, firewall, SSH key and cloud-init; boot and bootstrap
 * hand-off; fallbacks on resource_unavailable / placement_error; 429 back-off; pagination over 50+
 * servers; error codes as operator messages; reconciliation that deletes our orphans and never
 * touches anyone else's servers; and the API token in no log line or message.
 *
 * <p>Provider-level tests use a provider of their own with pool {@code direct}, so the running
 * orchestrator's reconciliation (pool {@code it}) never sees their servers.
 */
@QuarkusTest
@TestProfile(HetznerProviderTest.EmulatedHetzner.class)
@QuarkusTestResource(value = SharedServersResource.class, initArgs = {@ResourceArg(name = "namespace", value = "orch"),
        @ResourceArg(name = "kafka-user", value = KafkaPrincipals.ORCHESTRATOR)})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HetznerProviderTest {

    public static class EmulatedHetzner implements QuarkusTestProfile {
        @Override
        public Set<Class<?>> getEnabledAlternatives() {
            return Set.of(RecordingBootstrap.class);
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(HetznerEmulatorResource.class));
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DIRECT_POOL = "direct";
    private static final String WRONG_TOKEN = "wrong-token-fedcba9876543210";

    @Inject
    RgridConfig config;

    @Inject
    CloudProvider appProvider;

    @Inject
    RecordingBootstrap bootstrap;

    @Inject
    ProvisioningTimeline timeline;

    @Inject
    Transactions database;

    @Inject
    WorkerLifecycle lifecycle;

    @Inject
    WorkerRepository workers;

    private HetznerEmulator hetzner;
    private HetznerCloud cloud;
    private HetznerProvider provider;
    private final List<String> bootFailures = new CopyOnWriteArrayList<>();
    private final List<LogRecord> logs = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            logs.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void setUp() {
        java.util.logging.Logger.getLogger("").addHandler(capture);
        hetzner = HetznerEmulatorResource.emulator();
        provider = direct(Map.of(), HetznerEmulatorResource.TOKEN);
    }

    @AfterAll
    void tearDown() {
        java.util.logging.Logger.getLogger("").removeHandler(capture);
        if (provider != null) {
            provider.close();
        }
    }

    @AfterEach
    void resetEmulator() {
        for (String location : List.of("nbg1", "fsn1", "hel1")) {
            for (String type : List.of("cx23", "cx33")) {
                hetzner.setUnavailable(type, location, false);
            }
        }
        hetzner.setServerLimit(200);
        hetzner.setRateLimit(3600, 1.0);
    }

    /** A provider of the test's own (pool "direct"), with {@code overrides} on the profile's settings. */
    private HetznerProvider direct(Map<String, Object> overrides, String token) {
        Map<String, Object> all = new HashMap<>(overrides);
        all.putIfAbsent("pool", DIRECT_POOL);
        RgridConfig.Hetzner base = config.orchestrator().hetzner();
        RgridConfig.Hetzner settings = (RgridConfig.Hetzner) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {RgridConfig.Hetzner.class},
                (proxy, method, args) -> all.containsKey(method.getName()) ? all.get(method.getName())
                        : method.invoke(base, args));
        HetznerCloud client = HetznerCloud.connect(settings.apiUrl(), token, settings.requestsPerHour(),
                settings.maxRateLimitWait(), settings.pollInterval());
        if (token.equals(HetznerEmulatorResource.TOKEN) && overrides.isEmpty()) {
            cloud = client;
        }
        return new HetznerProvider(settings, client, bootstrap,
                new TemplateUserData(settings.cloudInitTemplate(), settings.pool(), settings.cloudInitVars()), timeline,
                (workerId, reason) -> bootFailures.add(workerId + ": " + reason));
    }

    // ---- provisioning ----

    @Test
    void provisionCreatesALabelledServerInTheNetworkBehindTheFirewallAndBootstrapsIt() throws Exception {
        String workerId = Ids.newWorkerId();
        String workerToken = "worker-token-" + workerId;
        timeline.mark(workerId, ProvisioningTimeline.Phase.REQUESTED);
        Instant before = Instant.now().minusSeconds(2);

        WorkerLogin login = new WorkerLogin(workerId, "kafka-password-" + workerId);
        ProvisionedServer server = provider.provision(new CloudProvider.ProvisionRequest(workerId, workerToken)
                .withKafkaLogin(login));

        ServerInfo info = serverNamed(workerId).orElseThrow();
        assertThat(server.handle()).isEqualTo(Long.toString(info.id()));
        assertThat(info.labels()).containsEntry("managed-by", "rgrid").containsEntry("pool", DIRECT_POOL)
                .containsEntry("worker-id", workerId);
        assertThat(info.serverType()).isEqualTo("cx23");
        assertThat(info.location()).isEqualTo("nbg1");
        assertThat(info.sshKeyIds()).hasSize(1);
        assertThat(info.privateIps()).hasSize(1);
        // The template rendered: our placeholders replaced, a shell variable left alone, no token.
        assertThat(info.userData()).contains("# worker " + workerId + " of pool direct (cx23 in nbg1)")
                .contains("echo \"home is ${HOME}\" > /tmp/" + workerId).doesNotContain(workerToken);
        assertThat(server.serverType()).isEqualTo("cx23");
        assertThat(server.hourlyPriceEur()).isPositive().isEqualTo(provider.offer().hourlyPriceEur());
        assertThat(server.createdAt()).isAfter(before).isBefore(Instant.now().plusSeconds(1));
        assertThat(server.address()).as("the agent's address from the server's private_net, not from a heartbeat")
                .isEqualTo("http://" + info.privateIps().getFirst() + ":8002");

        JsonNode firewall = get("/firewalls?name=rgrid-workers").path("firewalls").get(0);
        assertThat(firewall.path("rules")).isEmpty(); // nothing open publicly (SSH goes over the private network)
        assertThat(firewall.path("applied_to").toString()).contains("\"id\":" + info.id());
        JsonNode network = get("/networks?name=rgrid").path("networks").get(0);
        assertThat(network.path("ip_range").asText()).isEqualTo("10.0.0.0/16");

        await().atMost(Duration.ofSeconds(20)).until(() -> bootstrap.calls.stream()
                .anyMatch(t -> t.workerId().equals(workerId)));
        WorkerBootstrap.Target target = bootstrap.calls.stream().filter(t -> t.workerId().equals(workerId))
                .findFirst().orElseThrow();
        // Prepared at create, beside the boot (the agent archive packed while the server boots).
        assertThat(bootstrap.prepares).as("prepare() called at create").isNotEmpty();
        assertThat(target.serverId()).isEqualTo(info.id());
        assertThat(target.serverName()).isEqualTo(workerId);
        assertThat(target.token()).isEqualTo(workerToken);
        assertThat(target.sshHost()).isEqualTo(info.privateIps().getFirst());
        assertThat(target.privateIp()).isEqualTo(info.privateIps().getFirst());
        assertThat(target.kafkaLogin()).as("its own Kafka login, for its env file").isEqualTo(login);
        assertThat(target.toString()).doesNotContain(workerToken).doesNotContain(login.password());
        assertThat(serverNamed(workerId).orElseThrow().status()).isEqualTo("running");
        await().atMost(Duration.ofSeconds(5)).until(() -> timeline.of(workerId).containsKey("ssh_ready"));
        assertThat(timeline.of(workerId).keySet()).containsExactly("requested", "running", "ssh_ready");

        assertThat(provider.list()).extracting(ProvisionedServer::workerId).contains(workerId);
        provider.terminate(workerId);
        assertThat(serverNamed(workerId)).isEmpty();
        assertThat(provider.list()).extracting(ProvisionedServer::workerId).doesNotContain(workerId);
        provider.terminate(workerId); // gone already: a no-op
    }

    /**
     * Issue 27: another orchestrator (a second provider on the same project and pool) did not boot
     * the worker, so it does not claim it; it resumes the boot (the bootstrap again, with the login
     * it is given), and then claims it. Until its termination: then it no longer does.
     */
    @Test
    void aBootBegunByAnotherOrchestratorIsResumedFromTheServer() throws Exception {
        String workerId = Ids.newWorkerId();
        ProvisionedServer server = provider.provision(new CloudProvider.ProvisionRequest(workerId, "token-1"));
        assertThat(provider.bootsHere(workerId)).as("its own boot, running or done").isTrue();
        await().atMost(Duration.ofSeconds(20)).until(() -> bootstrap.calls.stream()
                .anyMatch(t -> t.workerId().equals(workerId)));

        // Not direct(Map.of(), …): that one also becomes the test's cloud client, which close() would end.
        HetznerProvider next = direct(Map.of("pool", DIRECT_POOL), HetznerEmulatorResource.TOKEN);
        try {
            assertThat(next.bootsHere(workerId)).as("booted by another orchestrator").isFalse();
            WorkerLogin reissued = new WorkerLogin(workerId, "kafka-password-2-" + workerId);
            assertThat(next.resumeBoot(new CloudProvider.ProvisionRequest(workerId, "token-1")
                    .withKafkaLogin(reissued), server.address())).isTrue();
            assertThat(next.bootsHere(workerId)).isTrue();
            assertThat(next.resumeBoot(new CloudProvider.ProvisionRequest(workerId, "token-1"), server.address()))
                    .as("not twice").isFalse();
            await().atMost(Duration.ofSeconds(20)).until(() -> bootstrap.calls.stream()
                    .filter(t -> t.workerId().equals(workerId)).count() == 2);
            WorkerBootstrap.Target again = bootstrap.calls.stream().filter(t -> t.workerId().equals(workerId))
                    .reduce((a, b) -> b).orElseThrow();
            assertThat(again.serverId()).isEqualTo(Long.parseLong(server.handle()));
            assertThat(again.token()).isEqualTo("token-1");
            assertThat(again.kafkaLogin()).isEqualTo(reissued);
            assertThat(bootFailures).noneMatch(f -> f.startsWith(workerId));

            next.terminate(workerId);
            assertThat(next.bootsHere(workerId)).as("terminated: nothing of it is booted here").isFalse();
            assertThat(next.resumeBoot(new CloudProvider.ProvisionRequest(workerId, "token-1"), server.address()))
                    .as("its server is gone").isFalse();
        } finally {
            next.close();
        }
    }

    @Test
    void aFailedBootstrapIsReportedWithItsStep() throws Exception {
        String workerId = Ids.newWorkerId();
        bootstrap.failWith("connection refused");
        provider.provision(new CloudProvider.ProvisionRequest(workerId, "t"));
        await().atMost(Duration.ofSeconds(20)).until(() -> bootFailures.stream().anyMatch(f -> f.startsWith(workerId)));
        assertThat(bootFailures).anyMatch(f -> f.equals(workerId + ": bootstrap failed at ssh-connect: connection refused"));
        provider.terminate(workerId);
    }

    @Test
    void unavailableTypesAndPlacementErrorsFallBackInOrder() throws Exception {
        assertThat(provider.placements()).extracting(Object::toString)
                .containsExactly("cx23@nbg1", "cx23@fsn1", "cx23@hel1", "cx33@nbg1", "cx33@fsn1");
        hetzner.setUnavailable("cx23", "nbg1", true);
        hetzner.failNextCreate("fsn1", "cx23", ErrorCode.PLACEMENT_ERROR);
        String workerId = Ids.newWorkerId();

        ProvisionedServer server = provider.provision(new CloudProvider.ProvisionRequest(workerId, "t"));

        ServerInfo info = serverNamed(workerId).orElseThrow();
        assertThat(info.serverType() + "@" + info.location()).isEqualTo("cx23@hel1");
        assertThat(server.hourlyPriceEur()).isEqualTo(provider.hourlyPrice("cx23", "hel1"));
        provider.terminate(workerId);

        for (String location : List.of("nbg1", "fsn1", "hel1")) {
            hetzner.setUnavailable("cx23", location, true);
            hetzner.setUnavailable("cx33", location, true);
        }
        String unlucky = Ids.newWorkerId();
        assertThatThrownBy(() -> provider.provision(new CloudProvider.ProvisionRequest(unlucky, "t")))
                .isInstanceOf(ProvisioningException.class)
                .hasMessageContaining("cx23@nbg1 (resource_unavailable), cx23@fsn1 (resource_unavailable)")
                .hasMessageContaining("cx33@fsn1 (resource_unavailable)")
                .hasMessageContaining("rgrid.orchestrator.hetzner.fallbacks");
        assertThat(serverNamed(unlucky)).isEmpty();
    }

    // ---- rate limits and pagination ----

    @Test
    void a429IsWaitedOutAndRetried() throws Exception {
        provider.list();
        long throttledBefore = cloud.throttled();
        // Another client of the project spends the whole budget (2 requests, refilled at 2 per second).
        hetzner.setRateLimit(2, 2.0);
        int status = 0;
        for (int i = 0; i < 10 && status != 429; i++) {
            status = http.send(HttpRequest.newBuilder(URI.create(hetzner.baseUrl() + "/servers"))
                    .header("Authorization", "Bearer " + HetznerEmulatorResource.TOKEN).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        }
        assertThat(status).isEqualTo(429);

        assertThat(provider.list()).isNotNull(); // answered 429 first, then retried after the back-off
        assertThat(cloud.throttled()).isGreaterThan(throttledBefore);
    }

    @Test
    void listFollowsPaginationAndOnlyReturnsThisPoolsServers() throws Exception {
        List<Long> created = new ArrayList<>();
        List<String> ours = new ArrayList<>();
        for (int i = 0; i < 55; i++) {
            String name = "rgrid-worker-pg" + String.format("%04d", i);
            ours.add(name);
            created.add(createRaw(name, Map.of("managed-by", "rgrid", "pool", DIRECT_POOL, "worker-id", name)));
        }
        created.add(createRaw("someone-elses-db", Map.of("pool", DIRECT_POOL)));
        created.add(createRaw("other-grid-worker", Map.of("managed-by", "rgrid", "pool", "other",
                "worker-id", "rgrid-worker-other1")));
        try {
            List<ProvisionedServer> listed = provider.list();
            assertThat(listed).extracting(ProvisionedServer::workerId).containsAll(ours)
                    .doesNotContain("rgrid-worker-other1").hasSize(55);
            assertThat(listed).allSatisfy(s -> assertThat(s.hourlyPriceEur()).isPositive());
        } finally {
            for (long id : created) {
                send("DELETE", "/servers/" + id, null);
            }
        }
    }

    // ---- errors ----

    @Test
    void hetznerErrorsBecomeMessagesThatSayWhatToDoAndNeverShowTheToken() throws Exception {
        logs.clear();
        List<String> messages = new ArrayList<>();

        hetzner.setServerLimit(hetzner.servers().size());
        messages.add(failure(provider, Ids.newWorkerId(), "limit is reached", "max-workers"));
        hetzner.setServerLimit(200);

        String taken = Ids.newWorkerId();
        long squatter = createRaw(taken, Map.of());
        messages.add(failure(provider, taken, "already exists", taken));
        send("DELETE", "/servers/" + squatter, null);

        HetznerProvider badType = direct(Map.of("serverType", "cx999", "fallbacks", List.of()),
                HetznerEmulatorResource.TOKEN);
        messages.add(failure(badType, Ids.newWorkerId(), "rejected the request for cx999@nbg1",
                "rgrid.orchestrator.hetzner.server-type"));
        badType.close();

        HetznerProvider wrongToken = direct(Map.of("sshKeyName", "other-key"), WRONG_TOKEN);
        messages.add(failure(wrongToken, Ids.newWorkerId(), "refused the API token", "HETZNER_API_TOKEN"));
        assertThatThrownBy(wrongToken::list).satisfies(e -> messages.add(e.getMessage()));
        wrongToken.close();

        // locked is transient: the delete is tried again and succeeds.
        String workerId = Ids.newWorkerId();
        provider.provision(new CloudProvider.ProvisionRequest(workerId, "t"));
        hetzner.failNextRequest("DELETE", "/servers/[0-9]+", ErrorCode.LOCKED, "server is locked");
        provider.terminate(workerId);
        assertThat(serverNamed(workerId)).isEmpty();

        assertThat(messages).hasSize(5).allSatisfy(m -> assertThat(m)
                .doesNotContain(HetznerEmulatorResource.TOKEN).doesNotContain(WRONG_TOKEN));
        assertThat(provider.toString()).doesNotContain(HetznerEmulatorResource.TOKEN);
        assertThat(config.orchestrator().hetzner().toString()).doesNotContain(HetznerEmulatorResource.TOKEN);
        assertThat(logs).isNotEmpty();
        for (LogRecord record : logs) {
            String text = render(record);
            assertThat(text).doesNotContain(HetznerEmulatorResource.TOKEN).doesNotContain(WRONG_TOKEN);
        }
    }

    private static String failure(HetznerProvider provider, String workerId, String... expected) {
        try {
            provider.provision(new CloudProvider.ProvisionRequest(workerId, "t"));
        } catch (ProvisioningException e) {
            for (String part : expected) {
                assertThat(e.getMessage()).contains(part);
            }
            return e.getMessage() + " / " + e.getCause();
        }
        throw new AssertionError("provisioning " + workerId + " did not fail");
    }

    private static String render(LogRecord record) {
        String message = record.getMessage();
        if (record.getParameters() != null) {
            message += " " + java.util.Arrays.toString(record.getParameters());
        }
        if (record instanceof org.jboss.logmanager.ExtLogRecord ext) {
            message += " " + ext.getFormattedMessage();
        }
        Throwable thrown = record.getThrown();
        while (thrown != null) {
            message += " " + thrown;
            thrown = thrown.getCause();
        }
        return message;
    }

    // ---- reconciliation (the running orchestrator's provider, pool "it") ----

    /**
     * rgrid cost counts a worker's periods from its server's {@code created} to this instant: the
     * delete action's {@code started}, on Hetzner's clock, not when the action finished or the
     * orchestrator recorded it (seconds later: a deletion near a period's end counted one period too many).
     */
    @Test
    void terminateSaysWhenTheServerStoppedBeingBilled() throws Exception {
        String workerId = Ids.newWorkerId();
        long server = createRaw(workerId, Map.of("managed-by", "rgrid", "pool", DIRECT_POOL, "worker-id", workerId));
        hetzner.setDelays(Duration.ZERO, Duration.ZERO, Duration.ofSeconds(2)); // a delete action that takes a while
        try {
            Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS);

            Optional<Instant> billedUntil = provider.terminate(workerId);

            Instant after = Instant.now();
            assertThat(serverById(server)).isEmpty();
            assertThat(billedUntil).as("the delete action's start").hasValueSatisfying(at -> assertThat(at)
                    .isBetween(before, after.minusSeconds(1)));
            assertThat(provider.terminate(workerId)).as("nothing left to delete").isEmpty();
        } finally {
            hetzner.setDelays(Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofMillis(50)); // the resource's
        }
    }

    /**
     * A LOST worker whose server is already gone, its deletion never recorded (the health monitor's
     * transaction failed after the delete: the chaos suite's PostgreSQL restart), is recorded
     * DELETED by the reconciliation; before, it stayed LOST and its attempts RUNNING for good.
     */
    @Test
    void reconciliationRecordsTheDeletionOfALostWorkerWhoseServerIsGone() {
        String lost = Ids.newWorkerId();
        database.inTransaction(c -> lifecycle.recordNew(c, new WorkerRecord(lost, "hetzner", "4242", "cx23", 0.0,
                null, "t", WorkerState.LOST, "silent", 0, 0, 0, 0, 0, null, null, Instant.now(), null, null)));

        await().atMost(Duration.ofSeconds(30)).until(() -> database.inTransaction(c -> workers.lock(c, lost))
                .map(w -> w.state() == WorkerState.DELETED).orElse(false));
        assertThat(database.inTransaction(c -> workers.lock(c, lost)).orElseThrow().stateDetail())
                .startsWith("deleted by reconciliation");
    }

    /**
     * A LOST worker whose server a previous leader began to delete (the delete accepted, so the
     * server is no longer listed, but its action still running when that leader was killed) keeps
     * its attempts until the action ends: the machine may still run them. Before, the first
     * reconciliation recorded it DELETED at once and its attempts moved while it was going.
     */
    @Test
    void aLostWorkerWhoseDeletionAPreviousLeaderBeganIsRecordedDeletedOnlyOnceTheDeleteActionEnds() throws Exception {
        String lost = Ids.newWorkerId();
        // Another pool's labels: the orchestrator under test must not delete it itself when it sees it listed.
        long server = createRaw(lost, Map.of("managed-by", "rgrid", "pool", DIRECT_POOL, "worker-id", lost));
        hetzner.setDelays(Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofSeconds(4));
        try {
            send("DELETE", "/servers/" + server, null); // the previous leader's delete, never followed to its end
            long deleteBegun = System.nanoTime();
            assertThat(provider.deletionRunning(lost, Long.toString(server))).isTrue();
            assertThat(provider.deletionRunning(lost, "4242")).as("another server").isFalse();
            database.inTransaction(c -> lifecycle.recordNew(c, new WorkerRecord(lost, "hetzner", Long.toString(server),
                    "cx23", 0.0, null, "t", WorkerState.LOST, "silent", 0, 0, 0, 0, 0, null, null, Instant.now(), null,
                    null)));

            // Reconciliations run every second: while the action runs, every one leaves the worker LOST.
            await().during(Duration.ofMillis(2_000)).atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(200))
                    .until(() -> database.inTransaction(c -> workers.lock(c, lost)).orElseThrow().state()
                            == WorkerState.LOST);
            await().atMost(Duration.ofSeconds(15)).until(() -> database.inTransaction(c -> workers.lock(c, lost))
                    .map(w -> w.state() == WorkerState.DELETED).orElse(false));
            assertThat((System.nanoTime() - deleteBegun) / 1_000_000).as("ms from the delete to DELETED")
                    .isGreaterThanOrEqualTo(3_500);
            assertThat(provider.deletionRunning(lost, Long.toString(server))).isFalse();
            assertThat(database.inTransaction(c -> workers.lock(c, lost)).orElseThrow().stateDetail())
                    .startsWith("deleted by reconciliation");
        } finally {
            hetzner.setDelays(Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofMillis(50));
        }
    }

    @Test
    void reconciliationDeletesOurOrphansAndNeverTouchesOthersServers() throws Exception {
        assertThat(appProvider.name()).isEqualTo("hetzner");
        String known = Ids.newWorkerId();
        database.inTransaction(c -> lifecycle.recordNew(c, new WorkerRecord(known, "hetzner", null, "cx23", 0.0,
                null, "t", WorkerState.PROVISIONING, "provisioning", 0, 0, 0, 0, 0, null, null, Instant.now(), null,
                null)));
        String orphan = Ids.newWorkerId();
        long knownServer = createRaw(known, Map.of("managed-by", "rgrid", "pool", HetznerEmulatorResource.POOL,
                "worker-id", known));
        long orphanServer = createRaw(orphan, Map.of("managed-by", "rgrid", "pool", HetznerEmulatorResource.POOL,
                "worker-id", orphan));
        long foreign = createRaw("customer-database", Map.of("worker-id", orphan));
        long otherGrid = createRaw("rgrid-worker-elsewh", Map.of("managed-by", "rgrid", "pool", "staging",
                "worker-id", "rgrid-worker-elsewh"));
        long unlabelled = createRaw("rgrid-worker-nolabl", Map.of());
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> serverById(orphanServer).isEmpty());
            // For two more reconciliation rounds (1 s apart) every other server stays.
            await().during(Duration.ofMillis(2_500)).atMost(Duration.ofSeconds(5))
                    .pollInterval(Duration.ofMillis(250)).until(() -> serverById(knownServer).isPresent()
                            && serverById(foreign).isPresent() && serverById(otherGrid).isPresent()
                            && serverById(unlabelled).isPresent());
        } finally {
            for (long id : List.of(knownServer, foreign, otherGrid, unlabelled)) {
                send("DELETE", "/servers/" + id, null);
            }
            database.inTransaction(c -> {
                var row = workers.lock(c, known);
                if (row.isPresent()) {
                    lifecycle.change(c, row.get(), WorkerState.DELETED, "test over");
                }
                return null;
            });
        }
    }

    @Test
    void theWorkersEndpointAndMetricsShowTheTimeline() {
        String workerId = Ids.newWorkerId();
        database.inTransaction(c -> lifecycle.recordNew(c, new WorkerRecord(workerId, "hetzner", "1", "cx23", 0.0,
                null, "t", WorkerState.DELETED, "test", 0, 0, 0, 0, 0, null, null, Instant.now(), null, null)));
        timeline.mark(workerId, ProvisioningTimeline.Phase.REQUESTED, Instant.now().minusSeconds(30));
        timeline.mark(workerId, ProvisioningTimeline.Phase.CREATED, Instant.now().minusSeconds(28));
        timeline.mark(workerId, ProvisioningTimeline.Phase.RUNNING, Instant.now().minusSeconds(10));
        assertThat(timeline.of(workerId)).containsKeys("requested", "created", "running");
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics).contains("rgrid_orchestrator_provisioning_phase_seconds_count{phase=\"running\"");
        String running = given().get("/v1/workers").then().statusCode(200).extract().jsonPath()
                .getString("find { it.id == '" + workerId + "' }.timeline.running");
        assertThat(running).isNotNull();
    }

    // ---- raw access to the emulator, as another client of the same project ----

    private Optional<ServerInfo> serverNamed(String name) {
        return hetzner.servers().stream().filter(s -> s.name().equals(name)).findFirst();
    }

    private Optional<ServerInfo> serverById(long id) {
        return hetzner.servers().stream().filter(s -> s.id() == id).findFirst();
    }

    private long createRaw(String name, Map<String, String> labels) throws Exception {
        String body = JSON.writeValueAsString(Map.of("name", name, "server_type", "cx23", "image", "ubuntu-24.04",
                "location", "nbg1", "labels", labels));
        return JSON.readTree(send("POST", "/servers", body)).path("server").path("id").asLong();
    }

    private JsonNode get(String path) throws Exception {
        return JSON.readTree(send("GET", path, null));
    }

    private String send(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(hetzner.baseUrl() + path))
                .header("Authorization", "Bearer " + HetznerEmulatorResource.TOKEN)
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(method + " " + path + ": " + response.body()).isLessThan(300);
        return response.body();
    }
}
