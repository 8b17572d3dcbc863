package io.rgrid.orchestrator.provider.hetzner;

import io.rgrid.model.event.MachineType;
import io.rgrid.orchestrator.config.RgridConfig;
import io.rgrid.orchestrator.provider.CloudProvider;
import io.rgrid.orchestrator.provider.ProvisionedServer;
import io.rgrid.orchestrator.provider.ProvisioningException;
import io.rgrid.orchestrator.provider.ProvisioningTimeline;
import io.rgrid.orchestrator.provider.hetzner.api.ApiModel;
import io.rgrid.orchestrator.provider.hetzner.api.ApiModel.Action;
import io.rgrid.orchestrator.provider.hetzner.api.ApiModel.Server;
import io.rgrid.orchestrator.provider.hetzner.api.HetznerApiException;
import io.rgrid.orchestrator.provider.hetzner.api.HetznerCloud;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Pattern;

/**
 * Workers as Hetzner Cloud servers. {@link #provision} creates the server and returns as soon as
 * Hetzner has it (its {@code created} starts the billing hour), so the autoscaler's thread is
 * never held for the boot; the rest runs on the provider's own threads: wait until the server is
 * {@code running}, then {@link WorkerBootstrap} over SSH. A boot that fails is reported to the
 * {@link BootListener} (the orchestrator marks the worker LOST and deletes the server).
 *
 * <p>Every server is named after its worker id and labelled {@code managed-by=rgrid},
 * {@code pool=<pool>}, {@code worker-id=<id>}; {@link #list()} and {@link #terminate} select by
 * those labels, so a server anyone else created in the project is never listed nor deleted.
 * Workers join the grid's private network and get the grid's firewall (both created when missing).
 * When Hetzner answers {@code resource_unavailable} or {@code placement_error}, the next
 * {@code type@location} of the fallback list is tried.
 */
public final class HetznerProvider implements CloudProvider {

    private static final Logger LOG = Logger.getLogger(HetznerProvider.class);

    public static final String LABEL_MANAGED_BY = "managed-by";
    public static final String MANAGED_BY = "rgrid";
    public static final String LABEL_POOL = "pool";
    public static final String LABEL_WORKER_ID = "worker-id";
    /** Hetzner's label value grammar: up to 63 characters, alphanumerics at both ends, -_. inside. */
    private static final Pattern LABEL_VALUE = Pattern.compile("([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?");

    /** Told when a server was created but could not be made a worker. */
    @FunctionalInterface
    public interface BootListener {
        /** {@code reason} says which step failed and why; never a credential. */
        void bootFailed(String workerId, String reason);
    }

    /** One (server type, location) to try. */
    public record Placement(String serverType, String location) {
        @Override
        public String toString() {
            return serverType + "@" + location;
        }
    }

    private final RgridConfig.Hetzner settings;
    private final HetznerCloud cloud;
    private final WorkerBootstrap bootstrap;
    private final UserDataRenderer userData;
    private final ProvisioningTimeline timeline;
    private final BootListener bootListener;
    private final List<Placement> placements;
    private final ServerTypeCatalog catalog;
    private final ExecutorService boots;
    private final Map<String, Future<?>> booting = new ConcurrentHashMap<>();

    private volatile Infrastructure infrastructure;
    private volatile boolean closed;

    /** The ids of the project's SSH key, network and firewall the workers use. */
    record Infrastructure(long sshKeyId, long networkId, long firewallId) {
    }

    /**
     * @param userData     the user data of each server ({@link TemplateUserData} or the bootstrap's renderer)
     * @param timeline     where boot steps are recorded; null for none
     * @param bootListener told when a created server could not be made a worker
     */
    public HetznerProvider(RgridConfig.Hetzner settings, HetznerCloud cloud, WorkerBootstrap bootstrap,
                           UserDataRenderer userData, ProvisioningTimeline timeline, BootListener bootListener) {
        this.settings = settings;
        this.cloud = cloud;
        this.bootstrap = bootstrap;
        this.userData = userData;
        this.timeline = timeline;
        this.bootListener = bootListener;
        this.placements = placements(settings);
        this.catalog = new ServerTypeCatalog(cloud, ServerTypeCatalog.allowedNames(settings.serverTypes(),
                settings.serverType()), settings.location());
        if (!LABEL_VALUE.matcher(settings.pool()).matches() || settings.pool().isEmpty()) {
            throw new IllegalArgumentException("rgrid.orchestrator.hetzner.pool: '" + settings.pool()
                    + "' is not a Hetzner label value (1-63 letters, digits, '-', '_', '.'; alphanumeric at both ends)");
        }
        if (!"private".equals(settings.sshVia()) && !"public".equals(settings.sshVia())) {
            throw new IllegalArgumentException("rgrid.orchestrator.hetzner.ssh-via: '" + settings.sshVia()
                    + "' is neither 'private' nor 'public'");
        }
        this.boots = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "hetzner-boot");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** The default type and location, then the fallbacks, without repeats. */
    static List<Placement> placements(RgridConfig.Hetzner settings) {
        List<Placement> out = new ArrayList<>();
        out.add(new Placement(settings.serverType(), settings.location()));
        for (String entry : settings.fallbacks()) {
            String trimmed = entry.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            String[] parts = trimmed.split("@", -1);
            if (parts.length != 2 || parts[0].isBlank() || parts[1].isBlank()) {
                throw new IllegalArgumentException("rgrid.orchestrator.hetzner.fallbacks: entry '" + trimmed
                        + "' is not type@location (e.g. cx33@fsn1)");
            }
            Placement placement = new Placement(parts[0].trim(), parts[1].trim());
            if (!out.contains(placement)) {
                out.add(placement);
            }
        }
        return List.copyOf(out);
    }

    public List<Placement> placements() {
        return placements;
    }

    /**
     * Where a worker of {@code type} is tried: the default placements when no type was chosen;
     * else the type in the default location, then the fallbacks' locations that name the same type.
     */
    List<Placement> placementsFor(MachineType type) {
        if (type == null) {
            return placements;
        }
        List<Placement> out = new ArrayList<>();
        out.add(new Placement(type.name(), settings.location()));
        placements.stream().filter(p -> p.serverType().equals(type.name()) && !out.contains(p)).forEach(out::add);
        return List.copyOf(out);
    }

    /** The label selector of this grid's servers. */
    public String selector() {
        return LABEL_MANAGED_BY + "=" + MANAGED_BY + "," + LABEL_POOL + "=" + settings.pool();
    }

    @Override
    public String name() {
        return "hetzner";
    }

    @Override
    public boolean scalable() {
        return true;
    }

    @Override
    public ServerOffer offer() {
        return new ServerOffer(settings.serverType(), hourlyPrice(settings.serverType(), settings.location()),
                settings.expectedBootTime());
    }

    @Override
    public ProvisionedServer provision(ProvisionRequest request) throws ProvisioningException {
        if (closed) {
            throw new ProvisioningException("the hetzner provider is stopped");
        }
        Infrastructure infra = infrastructure();
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(LABEL_MANAGED_BY, MANAGED_BY);
        labels.put(LABEL_POOL, settings.pool());
        labels.put(LABEL_WORKER_ID, request.workerId());

        List<String> refused = new ArrayList<>();
        for (Placement placement : placementsFor(request.type())) {
            String rendered = userData.render(request.workerId(), placement.serverType(), placement.location());
            MachineType size = catalog.machineTypes().stream().filter(t -> t.name().equals(placement.serverType()))
                    .findFirst().orElse(null);
            ApiModel.CreateServerRequest create = new ApiModel.CreateServerRequest(request.workerId(),
                    placement.serverType(), settings.image(), placement.location(), List.of(infra.sshKeyId()), labels,
                    rendered, List.of(infra.networkId()), List.of(new ApiModel.FirewallRef(infra.firewallId())),
                    new ApiModel.PublicNetRequest(settings.publicIpv4(), settings.publicIpv6()), true);
            ApiModel.ServerResponse created;
            try {
                created = cloud.createServer(create);
            } catch (HetznerApiException e) {
                if (e.is("resource_unavailable") || e.is("placement_error")) {
                    LOG.warnf("worker %s: %s not available (%s): trying the next fallback", request.workerId(),
                            placement, e.getMessage());
                    refused.add(placement + " (" + e.code() + ")");
                    continue;
                }
                throw explain(e, request.workerId(), placement);
            }
            Server server = created.server();
            Instant createdAt = server.created() != null ? server.created().toInstant() : Instant.now();
            double price = hourlyPrice(placement.serverType(), placement.location());
            LOG.infof("worker %s: Hetzner server %d created (%s, %s, %.4f EUR/h); booting", request.workerId(),
                    server.id(), placement, settings.image(), price);
            startBoot(request, server, created, size);
            return new ProvisionedServer(request.workerId(), Long.toString(server.id()), null, createdAt,
                    placement.serverType(), price);
        }
        throw new ProvisioningException("Hetzner has no capacity for any configured server type and location: "
                + String.join(", ", refused) + ". Add type@location pairs to rgrid.orchestrator.hetzner.fallbacks "
                + "(e.g. cx33@fsn1) or wait: the autoscaler tries again after its failure back-off");
    }

    /** Hetzner's error, as what the operator should do about it. Never includes the token (the exception cannot hold it). */
    ProvisioningException explain(HetznerApiException e, String workerId, Placement placement) {
        String what = switch (e.code()) {
            case "unauthorized" -> "Hetzner refused the API token: set HETZNER_API_TOKEN "
                    + "(rgrid.orchestrator.hetzner.api-token) to a Read & Write token of the project";
            case "forbidden", "token_readonly" -> "the API token may not create servers: create a Read & Write "
                    + "token in the project's Security settings and set HETZNER_API_TOKEN to it";
            case "resource_limit_exceeded" -> "the Hetzner project's limit is reached: delete servers you no longer "
                    + "need, ask Hetzner to raise the limit, or lower rgrid.orchestrator.scaling.max-workers";
            case "uniqueness_error" -> "a resource with the same " + String.join(", ", e.fieldNames())
                    + " already exists in the Hetzner project (a server named " + workerId
                    + " left from an earlier attempt?): delete it in the Hetzner console";
            case "invalid_input" -> "Hetzner rejected the request for " + placement + ": check "
                    + "rgrid.orchestrator.hetzner.server-type, location, image and fallbacks (a type must be "
                    + "offered in its location, the location in the network zone " + settings.networkZone() + ")";
            case "locked", "conflict" -> "the Hetzner resource is busy with another action: the autoscaler "
                    + "tries again after its failure back-off";
            case "rate_limit_exceeded" -> "the Hetzner API rate limit (3,600 requests per hour and project) is "
                    + "spent; another client may share the project's token. Provisioning resumes once it refills";
            case "unreachable" -> "cannot reach the Hetzner API at " + settings.apiUrl() + ": check the network "
                    + "and rgrid.orchestrator.hetzner.api-url";
            case "json_error" -> "Hetzner could not parse the request (a bug in RGrid: please report it)";
            default -> "Hetzner failed the request: try again later (the autoscaler does after its back-off)";
        };
        return new ProvisioningException(what + " [" + e.getMessage() + "]", e);
    }

    // ---- booting ----

    private void startBoot(ProvisionRequest request, Server server, ApiModel.ServerResponse created,
                           MachineType size) {
        Runnable boot = () -> {
            try {
                boot(request, server, created, size);
            } catch (InterruptedException e) {
                LOG.infof("worker %s: boot interrupted (terminated or orchestrator stopping)", request.workerId());
                Thread.currentThread().interrupt();
            } catch (WorkerBootstrap.BootstrapException e) {
                failBoot(request.workerId(), "bootstrap failed at " + e.getMessage());
            } catch (RuntimeException e) {
                failBoot(request.workerId(), "boot failed: " + e.getMessage());
            } finally {
                booting.remove(request.workerId());
            }
        };
        booting.put(request.workerId(), boots.submit(boot));
    }

    private void boot(ProvisionRequest request, Server server, ApiModel.ServerResponse created, MachineType size)
            throws InterruptedException, WorkerBootstrap.BootstrapException {
        Instant deadline = Instant.now().plus(settings.runningTimeout());
        List<Action> actions = new ArrayList<>();
        if (created.action() != null) {
            actions.add(created.action());
        }
        if (created.nextActions() != null) {
            actions.addAll(created.nextActions());
        }
        for (Action action : actions) {
            Duration left = Duration.between(Instant.now(), deadline);
            Action done = cloud.awaitAction(action, left.isNegative() ? Duration.ZERO : left);
            if ("error".equals(done.status())) {
                throw new IllegalStateException("Hetzner action " + done.command() + " failed: "
                        + (done.error() == null ? "no reason given" : done.error().code() + ": " + done.error().message()));
            }
        }
        Server current = server;
        while (!"running".equals(current.status())) {
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("server " + server.id() + " still " + current.status() + " after "
                        + settings.runningTimeout() + " (rgrid.orchestrator.hetzner.running-timeout)");
            }
            Thread.sleep(settings.pollInterval().toMillis());
            current = cloud.server(server.id()).orElseThrow(
                    () -> new IllegalStateException("server " + server.id() + " disappeared while booting"));
        }
        mark(request.workerId(), ProvisioningTimeline.Phase.RUNNING);
        String sshHost = "public".equals(settings.sshVia()) ? current.publicIpv4() : current.privateIp();
        if (sshHost == null) {
            throw new IllegalStateException("server " + server.id() + " has no " + settings.sshVia()
                    + " address to connect to (rgrid.orchestrator.hetzner.ssh-via)");
        }
        WorkerBootstrap.Target target = new WorkerBootstrap.Target(current.name(), current.id(), request.workerId(),
                request.token(), sshHost, settings.sshPort(), current.privateIp(), size);
        LOG.infof("worker %s: server running, bootstrapping %s", request.workerId(), target);
        bootstrap.bootstrap(target, settings.bootstrapBudget());
        mark(request.workerId(), ProvisioningTimeline.Phase.SSH_READY);
    }

    private void failBoot(String workerId, String reason) {
        LOG.errorf("worker %s: %s", workerId, reason);
        if (closed) {
            return;
        }
        try {
            bootListener.bootFailed(workerId, reason);
        } catch (RuntimeException e) {
            LOG.errorf("worker %s: could not report the failed boot (%s); deleting its server", workerId,
                    e.getMessage());
            terminate(workerId);
        }
    }

    private void mark(String workerId, ProvisioningTimeline.Phase phase) {
        if (timeline != null) {
            timeline.mark(workerId, phase);
        }
    }

    // ---- terminate and list ----

    @Override
    public void terminate(String workerId) {
        Future<?> boot = booting.remove(workerId);
        if (boot != null) {
            boot.cancel(true);
        }
        List<Server> servers = cloud.servers(selector() + "," + LABEL_WORKER_ID + "=" + workerId);
        for (Server server : servers) {
            Optional<Action> deleting = cloud.deleteServer(server.id());
            LOG.infof("worker %s: Hetzner server %d deleted", workerId, server.id());
            if (deleting.isPresent()) {
                try {
                    Action done = cloud.awaitAction(deleting.get(), settings.runningTimeout());
                    if ("error".equals(done.status())) {
                        LOG.warnf("worker %s: delete action of server %d ended in error: %s", workerId, server.id(),
                                done.error());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (RuntimeException e) {
                    // The server is already gone from the API; its delete action is Hetzner's business.
                    LOG.debugf("worker %s: delete action not followed: %s", workerId, e.getMessage());
                }
            }
        }
    }

    /** This grid's servers (both labels); others' servers, however named, are not listed. */
    @Override
    public List<ProvisionedServer> list() {
        List<ProvisionedServer> out = new ArrayList<>();
        for (Server server : cloud.servers(selector())) {
            Map<String, String> labels = server.labels() == null ? Map.of() : server.labels();
            String workerId = labels.get(LABEL_WORKER_ID);
            if (workerId == null || !MANAGED_BY.equals(labels.get(LABEL_MANAGED_BY))
                    || !settings.pool().equals(labels.get(LABEL_POOL))) {
                continue; // the selector already ensures this; belt and braces before anything is deleted
            }
            String type = server.serverType() == null ? null : server.serverType().name();
            out.add(new ProvisionedServer(workerId, Long.toString(server.id()), null,
                    server.created() == null ? Instant.now() : server.created().toInstant(), type,
                    hourlyPrice(type, server.location())));
        }
        return out;
    }

    @Override
    public void close() {
        closed = true;
        boots.shutdownNow();
    }

    @Override
    public String toString() {
        return "HetznerProvider[" + settings.apiUrl() + ", pool " + settings.pool() + ", " + placements + "]";
    }

    // ---- types and prices ----

    /** The allowed types Hetzner offers, with sizes and prices ({@link ServerTypeCatalog}). */
    @Override
    public List<MachineType> machineTypes() {
        return catalog.machineTypes();
    }

    /**
     * EUR per started hour, VAT included ({@code price_hourly.gross}) of {@code type} in
     * {@code location}, from {@code GET /server_types} (refreshed hourly); 0 when unknown.
     */
    public double hourlyPrice(String type, String location) {
        return catalog.hourlyPrice(type, location);
    }

    // ---- SSH key, network, firewall ----

    /** The project's SSH key, network and firewall for workers, created when missing; looked up once. */
    synchronized Infrastructure infrastructure() throws ProvisioningException {
        if (infrastructure != null) {
            return infrastructure;
        }
        try {
            long key = sshKey();
            long network = network();
            long firewall = firewall();
            infrastructure = new Infrastructure(key, network, firewall);
            return infrastructure;
        } catch (HetznerApiException e) {
            throw explain(e, "-", placements.getFirst());
        }
    }

    private long sshKey() throws ProvisioningException {
        Path pub = Path.of(settings.sshKeyPath() + ".pub");
        String publicKey;
        try {
            publicKey = Files.readString(pub, StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new ProvisioningException("no public key at " + pub.toAbsolutePath() + " (" + e.getClass()
                    .getSimpleName() + "): create the worker key pair (ssh-keygen -t ed25519 -f "
                    + settings.sshKeyPath() + ") or point HETZNER_SSH_KEY_PATH at the private key", e);
        }
        String[] fields = publicKey.split("\\s+");
        if (fields.length < 2) {
            throw new ProvisioningException(pub + " is not an OpenSSH public key");
        }
        String material = fields[0] + " " + fields[1];
        Optional<ApiModel.SshKey> named = cloud.sshKeyNamed(settings.sshKeyName());
        if (named.isPresent()) {
            if (!named.get().publicKey().trim().startsWith(material)) {
                throw new ProvisioningException("the SSH key '" + settings.sshKeyName() + "' of the Hetzner project "
                        + "is not " + pub + ": delete it there, or set rgrid.orchestrator.hetzner.ssh-key-name to "
                        + "another name to register this one");
            }
            return named.get().id();
        }
        try {
            ApiModel.SshKey created = cloud.createSshKey(new ApiModel.CreateSshKeyRequest(settings.sshKeyName(),
                    material, Map.of(LABEL_MANAGED_BY, MANAGED_BY)));
            LOG.infof("registered %s as SSH key '%s' (%d) with Hetzner", pub, settings.sshKeyName(), created.id());
            return created.id();
        } catch (HetznerApiException e) {
            if (!e.is("uniqueness_error")) {
                throw e;
            }
            // The same key under another name (or a concurrent registration): use that one.
            String fingerprint = md5Fingerprint(fields[1]);
            return cloud.sshKeyWithFingerprint(fingerprint).or(() -> cloud.sshKeyNamed(settings.sshKeyName()))
                    .map(ApiModel.SshKey::id)
                    .orElseThrow(() -> e);
        }
    }

    /** Hetzner's fingerprint form: MD5 of the key blob, hex pairs joined by ':'. */
    static String md5Fingerprint(String base64Blob) {
        try {
            byte[] digest = MessageDigest.getInstance("MD5").digest(Base64.getDecoder().decode(base64Blob));
            return HexFormat.ofDelimiter(":").formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private long network() {
        Optional<ApiModel.Network> existing = cloud.networkNamed(settings.networkName());
        if (existing.isPresent()) {
            return existing.get().id();
        }
        try {
            ApiModel.Network created = cloud.createNetwork(new ApiModel.CreateNetworkRequest(settings.networkName(),
                    settings.networkIpRange(), List.of(new ApiModel.Subnet("cloud", settings.subnetIpRange(),
                    settings.networkZone())), Map.of(LABEL_MANAGED_BY, MANAGED_BY)));
            LOG.infof("created Hetzner network '%s' (%d, %s): attach the control plane to it", settings.networkName(),
                    created.id(), settings.networkIpRange());
            return created.id();
        } catch (HetznerApiException e) {
            if (e.is("uniqueness_error")) {
                return cloud.networkNamed(settings.networkName()).map(ApiModel.Network::id).orElseThrow(() -> e);
            }
            throw e;
        }
    }

    private long firewall() {
        Optional<ApiModel.Firewall> existing = cloud.firewallNamed(settings.firewallName());
        if (existing.isPresent()) {
            for (ApiModel.FirewallRule rule : existing.get().rules() == null ? List.<ApiModel.FirewallRule>of()
                    : existing.get().rules()) {
                if ("in".equals(rule.direction()) && !"22".equals(rule.port())) {
                    LOG.warnf("Hetzner firewall '%s' opens %s %s to %s: workers should expose nothing publicly but SSH",
                            settings.firewallName(), rule.protocol(), rule.port(), rule.sourceIps());
                }
            }
            return existing.get().id();
        }
        List<ApiModel.FirewallRule> rules = new ArrayList<>();
        List<String> sources = settings.sshSourceIps().orElse(List.of());
        if (!sources.isEmpty()) {
            rules.add(new ApiModel.FirewallRule("SSH from the RGrid control plane", "in", "tcp", "22", sources, null));
        }
        try {
            ApiModel.Firewall created = cloud.createFirewall(new ApiModel.CreateFirewallRequest(settings.firewallName(),
                    rules, Map.of(LABEL_MANAGED_BY, MANAGED_BY)));
            LOG.infof("created Hetzner firewall '%s' (%d): inbound %s", settings.firewallName(), created.id(),
                    sources.isEmpty() ? "nothing" : "SSH from " + sources);
            return created.id();
        } catch (HetznerApiException e) {
            if (e.is("uniqueness_error")) {
                return cloud.firewallNamed(settings.firewallName()).map(ApiModel.Firewall::id).orElseThrow(() -> e);
            }
            throw e;
        }
    }
}
