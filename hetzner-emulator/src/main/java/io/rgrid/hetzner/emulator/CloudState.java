package io.rgrid.hetzner.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * The emulated project: servers, actions, SSH keys, networks and firewalls. Every read and write of this state holds
 * the monitor of this object; listener callbacks run on their own thread after the monitor is released.
 */
final class CloudState {

    private static final Logger LOG = Logger.getLogger(CloudState.class.getName());
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    /** RFC 1123 hostname: dot-separated labels of letters, digits and dashes, not starting or ending with a dash. */
    private static final Pattern HOSTNAME =
            Pattern.compile("(?=.{1,253}$)([a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)(\\.[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)*");
    private static final Set<String> SERVER_STATUSES = Set.of("running", "initializing", "starting", "stopping", "off",
            "deleting", "migrating", "rebuilding", "unknown");
    private static final int USER_DATA_LIMIT = 32 * 1024;

    final Catalog catalog = new Catalog();
    private final ScheduledExecutorService scheduler;
    private final ExecutorService listenerExecutor;
    private final List<ServerLifecycleListener> listeners = new CopyOnWriteArrayList<>();
    private final SecureRandom random = new SecureRandom();

    private Duration initializingDelay;
    private Duration startingDelay;
    private Duration deleteDelay;
    private int serverLimit;

    private long nextServerId = 10_000_001L;
    private long nextActionId = 50_000_001L;
    private long nextSshKeyId = 7_000_001L;
    private long nextNetworkId = 3_000_001L;
    private long nextFirewallId = 1_000_001L;
    private long nextPublicIp = 1;
    /** First three octets and a dot (e.g. {@code 127.0.100.}) of the public IPv4 addresses given to new servers. */
    private String publicIpv4Prefix = "203.0.113.";
    /** Where servers are machines; null: in memory, boots are timers. */
    private ServerMachines machines;

    private final Map<Long, Server> servers = new LinkedHashMap<>();
    private final Map<Long, Action> actions = new LinkedHashMap<>();
    private final Map<Long, SshKey> sshKeys = new LinkedHashMap<>();
    private final Map<Long, Network> networks = new LinkedHashMap<>();
    private final Map<Long, Firewall> firewalls = new LinkedHashMap<>();

    private final Deque<CreateFailure> createFailures = new ArrayDeque<>();
    private final Set<String> unavailable = new HashSet<>();

    record CreateFailure(String location, String serverType, ErrorCode code, String message) {
        boolean matches(String loc, String type) {
            return (location == null || location.equals(loc)) && (serverType == null || serverType.equals(type));
        }
    }

    private static final class Server {
        long id;
        String name;
        String status;
        Instant created;
        Catalog.ServerType type;
        Catalog.Location location;
        Catalog.Image image;
        Map<String, String> labels;
        List<Long> sshKeyIds;
        String userData;
        List<PrivateNet> privateNets = new ArrayList<>();
        List<Long> firewallIds = new ArrayList<>();
        boolean locked;
        long ipId;
        String ipv4;
        String ipv6;
    }

    private record PrivateNet(long network, String ip, String mac) {
    }

    private static final class Action {
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

    private static final class SshKey {
        long id;
        String name;
        String fingerprint;
        String publicKey;
        Map<String, String> labels;
        Instant created;
    }

    private static final class Subnet {
        String type;
        String ipRange;
        String networkZone;
        String gateway;
        Long vswitchId;
        int nextHost = 2;
    }

    private static final class Network {
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

    private static final class Firewall {
        long id;
        String name;
        Map<String, String> labels;
        Instant created;
        ArrayNode rules;
        Set<Long> servers = new LinkedHashSet<>();
    }

    CloudState(ScheduledExecutorService scheduler, ExecutorService listenerExecutor, Duration initializingDelay,
               Duration startingDelay, Duration deleteDelay, int serverLimit) {
        this.scheduler = scheduler;
        this.listenerExecutor = listenerExecutor;
        this.initializingDelay = initializingDelay;
        this.startingDelay = startingDelay;
        this.deleteDelay = deleteDelay;
        this.serverLimit = serverLimit;
    }

    // ---- configuration and test hooks ----

    synchronized void setDelays(Duration initializing, Duration starting, Duration delete) {
        this.initializingDelay = initializing;
        this.startingDelay = starting;
        this.deleteDelay = delete;
    }

    synchronized void setServerLimit(int limit) {
        this.serverLimit = limit;
    }

    synchronized void setPublicIpv4Prefix(String prefix) {
        this.publicIpv4Prefix = prefix;
    }

    synchronized void setMachines(ServerMachines machines) {
        this.machines = machines;
    }

    /** The public key of an SSH key, for a boot hook that authorizes a server's keys. */
    synchronized java.util.Optional<String> sshPublicKey(long id) {
        SshKey k = sshKeys.get(id);
        return k == null ? java.util.Optional.empty() : java.util.Optional.of(k.publicKey);
    }

    void addListener(ServerLifecycleListener listener) {
        listeners.add(listener);
    }

    void removeListener(ServerLifecycleListener listener) {
        listeners.remove(listener);
    }

    synchronized void failNextCreate(String location, String serverType, ErrorCode code, String message) {
        createFailures.add(new CreateFailure(location, serverType, code, message));
    }

    synchronized void setUnavailable(String serverType, String location, boolean isUnavailable) {
        String key = serverType + "@" + location;
        if (isUnavailable) {
            unavailable.add(key);
        } else {
            unavailable.remove(key);
        }
    }

    private boolean isUnavailable(String serverType, String location) {
        return unavailable.contains(serverType + "@" + location);
    }

    synchronized List<ServerInfo> servers() {
        return servers.values().stream().map(this::info).toList();
    }

    // ---- servers ----

    synchronized ObjectNode createServer(JsonNode body) {
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
        String locationRef = idOrName(body, "location");
        String datacenterRef = idOrName(body, "datacenter");
        if (locationRef != null && datacenterRef != null) {
            throw ApiError.invalidInput("location", "must not be used together with datacenter");
        }
        Catalog.Location location;
        if (datacenterRef != null) {
            location = catalog.locationByDatacenter(datacenterRef)
                    .orElseThrow(() -> ApiError.invalidInput("datacenter", "datacenter not found"));
        } else if (locationRef != null) {
            location = catalog.location(locationRef)
                    .orElseThrow(() -> ApiError.invalidInput("location", "location not found"));
        } else {
            location = catalog.locations.get(0);
        }
        if (!type.offeredIn(location.name())) {
            throw ApiError.invalidInput("server_type",
                    "server type " + type.name() + " is not supported in location " + location.name());
        }
        Map<String, String> labels = Labels.parse(body.get("labels"));
        List<Long> keyIds = new ArrayList<>();
        for (JsonNode ref : array(body, "ssh_keys")) {
            String r = ref.asText();
            SshKey key = sshKeys.values().stream()
                    .filter(k -> k.name.equals(r) || String.valueOf(k.id).equals(r)).findFirst()
                    .orElseThrow(() -> ApiError.invalidInput("ssh_keys", "ssh key '" + r + "' not found"));
            keyIds.add(key.id);
        }
        List<Network> nets = new ArrayList<>();
        for (JsonNode ref : array(body, "networks")) {
            Network n = ref.canConvertToLong() ? networks.get(ref.asLong()) : null;
            if (n == null) {
                throw ApiError.invalidInput("networks", "network " + ref.asText() + " not found");
            }
            if (subnetFor(n, location.networkZone()) == null) {
                throw ApiError.invalidInput("networks",
                        "network " + n.id + " has no subnet in network zone " + location.networkZone());
            }
            nets.add(n);
        }
        List<Firewall> fws = new ArrayList<>();
        for (JsonNode ref : array(body, "firewalls")) {
            JsonNode idNode = ref.get("firewall");
            Firewall fw = idNode != null && idNode.canConvertToLong() ? firewalls.get(idNode.asLong()) : null;
            if (fw == null) {
                throw ApiError.invalidInput("firewalls", "firewall " + ref + " not found");
            }
            fws.add(fw);
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
        if (machines != null && nets.isEmpty()) {
            throw ApiError.invalidInput("networks",
                    "servers here are machines on a private network: attach the server to a network");
        }

        if (servers.values().stream().anyMatch(s -> s.name.equals(name))) {
            throw ApiError.uniqueness("server name is already used", "name");
        }
        if (servers.size() >= serverLimit) {
            throw ApiError.limitExceeded("project limit exceeded", "project_limit");
        }
        Instant now = Instant.now();
        if (!type.orderable(now)) {
            throw new ApiError(ErrorCode.RESOURCE_UNAVAILABLE,
                    "server type " + type.name() + " is deprecated and no longer available for order");
        }
        if (isUnavailable(type.name(), location.name())) {
            throw new ApiError(ErrorCode.RESOURCE_UNAVAILABLE,
                    "server type " + type.name() + " is unavailable in location " + location.name());
        }
        var failure = createFailures.stream().filter(f -> f.matches(location.name(), type.name())).findFirst();
        if (failure.isPresent()) {
            createFailures.remove(failure.get());
            throw new ApiError(failure.get().code(), failure.get().message());
        }

        Server s = new Server();
        s.id = nextServerId++;
        s.name = name;
        s.status = "initializing";
        s.created = now;
        s.type = type;
        s.location = location;
        s.image = image;
        s.labels = labels;
        s.sshKeyIds = keyIds;
        s.userData = userData;
        s.locked = true;
        s.ipId = 90_000_000L + nextPublicIp;
        // Documentation address blocks (RFC 5737 / RFC 3849): never routable, never someone's real machine.
        s.ipv4 = enableIpv4 ? publicIpv4Prefix + (nextPublicIp % 254 + 1) : null;
        s.ipv6 = enableIpv6 ? "2001:db8:" + Long.toHexString(nextPublicIp) + "::/64" : null;
        nextPublicIp++;
        for (Network n : nets) {
            Subnet sub = subnetFor(n, location.networkZone());
            s.privateNets.add(new PrivateNet(n.id, hostAddress(sub), mac()));
            n.servers.add(s.id);
        }
        if (machines != null && s.ipv4 != null) {
            // A machine has one address, on the private network: its public IPv4 is that same address.
            s.ipv4 = s.privateNets.getFirst().ip();
        }
        for (Firewall fw : fws) {
            s.firewallIds.add(fw.id);
            fw.servers.add(s.id);
        }
        servers.put(s.id, s);

        Action create = newAction("create_server", now, "server", s.id);
        Action start = startAfterCreate ? newAction("start_server", now, "server", s.id) : null;
        if (machines == null) {
            scheduleLifecycle(s.id, create, start);
        } else {
            bootMachine(s, create, start);
        }

        ObjectNode res = F.objectNode();
        res.set("server", serverJson(s));
        res.set("action", actionJson(create));
        ArrayNode next = res.putArray("next_actions");
        if (start != null) {
            next.add(actionJson(start));
        }
        if (keyIds.isEmpty()) {
            res.put("root_password", password());
        } else {
            res.putNull("root_password");
        }
        return res;
    }

    /**
     * initializing → (create_server succeeds) → starting → (start_server succeeds) → running, with each action at
     * 50 % half-way through its phase; without start_after_create the server ends {@code off}.
     */
    private void scheduleLifecycle(long serverId, Action create, Action start) {
        long init = initializingDelay.toMillis();
        long starting = startingDelay.toMillis();
        later(init / 2, () -> progress(serverId, create, 50));
        later(init, () -> {
            if (!exists(serverId)) {
                return;
            }
            finish(create, null);
            Server s = servers.get(serverId);
            if (start == null) {
                s.status = "off";
                s.locked = false;
            } else {
                s.status = "starting";
            }
        });
        if (start == null) {
            return;
        }
        later(init + starting / 2, () -> progress(serverId, start, 50));
        later(init + starting, () -> {
            if (!exists(serverId)) {
                return;
            }
            finish(start, null);
            Server s = servers.get(serverId);
            s.status = "running";
            s.locked = false;
            ServerInfo info = info(s);
            notifyListeners(l -> l.onRunning(info));
        });
    }

    /**
     * The lifecycle of a server that is a machine: initializing until the machine exists with its seed, starting
     * until its operating system has booted, then running. A failed step ends its action in {@code error} (code
     * {@code boot_failed}, the cause in the message) and the server {@code off}.
     */
    private void bootMachine(Server s, Action create, Action start) {
        ServerMachines m = machines;
        ServerInfo info = info(s);
        String address = s.privateNets.getFirst().ip();
        List<String> keys = s.sshKeyIds.stream().map(sshKeys::get).filter(Objects::nonNull).map(k -> k.publicKey)
                .toList();
        Thread.ofVirtual().name("hetzner-emulator-boot-" + s.id).start(() -> {
            Action step = create;
            try {
                m.create(info, address, keys);
                if (!advance(info.id(), create, start == null ? "off" : "starting")) {
                    m.remove(info);
                    return;
                }
                if (start == null) {
                    return;
                }
                step = start;
                m.start(info);
                if (!advance(info.id(), start, "running")) {
                    m.remove(info);
                }
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.WARNING, "machine of server " + info.name() + " failed", e);
                if (step == create) {
                    m.remove(info); // half made; a machine that failed to boot stays for inspection until deleted
                }
                failBoot(info.id(), step, e.getMessage());
            }
        });
    }

    /** Ends a lifecycle step: its action succeeds and the server takes the next status; false when it is gone. */
    private synchronized boolean advance(long serverId, Action done, String status) {
        Server s = servers.get(serverId);
        if (s == null) {
            return false;
        }
        finish(done, null);
        s.status = status;
        s.locked = status.equals("starting");
        if (status.equals("running")) {
            ServerInfo info = info(s);
            notifyListeners(l -> l.onRunning(info));
        }
        return true;
    }

    private synchronized void failBoot(long serverId, Action step, String message) {
        Server s = servers.get(serverId);
        if (s == null) {
            return;
        }
        finish(step, "boot_failed");
        step.errorMessage = message == null ? "boot failed" : message;
        actions.values().stream().filter(a -> a.status.equals("running") && a.touches("server", serverId))
                .forEach(a -> finish(a, "boot_failed"));
        s.status = "off";
        s.locked = false;
    }

    private void progress(long serverId, Action a, int value) {
        if (exists(serverId) && a.status.equals("running")) {
            a.progress = Math.max(a.progress, value);
        }
    }

    private boolean exists(long serverId) {
        return servers.containsKey(serverId);
    }

    private void later(long millis, Runnable task) {
        scheduler.schedule(() -> {
            try {
                synchronized (this) {
                    task.run();
                }
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "emulator lifecycle step failed", e);
            }
        }, Math.max(0, millis), TimeUnit.MILLISECONDS);
    }

    private void notifyListeners(Consumer<ServerLifecycleListener> event) {
        for (ServerLifecycleListener l : listeners) {
            listenerExecutor.execute(() -> {
                try {
                    event.accept(l);
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "server lifecycle listener failed", e);
                }
            });
        }
    }

    synchronized ObjectNode getServer(long id) {
        return wrap("server", serverJson(server(id)));
    }

    synchronized List<ObjectNode> listServers(Request req) {
        LabelSelector selector = LabelSelector.parse(req.param("label_selector"));
        String name = req.param("name");
        List<String> statuses = req.params("status");
        for (String st : statuses) {
            if (!SERVER_STATUSES.contains(st)) {
                throw ApiError.invalidInput("status", "invalid status '" + st + "'");
            }
        }
        Comparator<Server> order = sort(req, Map.of(
                "id", Comparator.comparingLong((Server s) -> s.id),
                "name", Comparator.comparing((Server s) -> s.name),
                "created", Comparator.comparing((Server s) -> s.created)));
        return servers.values().stream()
                .filter(s -> name == null || s.name.equals(name))
                .filter(s -> statuses.isEmpty() || statuses.contains(s.status))
                .filter(s -> selector.test(s.labels))
                .sorted(order)
                .map(this::serverJson).toList();
    }

    synchronized ObjectNode updateServer(long id, JsonNode body) {
        Server s = server(id);
        String name = text(body, "name");
        if (body.has("name")) {
            if (name == null || !HOSTNAME.matcher(name).matches()) {
                throw ApiError.invalidInput("name", "must be a valid hostname");
            }
            if (servers.values().stream().anyMatch(o -> o.id != id && o.name.equals(name))) {
                throw ApiError.uniqueness("server name is already used", "name");
            }
        }
        Map<String, String> labels = body.has("labels") ? Labels.parse(body.get("labels")) : null;
        if (name != null) {
            s.name = name;
        }
        if (labels != null) {
            s.labels = labels;
        }
        return wrap("server", serverJson(s));
    }

    synchronized ObjectNode deleteServer(long id) {
        Server s = server(id);
        servers.remove(id);
        Instant now = Instant.now();
        // Actions still running on a deleted server can never finish; clients polling them must not hang.
        for (Action a : actions.values()) {
            if (a.status.equals("running") && a.touches("server", id)) {
                finish(a, "action_failed");
            }
        }
        networks.values().forEach(n -> n.servers.remove(id));
        firewalls.values().forEach(f -> f.servers.remove(id));
        Action delete = newAction("delete_server", now, "server", id);
        s.status = "deleting";
        ServerInfo info = info(s);
        if (machines != null) {
            ServerMachines m = machines;
            Thread.ofVirtual().name("hetzner-emulator-delete-" + id).start(() -> {
                m.remove(info);
                synchronized (this) {
                    finish(delete, null);
                }
                notifyListeners(l -> l.onDeleted(info));
            });
            return wrap("action", actionJson(delete));
        }
        long d = deleteDelay.toMillis();
        later(d / 2, () -> {
            if (delete.status.equals("running")) {
                delete.progress = 50;
            }
        });
        later(d, () -> finish(delete, null));
        notifyListeners(l -> l.onDeleted(info));
        return wrap("action", actionJson(delete));
    }

    private Server server(long id) {
        Server s = servers.get(id);
        if (s == null) {
            throw ApiError.notFound("server with ID '" + id + "' not found");
        }
        return s;
    }

    private ServerInfo info(Server s) {
        return new ServerInfo(s.id, s.name, s.status, s.type.name(), s.location.name(), Map.copyOf(s.labels), s.ipv4,
                s.privateNets.stream().map(PrivateNet::ip).toList(), List.copyOf(s.sshKeyIds), s.userData);
    }

    private ObjectNode serverJson(Server s) {
        ObjectNode n = F.objectNode();
        n.put("id", s.id);
        n.put("name", s.name);
        n.put("status", s.status);
        n.put("created", Times.format(s.created));
        ObjectNode pub = n.putObject("public_net");
        // public_net.enable_ipv4/enable_ipv6 = false at create leave the address out: null, as the API reports it.
        if (s.ipv4 == null) {
            pub.putNull("ipv4");
        } else {
            ObjectNode v4 = pub.putObject("ipv4");
            v4.put("id", s.ipId);
            v4.put("ip", s.ipv4);
            v4.put("blocked", false);
            v4.put("dns_ptr", "static." + s.ipv4.replace('.', '-') + ".clients.your-server.de");
        }
        if (s.ipv6 == null) {
            pub.putNull("ipv6");
        } else {
            ObjectNode v6 = pub.putObject("ipv6");
            v6.put("id", s.ipId + 1);
            v6.put("ip", s.ipv6);
            v6.put("blocked", false);
            v6.putArray("dns_ptr");
        }
        pub.putArray("floating_ips");
        ArrayNode fws = pub.putArray("firewalls");
        for (long fw : s.firewallIds) {
            fws.addObject().put("id", fw).put("status", "applied");
        }
        ArrayNode priv = n.putArray("private_net");
        for (PrivateNet p : s.privateNets) {
            ObjectNode pn = priv.addObject();
            pn.put("network", p.network());
            pn.put("ip", p.ip());
            pn.putArray("alias_ips");
            pn.put("mac_address", p.mac());
        }
        n.set("server_type", Catalog.serverTypeJson(s.type));
        n.set("datacenter", catalog.datacenterJson(s.location, this::isUnavailable, Instant.now()));
        n.set("image", Catalog.imageJson(s.image));
        n.putNull("iso");
        n.put("rescue_enabled", false);
        n.put("locked", s.locked);
        n.putNull("backup_window");
        n.put("outgoing_traffic", 0);
        n.put("ingoing_traffic", 0);
        n.put("included_traffic", s.type.prices().stream()
                .filter(p -> p.location().equals(s.location.name())).findFirst().orElseThrow().includedTraffic());
        n.putObject("protection").put("delete", false).put("rebuild", false);
        n.set("labels", labelsJson(s.labels));
        n.putArray("volumes");
        n.putArray("load_balancers");
        n.put("primary_disk_size", s.type.disk());
        n.putNull("placement_group");
        return n;
    }

    // ---- actions ----

    private Action newAction(String command, Instant now, String resourceType, long resourceId) {
        Action a = new Action();
        a.id = nextActionId++;
        a.command = command;
        a.started = now;
        a.resources.add(new long[] {resourceId});
        a.resourceTypes.add(resourceType);
        actions.put(a.id, a);
        return a;
    }

    private static void finish(Action a, String errorCode) {
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

    synchronized ObjectNode getAction(long id) {
        Action a = actions.get(id);
        if (a == null) {
            throw ApiError.notFound("action with ID '" + id + "' not found");
        }
        return wrap("action", actionJson(a));
    }

    synchronized ObjectNode actionsById(List<Long> ids) {
        ObjectNode res = F.objectNode();
        ArrayNode arr = res.putArray("actions");
        for (long id : ids) {
            Action a = actions.get(id);
            if (a != null) {
                arr.add(actionJson(a));
            }
        }
        return res;
    }

    synchronized List<ObjectNode> serverActions(long serverId, Request req) {
        // Like every /servers/{id} path, a deleted server's actions are gone from here; /actions/{id} still has them.
        server(serverId);
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
                .filter(a -> a.touches("server", serverId))
                .filter(a -> statuses.isEmpty() || statuses.contains(a.status))
                .sorted(order)
                .map(CloudState::actionJson).toList();
    }

    synchronized ObjectNode serverAction(long serverId, long actionId) {
        server(serverId);
        Action a = actions.get(actionId);
        if (a == null || !a.touches("server", serverId)) {
            throw ApiError.notFound("action with ID '" + actionId + "' not found");
        }
        return wrap("action", actionJson(a));
    }

    private static ObjectNode actionJson(Action a) {
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

    // ---- SSH keys ----

    synchronized ObjectNode createSshKey(JsonNode body) {
        String name = text(body, "name");
        String publicKey = text(body, "public_key");
        Map<String, List<String>> problems = new LinkedHashMap<>();
        if (name == null || name.isBlank()) {
            problems.put("name", List.of("is required"));
        }
        if (publicKey == null || publicKey.isBlank()) {
            problems.put("public_key", List.of("is required"));
        }
        if (!problems.isEmpty()) {
            throw ApiError.invalidInput(problems);
        }
        String fingerprint = fingerprint(publicKey.trim());
        Map<String, String> labels = Labels.parse(body.get("labels"));
        if (sshKeys.values().stream().anyMatch(k -> k.name.equals(name))) {
            throw ApiError.uniqueness("SSH key with the same name already exists", "name");
        }
        if (sshKeys.values().stream().anyMatch(k -> k.fingerprint.equals(fingerprint))) {
            throw ApiError.uniqueness("SSH key with the same fingerprint already exists", "public_key");
        }
        SshKey k = new SshKey();
        k.id = nextSshKeyId++;
        k.name = name;
        k.publicKey = publicKey.trim();
        k.fingerprint = fingerprint;
        k.labels = labels;
        k.created = Instant.now();
        sshKeys.put(k.id, k);
        return wrap("ssh_key", sshKeyJson(k));
    }

    synchronized ObjectNode getSshKey(long id) {
        return wrap("ssh_key", sshKeyJson(sshKey(id)));
    }

    synchronized ObjectNode updateSshKey(long id, JsonNode body) {
        SshKey k = sshKey(id);
        String name = text(body, "name");
        if (body.has("name")) {
            if (name == null || name.isBlank()) {
                throw ApiError.invalidInput("name", "must not be empty");
            }
            if (sshKeys.values().stream().anyMatch(o -> o.id != id && o.name.equals(name))) {
                throw ApiError.uniqueness("SSH key with the same name already exists", "name");
            }
        }
        Map<String, String> labels = body.has("labels") ? Labels.parse(body.get("labels")) : null;
        if (name != null) {
            k.name = name;
        }
        if (labels != null) {
            k.labels = labels;
        }
        return wrap("ssh_key", sshKeyJson(k));
    }

    synchronized void deleteSshKey(long id) {
        sshKey(id);
        sshKeys.remove(id);
    }

    synchronized List<ObjectNode> listSshKeys(Request req) {
        LabelSelector selector = LabelSelector.parse(req.param("label_selector"));
        String name = req.param("name");
        String fingerprint = req.param("fingerprint");
        Comparator<SshKey> order = sort(req, Map.of(
                "id", Comparator.comparingLong((SshKey k) -> k.id),
                "name", Comparator.comparing((SshKey k) -> k.name)));
        return sshKeys.values().stream()
                .filter(k -> name == null || k.name.equals(name))
                .filter(k -> fingerprint == null || k.fingerprint.equals(fingerprint))
                .filter(k -> selector.test(k.labels))
                .sorted(order)
                .map(CloudState::sshKeyJson).toList();
    }

    private SshKey sshKey(long id) {
        SshKey k = sshKeys.get(id);
        if (k == null) {
            throw ApiError.notFound("SSH key with ID '" + id + "' not found");
        }
        return k;
    }

    /** The MD5 fingerprint of the key blob, colon-separated, as the reference shows ({@code b7:2f:30:...}). */
    static String fingerprint(String publicKey) {
        String[] parts = publicKey.split("\\s+");
        if (parts.length < 2 || !parts[0].matches("(ssh|ecdsa|sk)-[-a-z0-9@.]+")) {
            throw ApiError.invalidInput("public_key", "invalid public key");
        }
        byte[] blob;
        try {
            blob = Base64.getDecoder().decode(parts[1]);
        } catch (IllegalArgumentException e) {
            throw ApiError.invalidInput("public_key", "invalid public key");
        }
        if (blob.length < 4) {
            throw ApiError.invalidInput("public_key", "invalid public key");
        }
        try {
            byte[] md5 = MessageDigest.getInstance("MD5").digest(blob);
            StringBuilder sb = new StringBuilder();
            for (byte b : md5) {
                if (sb.length() > 0) {
                    sb.append(':');
                }
                sb.append(String.format("%02x", b));
            }
            return sb.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode sshKeyJson(SshKey k) {
        ObjectNode n = F.objectNode();
        n.put("id", k.id);
        n.put("name", k.name);
        n.put("fingerprint", k.fingerprint);
        n.put("public_key", k.publicKey);
        n.set("labels", labelsJson(k.labels));
        n.put("created", Times.format(k.created));
        return n;
    }

    // ---- networks ----

    synchronized ObjectNode createNetwork(JsonNode body) {
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
            n.subnets.add(sub);
        }
        n.routes = body.has("routes") && body.get("routes").isArray() ? (ArrayNode) body.get("routes").deepCopy()
                : F.arrayNode();
        n.exposeRoutesToVswitch = body.path("expose_routes_to_vswitch").asBoolean(false);
        n.id = nextNetworkId++;
        n.created = Instant.now();
        networks.put(n.id, n);
        return wrap("network", networkJson(n));
    }

    synchronized ObjectNode getNetwork(long id) {
        return wrap("network", networkJson(network(id)));
    }

    synchronized void deleteNetwork(long id) {
        Network n = network(id);
        if (!n.servers.isEmpty()) {
            throw new ApiError(ErrorCode.CONFLICT, "network is still attached to servers");
        }
        networks.remove(id);
    }

    synchronized List<ObjectNode> listNetworks(Request req) {
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
                .map(this::networkJson).toList();
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

    private static String hostAddress(Subnet sub) {
        return Cidr.parse(sub.ipRange).host(sub.nextHost++);
    }

    private ObjectNode networkJson(Network n) {
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

    // ---- firewalls ----

    synchronized ObjectNode createFirewall(JsonNode body) {
        String name = text(body, "name");
        if (name == null || name.isBlank()) {
            throw ApiError.invalidInput("name", "is required");
        }
        if (name.length() > 128) {
            throw ApiError.invalidInput("name", "is too long");
        }
        Map<String, String> labels = Labels.parse(body.get("labels"));
        ArrayNode rules = F.arrayNode();
        List<JsonNode> requested = array(body, "rules");
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
        List<Server> applyTo = new ArrayList<>();
        for (JsonNode a : array(body, "apply_to")) {
            if (!a.path("type").asText().equals("server")) {
                throw ApiError.invalidInput("apply_to", "only type 'server' is emulated");
            }
            long sid = a.path("server").path("id").asLong(-1);
            Server s = servers.get(sid);
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
        Action set = newAction("set_firewall_rules", fw.created, "firewall", fw.id);
        finish(set, null);
        acts.add(actionJson(set));
        for (Server s : applyTo) {
            fw.servers.add(s.id);
            s.firewallIds.add(fw.id);
            Action apply = newAction("apply_firewall", fw.created, "server", s.id);
            apply.resources.add(new long[] {fw.id});
            apply.resourceTypes.add("firewall");
            finish(apply, null);
            acts.add(actionJson(apply));
        }
        res.set("firewall", firewallJson(fw));
        res.set("actions", acts);
        return res;
    }

    synchronized ObjectNode getFirewall(long id) {
        return wrap("firewall", firewallJson(firewall(id)));
    }

    synchronized void deleteFirewall(long id) {
        Firewall fw = firewall(id);
        if (!fw.servers.isEmpty()) {
            throw new ApiError(ErrorCode.RESOURCE_IN_USE, "firewall is still applied to servers");
        }
        firewalls.remove(id);
    }

    synchronized List<ObjectNode> listFirewalls(Request req) {
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
                .map(this::firewallJson).toList();
    }

    private Firewall firewall(long id) {
        Firewall f = firewalls.get(id);
        if (f == null) {
            throw ApiError.notFound("firewall with ID '" + id + "' not found");
        }
        return f;
    }

    private ObjectNode firewallJson(Firewall fw) {
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

    // ---- catalog lists ----

    synchronized List<ObjectNode> listServerTypes(Request req) {
        String name = req.param("name");
        return catalog.serverTypes.stream().filter(t -> name == null || t.name().equals(name))
                .map(Catalog::serverTypeJson).toList();
    }

    synchronized ObjectNode getServerType(long id) {
        return wrap("server_type", Catalog.serverTypeJson(catalog.serverTypes.stream().filter(t -> t.id() == id)
                .findFirst().orElseThrow(() -> ApiError.notFound("server type with ID '" + id + "' not found"))));
    }

    List<ObjectNode> listLocations(Request req) {
        String name = req.param("name");
        Comparator<Catalog.Location> order = sort(req, Map.of(
                "id", Comparator.comparingLong(Catalog.Location::id),
                "name", Comparator.comparing(Catalog.Location::name)));
        return catalog.locations.stream().filter(l -> name == null || l.name().equals(name)).sorted(order)
                .map(Catalog::locationJson).toList();
    }

    ObjectNode getLocation(long id) {
        return wrap("location", Catalog.locationJson(catalog.locations.stream().filter(l -> l.id() == id).findFirst()
                .orElseThrow(() -> ApiError.notFound("location with ID '" + id + "' not found"))));
    }

    List<ObjectNode> listImages(Request req) {
        String name = req.param("name");
        List<String> types = req.params("type");
        String arch = req.param("architecture");
        LabelSelector selector = LabelSelector.parse(req.param("label_selector"));
        Comparator<Catalog.Image> order = sort(req, Map.of(
                "id", Comparator.comparingLong(Catalog.Image::id),
                "name", Comparator.comparing(Catalog.Image::name),
                "created", Comparator.comparing(Catalog.Image::created)));
        return catalog.images.stream()
                .filter(i -> name == null || i.name().equals(name))
                .filter(i -> types.isEmpty() || types.contains("system"))
                .filter(i -> arch == null || arch.equals("x86"))
                .filter(i -> selector.test(Map.of()))
                .sorted(order)
                .map(Catalog::imageJson).toList();
    }

    ObjectNode getImage(long id) {
        return wrap("image", Catalog.imageJson(catalog.images.stream().filter(i -> i.id() == id).findFirst()
                .orElseThrow(() -> ApiError.notFound("image with ID '" + id + "' not found"))));
    }

    // ---- helpers ----

    /** The reference's sorting: {@code sort=field[:asc|:desc]}, repeatable, ascending by default; id breaks ties. */
    private static <T> Comparator<T> sort(Request req, Map<String, Comparator<T>> fields) {
        Comparator<T> result = null;
        for (String spec : req.params("sort")) {
            String[] parts = spec.split(":", 2);
            Comparator<T> c = fields.get(parts[0]);
            if (c == null || (parts.length == 2 && !parts[1].equals("asc") && !parts[1].equals("desc"))) {
                throw ApiError.invalidInput("sort", "invalid sort '" + spec + "'");
            }
            if (parts.length == 2 && parts[1].equals("desc")) {
                c = c.reversed();
            }
            result = result == null ? c : result.thenComparing(c);
        }
        Comparator<T> byId = fields.get("id");
        return result == null ? byId : result.thenComparing(byId);
    }

    private static ObjectNode wrap(String key, JsonNode value) {
        ObjectNode n = F.objectNode();
        n.set(key, value);
        return n;
    }

    private static ObjectNode labelsJson(Map<String, String> labels) {
        ObjectNode n = F.objectNode();
        labels.forEach(n::put);
        return n;
    }

    private static String text(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw ApiError.invalidInput(field, "must be a string");
        }
        return n.asText();
    }

    /** Fields the reference documents as "ID or name": a string or a number. */
    private static String idOrName(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual() && !n.isIntegralNumber()) {
            throw ApiError.invalidInput(field, "must be an ID or a name");
        }
        return n.asText();
    }

    private static List<JsonNode> array(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return List.of();
        }
        if (!n.isArray()) {
            throw ApiError.invalidInput(field, "must be an array");
        }
        List<JsonNode> out = new ArrayList<>();
        n.forEach(out::add);
        return out;
    }

    private String mac() {
        byte[] b = new byte[4];
        random.nextBytes(b);
        return String.format("86:00:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3]);
    }

    private String password() {
        String alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return sb.toString();
    }
}
