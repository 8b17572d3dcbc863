package io.rgrid.hetzner.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rgrid.hetzner.emulator.Actions.Action;
import io.rgrid.hetzner.emulator.Server.PrivateNet;

import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

import static io.rgrid.hetzner.emulator.StateJson.F;
import static io.rgrid.hetzner.emulator.StateJson.sort;
import static io.rgrid.hetzner.emulator.StateJson.text;
import static io.rgrid.hetzner.emulator.StateJson.wrap;

/**
 * The emulated project: its servers and their lifecycle here, the other resources in their own
 * classes ({@link Actions}, {@link SshKeys}, {@link Networks}, {@link Firewalls}, {@link CatalogReads}).
 * Every read and write of any of them holds the monitor of this object (they lock on it);
 * listener callbacks run on their own thread after the monitor is released.
 */
final class CloudState {

    private static final Logger LOG = Logger.getLogger(CloudState.class.getName());
    private static final Set<String> SERVER_STATUSES = Set.of("running", "initializing", "starting", "stopping", "off",
            "deleting", "migrating", "rebuilding", "unknown");

    final Catalog catalog = new Catalog();
    final Actions actions = new Actions(this);
    final SshKeys sshKeys = new SshKeys(this);
    final Networks networks = new Networks(this);
    final CatalogReads catalogReads = new CatalogReads(this, catalog);
    private final Map<Long, Server> servers = new LinkedHashMap<>();
    final Firewalls firewalls = new Firewalls(this, actions, servers::get);

    private final ScheduledExecutorService scheduler;
    private final ExecutorService listenerExecutor;
    private final List<ServerLifecycleListener> listeners = new CopyOnWriteArrayList<>();
    private final SecureRandom random = new SecureRandom();

    private Duration initializingDelay;
    private Duration startingDelay;
    private Duration deleteDelay;
    private int serverLimit;

    private long nextServerId = 10_000_001L;
    private long nextPublicIp = 1;
    /** First three octets and a dot (e.g. {@code 127.0.100.}) of the public IPv4 addresses given to new servers. */
    private String publicIpv4Prefix = "203.0.113.";
    /** Where servers are machines; null: in memory, boots are timers. */
    private ServerMachines machines;

    private final OrderFaults faults = new OrderFaults();

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
    Optional<String> sshPublicKey(long id) {
        return sshKeys.publicKey(id);
    }

    void addListener(ServerLifecycleListener listener) {
        listeners.add(listener);
    }

    void removeListener(ServerLifecycleListener listener) {
        listeners.remove(listener);
    }

    synchronized void failNextCreate(String location, String serverType, ErrorCode code, String message) {
        faults.failNextCreate(location, serverType, code, message);
    }

    synchronized void setUnavailable(String serverType, String location, boolean isUnavailable) {
        faults.setUnavailable(serverType, location, isUnavailable);
    }

    synchronized List<ServerInfo> servers() {
        return servers.values().stream().map(Server::info).toList();
    }

    // ---- servers ----

    synchronized ObjectNode createServer(JsonNode body) {
        ServerOrder order = ServerOrder.read(body, catalog, sshKeys, networks, firewalls, machines != null);
        Catalog.ServerType type = order.type();
        Catalog.Location location = order.location();
        if (servers.values().stream().anyMatch(s -> s.name.equals(order.name()))) {
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
        faults.check(type, location);

        Server s = newServer(order, now);
        Action create = actions.start("create_server", now, "server", s.id);
        Action start = order.startAfterCreate() ? actions.start("start_server", now, "server", s.id) : null;
        if (machines == null) {
            scheduleLifecycle(s.id, create, start);
        } else {
            bootMachine(s, create, start);
        }

        ObjectNode res = F.objectNode();
        res.set("server", serverJson(s));
        res.set("action", Actions.json(create));
        ArrayNode next = res.putArray("next_actions");
        if (start != null) {
            next.add(Actions.json(start));
        }
        if (order.keyIds().isEmpty()) {
            res.put("root_password", Server.rootPassword(random));
        } else {
            res.putNull("root_password");
        }
        return res;
    }

    private Server newServer(ServerOrder order, Instant now) {
        Server s = new Server();
        s.id = nextServerId++;
        s.name = order.name();
        s.status = "initializing";
        s.created = now;
        s.type = order.type();
        s.location = order.location();
        s.image = order.image();
        s.labels = order.labels();
        s.sshKeyIds = order.keyIds();
        s.userData = order.userData();
        s.locked = true;
        s.ipId = 90_000_000L + nextPublicIp;
        // Documentation address blocks (RFC 5737 / RFC 3849): never routable, never someone's real machine.
        s.ipv4 = order.enableIpv4() ? publicIpv4Prefix + (nextPublicIp % 254 + 1) : null;
        s.ipv6 = order.enableIpv6() ? "2001:db8:" + Long.toHexString(nextPublicIp) + "::/64" : null;
        nextPublicIp++;
        for (Networks.Network n : order.networks()) {
            s.privateNets.add(new PrivateNet(n.id, Networks.attach(n, s.id, s.location.networkZone()), Server.mac(random)));
        }
        if (machines != null && s.ipv4 != null) {
            // A machine has one address, on the private network: its public IPv4 is that same address.
            s.ipv4 = s.privateNets.getFirst().ip();
        }
        for (Firewalls.Firewall fw : order.firewalls()) {
            s.firewallIds.add(fw.id);
            fw.servers.add(s.id);
        }
        servers.put(s.id, s);
        return s;
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
            Actions.finish(create, null);
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
            Actions.finish(start, null);
            Server s = servers.get(serverId);
            s.status = "running";
            s.locked = false;
            ServerInfo info = s.info();
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
        ServerInfo info = s.info();
        String address = s.privateNets.getFirst().ip();
        List<String> keys = sshKeys.publicKeys(s.sshKeyIds);
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
        Actions.finish(done, null);
        s.status = status;
        s.locked = status.equals("starting");
        if (status.equals("running")) {
            ServerInfo info = s.info();
            notifyListeners(l -> l.onRunning(info));
        }
        return true;
    }

    private synchronized void failBoot(long serverId, Action step, String message) {
        Server s = servers.get(serverId);
        if (s == null) {
            return;
        }
        Actions.finish(step, "boot_failed");
        step.errorMessage = message == null ? "boot failed" : message;
        actions.failRunning(serverId, "boot_failed");
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
            if (name == null || !ServerOrder.HOSTNAME.matcher(name).matches()) {
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
        actions.failRunning(id, "action_failed");
        networks.detach(id);
        firewalls.detach(id);
        Action delete = actions.start("delete_server", now, "server", id);
        s.status = "deleting";
        ServerInfo info = s.info();
        if (machines != null) {
            ServerMachines m = machines;
            Thread.ofVirtual().name("hetzner-emulator-delete-" + id).start(() -> {
                m.remove(info);
                synchronized (this) {
                    Actions.finish(delete, null);
                }
                notifyListeners(l -> l.onDeleted(info));
            });
            return wrap("action", Actions.json(delete));
        }
        long d = deleteDelay.toMillis();
        later(d / 2, () -> {
            if (delete.status.equals("running")) {
                delete.progress = 50;
            }
        });
        later(d, () -> Actions.finish(delete, null));
        notifyListeners(l -> l.onDeleted(info));
        return wrap("action", Actions.json(delete));
    }

    private Server server(long id) {
        Server s = servers.get(id);
        if (s == null) {
            throw ApiError.notFound("server with ID '" + id + "' not found");
        }
        return s;
    }

    private ObjectNode serverJson(Server s) {
        return s.json(catalog, faults::isUnavailable);
    }

    synchronized List<ObjectNode> serverActions(long serverId, Request req) {
        // Like every /servers/{id} path, a deleted server's actions are gone from here; /actions/{id} still has them.
        server(serverId);
        return actions.ofServer(serverId, req);
    }

    synchronized List<ObjectNode> allServerActions(List<Long> ids, Request req) {
        return actions.ofAllServers(ids, req);
    }

    synchronized ObjectNode serverAction(long serverId, long actionId) {
        server(serverId);
        return actions.ofServer(serverId, actionId);
    }
}
