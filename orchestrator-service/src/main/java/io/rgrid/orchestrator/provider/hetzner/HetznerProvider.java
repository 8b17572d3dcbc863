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

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Workers as Hetzner Cloud servers. {@link #provision} creates the server and returns as soon as
 * Hetzner has it (its {@code created} starts the billing hour), so the autoscaler's thread is
 * never held for the boot; the rest runs on the provider's own threads ({@link BootWatch}): wait
 * until the server is {@code running}, then {@link WorkerBootstrap} over SSH. A boot that fails is
 * reported to the {@link BootListener} (the orchestrator marks the worker LOST and deletes the server).
 *
 * <p>Every server is named after its worker id and labelled ({@link ServerLabels});
 * {@link #list()} and {@link #terminate} select by those labels, so a server anyone else created in
 * the project is never listed nor deleted. Workers join the grid's private network and get the
 * grid's firewall (both created when missing: {@link ProjectResources}). When Hetzner answers
 * {@code resource_unavailable} or {@code placement_error}, the next {@code type@location} of the
 * fallback list is tried ({@link PlacementPlanner}); other errors say what to do ({@link ApiErrorAdvice}).
 */
public final class HetznerProvider implements CloudProvider {

    private static final Logger LOG = Logger.getLogger(HetznerProvider.class);

    /** Told when a server was created but could not be made a worker. */
    @FunctionalInterface
    public interface BootListener {
        /** {@code reason} says which step failed and why; never a credential. */
        void bootFailed(String workerId, String reason);
    }

    private final RgridConfig.Hetzner settings;
    private final HetznerCloud cloud;
    private final WorkerBootstrap bootstrap;
    private final UserDataRenderer userData;
    private final List<Placement> placements;
    private final ServerTypeCatalog catalog;
    private final ServerLabels labels;
    private final ApiErrorAdvice advice;
    private final ProjectResources resources;
    private final BootWatch boots;

    private volatile boolean closed;

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
        this.placements = PlacementPlanner.placements(settings.serverType(), settings.location(),
                settings.fallbacks());
        this.catalog = new ServerTypeCatalog(cloud, ServerTypeCatalog.allowedNames(settings.serverTypes(),
                settings.serverType()), settings.location());
        this.labels = new ServerLabels(settings.pool());
        if (!"private".equals(settings.sshVia()) && !"public".equals(settings.sshVia())) {
            throw new IllegalArgumentException("rgrid.orchestrator.hetzner.ssh-via: '" + settings.sshVia()
                    + "' is neither 'private' nor 'public'");
        }
        this.advice = new ApiErrorAdvice(settings.networkZone(), settings.apiUrl());
        this.resources = new ProjectResources(settings, cloud);
        this.boots = new BootWatch(settings, cloud, bootstrap, timeline, bootListener, this::terminate);
    }

    public List<Placement> placements() {
        return placements;
    }

    /** The label selector of this grid's servers. */
    public String selector() {
        return labels.selector();
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
        ProjectResources.Infrastructure infra = infrastructure();
        Map<String, String> serverLabels = labels.of(request.workerId());

        List<String> refused = new ArrayList<>();
        for (Placement placement : PlacementPlanner.placementsFor(placements, settings.location(), request.type())) {
            String rendered = userData.render(request.workerId(), placement.serverType(), placement.location());
            MachineType size = catalog.machineTypes().stream().filter(t -> t.name().equals(placement.serverType()))
                    .findFirst().orElse(null);
            ApiModel.CreateServerRequest create = new ApiModel.CreateServerRequest(request.workerId(),
                    placement.serverType(), settings.image(), placement.location(), List.of(infra.sshKeyId()),
                    serverLabels, rendered, List.of(infra.networkId()),
                    List.of(new ApiModel.FirewallRef(infra.firewallId())),
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
                throw advice.explain(e, request.workerId(), placement);
            }
            Server server = created.server();
            Instant createdAt = server.created() != null ? server.created().toInstant() : Instant.now();
            double price = hourlyPrice(placement.serverType(), placement.location());
            LOG.infof("worker %s: Hetzner server %d created (%s, %s, %.4f EUR/h); booting", request.workerId(),
                    server.id(), placement, settings.image(), price);
            // The agent's address from the server Hetzner created (its private_net), never from a heartbeat.
            String address = bootstrap.agentAddress(boots.target(request, server, size));
            boots.start(request, server, actionsOf(created), size, address);
            return new ProvisionedServer(request.workerId(), Long.toString(server.id()), address, createdAt,
                    placement.serverType(), price);
        }
        throw new ProvisioningException("Hetzner has no capacity for any configured server type and location: "
                + String.join(", ", refused) + ". Add type@location pairs to rgrid.orchestrator.hetzner.fallbacks "
                + "(e.g. cx33@fsn1) or wait: the autoscaler tries again after its failure back-off");
    }

    private static List<Action> actionsOf(ApiModel.ServerResponse created) {
        List<Action> actions = new ArrayList<>();
        if (created.action() != null) {
            actions.add(created.action());
        }
        if (created.nextActions() != null) {
            actions.addAll(created.nextActions());
        }
        return actions;
    }

    @Override
    public boolean bootsHere(String workerId) {
        return boots.handles(workerId);
    }

    /**
     * Boots the worker's server again from the start: awaited to {@code running} (its create
     * actions are the dead orchestrator's; the status says enough), then bootstrapped over SSH,
     * which pins the host key the first try recorded, or records it, and (re)starts the agent.
     */
    @Override
    public boolean resumeBoot(ProvisionRequest request, String address) {
        if (closed || boots.handles(request.workerId())) {
            return false;
        }
        List<Server> servers = cloud.servers(labels.selector(request.workerId()));
        if (servers.isEmpty()) {
            return false; // gone: the reconciliation forgets the worker
        }
        Server server = servers.getFirst();
        String type = server.serverType() == null ? null : server.serverType().name();
        MachineType size = catalog.machineTypes().stream().filter(t -> t.name().equals(type)).findFirst().orElse(null);
        LOG.infof("worker %s: resuming the boot of Hetzner server %d (%s), begun by an orchestrator that stopped",
                request.workerId(), server.id(), server.status());
        boots.start(request, server, List.of(), size, address);
        return true;
    }

    /** The project's SSH key, network and firewall for workers ({@link ProjectResources}), Hetzner's refusal explained. */
    private ProjectResources.Infrastructure infrastructure() throws ProvisioningException {
        try {
            return resources.infrastructure();
        } catch (HetznerApiException e) {
            throw advice.explain(e, "-", placements.getFirst());
        }
    }

    // ---- terminate and list ----

    @Override
    public Optional<Instant> terminate(String workerId) {
        boots.cancel(workerId);
        List<Server> servers = cloud.servers(labels.selector(workerId));
        Optional<Instant> deleted = Optional.empty();
        for (Server server : servers) {
            Optional<Action> deleting = cloud.deleteServer(server.id());
            LOG.infof("worker %s: Hetzner server %d deleted", workerId, server.id());
            // Billing ends with the delete: its action's start is on the clock of the server's `created`.
            Optional<Instant> started = deleting.map(Action::started).map(OffsetDateTime::toInstant);
            if (started.isPresent() && (deleted.isEmpty() || started.get().isAfter(deleted.get()))) {
                deleted = started;
            }
            if (deleting.isPresent()) {
                try {
                    Action done = cloud.awaitAction(deleting.get(), settings.runningTimeout());
                    if ("error".equals(done.status())) {
                        LOG.warnf("worker %s: delete action of server %d ended in error: %s", workerId, server.id(),
                                done.error());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return deleted;
                } catch (RuntimeException e) {
                    // The server is already gone from the API; its delete action is Hetzner's business.
                    LOG.debugf("worker %s: delete action not followed: %s", workerId, e.getMessage());
                }
            }
        }
        return deleted;
    }

    /**
     * Whether a {@code delete_server} action on the worker's server still runs: the API stops
     * listing a server once its delete is accepted, but the machine stops only when the action
     * ends. Found among the running server actions ({@code GET /servers/actions?status=running}),
     * which keep a deleted server's actions, so a leader can see a deletion its killed predecessor
     * began.
     */
    @Override
    public boolean deletionRunning(String workerId, String providerHandle) {
        long serverId;
        try {
            serverId = Long.parseLong(providerHandle);
        } catch (NumberFormatException | NullPointerException e) {
            return false; // no server id: nothing Hetzner could be deleting
        }
        return cloud.runningServerActions().stream()
                .anyMatch(action -> "delete_server".equals(action.command()) && action.touches("server", serverId));
    }

    /** This grid's servers (both labels); others' servers, however named, are not listed. */
    @Override
    public List<ProvisionedServer> list() {
        List<ProvisionedServer> out = new ArrayList<>();
        for (Server server : cloud.servers(labels.selector())) {
            String workerId = labels.workerIdOf(server.labels());
            if (workerId == null) {
                continue;
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
        boots.close();
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
}
