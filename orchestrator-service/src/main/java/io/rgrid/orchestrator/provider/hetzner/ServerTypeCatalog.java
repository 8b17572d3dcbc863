package io.rgrid.orchestrator.provider.hetzner;

import io.rgrid.model.event.MachineType;
import io.rgrid.orchestrator.provider.hetzner.api.ApiModel;
import io.rgrid.orchestrator.provider.hetzner.api.HetznerCloud;
import org.jboss.logging.Logger;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Hetzner's server types as {@code GET /server_types} reports them (sizes and prices, reloaded
 * hourly, retried a minute after a failure), and which of them the grid may use: the allowed list
 * ({@code rgrid.orchestrator.hetzner.server-types}, env {@code HETZNER_SERVER_TYPES}), or the one
 * default {@code server-type} when the list is absent.
 */
final class ServerTypeCatalog {

    private static final Logger LOG = Logger.getLogger(ServerTypeCatalog.class);
    private static final Duration REFRESH = Duration.ofHours(1);

    private final Supplier<List<ApiModel.ServerType>> source;
    private final List<String> allowed;
    private final String location;

    private volatile Map<String, ApiModel.ServerType> types = Map.of();
    private volatile Instant loadedAt = Instant.MIN;
    private volatile Set<String> reportedMissing = Set.of();

    /**
     * @param allowed  the allowed type names in the operator's order
     * @param location where prices are looked up (the grid's first location)
     */
    ServerTypeCatalog(HetznerCloud cloud, List<String> allowed, String location) {
        this(cloud::serverTypes, allowed, location);
    }

    ServerTypeCatalog(Supplier<List<ApiModel.ServerType>> source, List<String> allowed, String location) {
        this.source = source;
        this.allowed = List.copyOf(new LinkedHashSet<>(allowed));
        this.location = location;
        if (this.allowed.isEmpty()) {
            throw new IllegalArgumentException("rgrid.orchestrator.hetzner.server-types: the allowed list is empty; "
                    + "name at least one type (e.g. HETZNER_SERVER_TYPES=cx23,cx33) or leave it unset for server-type");
        }
    }

    /** The allowed names from config: the list when set (blank entries ignored), else the default type alone. */
    static List<String> allowedNames(Optional<List<String>> list, String defaultType) {
        return list.map(l -> l.stream().map(String::strip).filter(n -> !n.isEmpty()).toList())
                .orElse(List.of(defaultType));
    }

    List<String> allowed() {
        return allowed;
    }

    /**
     * The allowed types Hetzner offers, with its sizes ({@code cores}, {@code memory} GB as MiB) and
     * the price in the grid's location; empty while {@code /server_types} has never answered. A type
     * Hetzner does not list (withdrawn, or a typo) is left out, and said so once.
     */
    List<MachineType> machineTypes() {
        Map<String, ApiModel.ServerType> known = load();
        if (known.isEmpty()) {
            return List.of();
        }
        List<MachineType> out = new ArrayList<>();
        Set<String> missing = new LinkedHashSet<>();
        for (String name : allowed) {
            ApiModel.ServerType type = known.get(name);
            if (type == null || type.deprecated()) {
                missing.add(name);
                continue;
            }
            out.add(new MachineType(name, type.cores(), (int) Math.round(type.memory() * 1024), price(type, location)));
        }
        if (!missing.equals(reportedMissing)) {
            reportedMissing = missing;
            if (!missing.isEmpty()) {
                LOG.warnf("allowed server types Hetzner does not offer (withdrawn, deprecated or misspelt): %s",
                        missing);
            }
        }
        return List.copyOf(out);
    }

    /**
     * EUR per started hour, VAT included ({@code price_hourly.gross}) of {@code type} in
     * {@code location}; 0 when unknown.
     */
    double hourlyPrice(String type, String location) {
        ApiModel.ServerType serverType = type == null ? null : load().get(type);
        return serverType == null ? 0 : price(serverType, location);
    }

    private static double price(ApiModel.ServerType type, String location) {
        if (type.prices() == null) {
            return 0;
        }
        return type.prices().stream()
                .filter(p -> location == null || location.equals(p.location()))
                .findFirst()
                .map(p -> p.priceHourly() == null || p.priceHourly().gross() == null ? 0.0
                        : new BigDecimal(p.priceHourly().gross()).doubleValue())
                .orElse(0.0);
    }

    private Map<String, ApiModel.ServerType> load() {
        Map<String, ApiModel.ServerType> current = types;
        if (loadedAt.plus(REFRESH).isBefore(Instant.now())) {
            try {
                current = source.get().stream()
                        .collect(Collectors.toMap(ApiModel.ServerType::name, t -> t, (a, b) -> a));
                types = current;
                loadedAt = Instant.now();
            } catch (RuntimeException e) {
                LOG.warnf("cannot load Hetzner server types and prices: %s", e.getMessage());
                loadedAt = Instant.now().minus(REFRESH).plusSeconds(60); // retry in a minute
            }
        }
        return current;
    }
}
