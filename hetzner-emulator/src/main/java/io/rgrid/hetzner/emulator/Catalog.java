package io.rgrid.hetzner.emulator;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiPredicate;

/**
 * The fixed offer of the emulated project: locations with one datacenter each, server types with per-location prices,
 * and system images. Prices are illustrative (EUR, net, gross at 19 % VAT), not Hetzner's current list prices;
 * {@code cx22} is deprecated and {@code cx23} (2 vCPU, 4 GB) is its successor, as on the live API.
 */
final class Catalog {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final BigDecimal VAT = new BigDecimal("1.19");
    /** 20 TB, the included traffic of EU locations, in bytes as the API reports it. */
    private static final long EU_TRAFFIC = 21_990_232_555_520L;
    /** 1 TB, the included traffic of US locations. */
    private static final long US_TRAFFIC = 1_099_511_627_776L;

    record Location(long id, String name, String description, String country, String city, double latitude,
                    double longitude, String networkZone, long datacenterId, String datacenterName,
                    String datacenterDescription) {
    }

    record Price(String location, String hourlyNet, String monthlyNet, long includedTraffic, String perTbNet) {
    }

    record Deprecation(Instant announced, Instant unavailableAfter) {
    }

    record ServerType(long id, String name, String description, int cores, double memory, int disk,
                      String cpuType, String architecture, List<Price> prices, Deprecation deprecation) {

        boolean offeredIn(String location) {
            return prices.stream().anyMatch(p -> p.location().equals(location));
        }

        boolean orderable(Instant now) {
            return deprecation == null || now.isBefore(deprecation.unavailableAfter());
        }
    }

    record Image(long id, String name, String description, String osFlavor, String osVersion, int diskSize,
                 Instant created) {
    }

    final List<Location> locations = List.of(
            new Location(1, "fsn1", "Falkenstein DC Park 1", "DE", "Falkenstein", 50.47612, 12.370071, "eu-central",
                    4, "fsn1-dc14", "Falkenstein 1 virtual DC 14"),
            new Location(2, "nbg1", "Nuremberg DC Park 1", "DE", "Nuremberg", 49.452102, 11.076665, "eu-central",
                    2, "nbg1-dc3", "Nuremberg 1 virtual DC 3"),
            new Location(3, "hel1", "Helsinki DC Park 1", "FI", "Helsinki", 60.169855, 24.938379, "eu-central",
                    3, "hel1-dc2", "Helsinki 1 virtual DC 2"),
            new Location(4, "ash", "Ashburn, VA", "US", "Ashburn, VA", 39.045821, -77.487073, "us-east",
                    5, "ash-dc1", "Ashburn virtual DC 1"));

    final List<ServerType> serverTypes;
    final List<Image> images = List.of(
            new Image(161547269, "ubuntu-24.04", "Ubuntu 24.04", "ubuntu", "24.04", 5,
                    Instant.parse("2024-04-25T12:00:00Z")),
            new Image(67794396, "ubuntu-22.04", "Ubuntu 22.04", "ubuntu", "22.04", 5,
                    Instant.parse("2022-04-21T15:32:38Z")));

    Catalog() {
        List<String> eu = List.of("fsn1", "nbg1", "hel1");
        List<String> all = List.of("fsn1", "nbg1", "hel1", "ash");
        serverTypes = List.of(
                type(22, "cpx11", "CPX 11", 2, 2, 40, "shared", all, "0.0070", "4.35"),
                type(104, "cx22", "CX22", 2, 4, 40, "shared", eu, "0.0060", "3.79",
                        new Deprecation(Instant.parse("2025-10-16T06:00:00Z"), Instant.parse("2026-01-01T00:00:00Z"))),
                type(114, "cx23", "CX23", 2, 4, 40, "shared", eu, "0.0048", "2.99"),
                type(115, "cx33", "CX33", 4, 8, 80, "shared", eu, "0.0080", "4.99"),
                type(116, "cx43", "CX43", 8, 16, 160, "shared", eu, "0.0144", "8.99"),
                type(96, "ccx13", "CCX13", 2, 8, 80, "dedicated", all, "0.0224", "13.99"));
    }

    private static ServerType type(long id, String name, String description, int cores, double memory, int disk,
                                   String cpuType, List<String> locations, String hourly, String monthly) {
        return type(id, name, description, cores, memory, disk, cpuType, locations, hourly, monthly, null);
    }

    private static ServerType type(long id, String name, String description, int cores, double memory, int disk,
                                   String cpuType, List<String> locations, String hourly, String monthly,
                                   Deprecation deprecation) {
        List<Price> prices = new ArrayList<>();
        for (String loc : locations) {
            boolean us = loc.equals("ash");
            // US locations cost a little more and include less traffic, as on the live price list.
            String h = us ? new BigDecimal(hourly).multiply(new BigDecimal("1.2")).setScale(4, RoundingMode.HALF_UP)
                    .toPlainString() : hourly;
            String m = us ? new BigDecimal(monthly).multiply(new BigDecimal("1.2")).setScale(2, RoundingMode.HALF_UP)
                    .toPlainString() : monthly;
            prices.add(new Price(loc, h, m, us ? US_TRAFFIC : EU_TRAFFIC, us ? "1.0000" : "1.0000"));
        }
        return new ServerType(id, name, description, cores, memory, disk, cpuType, "x86", List.copyOf(prices),
                deprecation);
    }

    Optional<Location> location(String idOrName) {
        return locations.stream().filter(l -> l.name().equals(idOrName) || String.valueOf(l.id()).equals(idOrName))
                .findFirst();
    }

    Optional<Location> locationByDatacenter(String idOrName) {
        return locations.stream().filter(l -> l.datacenterName().equals(idOrName)
                || String.valueOf(l.datacenterId()).equals(idOrName)).findFirst();
    }

    Optional<ServerType> serverType(String idOrName) {
        return serverTypes.stream().filter(t -> t.name().equals(idOrName) || String.valueOf(t.id()).equals(idOrName))
                .findFirst();
    }

    Optional<Image> image(String idOrName) {
        return images.stream().filter(i -> i.name().equals(idOrName) || String.valueOf(i.id()).equals(idOrName))
                .findFirst();
    }

    // ---- JSON views, field by field as the reference's response samples ----

    static ObjectNode locationJson(Location l) {
        ObjectNode n = F.objectNode();
        n.put("id", l.id());
        n.put("name", l.name());
        n.put("description", l.description());
        n.put("country", l.country());
        n.put("city", l.city());
        n.put("latitude", l.latitude());
        n.put("longitude", l.longitude());
        n.put("network_zone", l.networkZone());
        return n;
    }

    /** {@code available} leaves out what is not orderable now or is marked unavailable by a test. */
    ObjectNode datacenterJson(Location l, BiPredicate<String, String> unavailable, Instant now) {
        ObjectNode n = F.objectNode();
        n.put("id", l.datacenterId());
        n.put("name", l.datacenterName());
        n.put("description", l.datacenterDescription());
        n.set("location", locationJson(l));
        ObjectNode st = n.putObject("server_types");
        ArrayNode supported = st.putArray("supported");
        ArrayNode available = st.putArray("available");
        ArrayNode migration = st.putArray("available_for_migration");
        for (ServerType t : serverTypes) {
            if (!t.offeredIn(l.name())) {
                continue;
            }
            supported.add(t.id());
            if (t.orderable(now) && !unavailable.test(t.name(), l.name())) {
                available.add(t.id());
                migration.add(t.id());
            }
        }
        return n;
    }

    static ObjectNode serverTypeJson(ServerType t) {
        ObjectNode n = F.objectNode();
        n.put("id", t.id());
        n.put("name", t.name());
        n.put("description", t.description());
        n.put("cores", t.cores());
        if (t.memory() == Math.rint(t.memory())) {
            n.put("memory", (long) t.memory());
        } else {
            n.put("memory", t.memory());
        }
        n.put("disk", t.disk());
        n.put("deprecated", t.deprecation() != null);
        ArrayNode prices = n.putArray("prices");
        for (Price p : t.prices()) {
            ObjectNode pn = prices.addObject();
            pn.put("location", p.location());
            pn.set("price_hourly", amount(p.hourlyNet()));
            pn.set("price_monthly", amount(p.monthlyNet()));
            pn.put("included_traffic", p.includedTraffic());
            pn.set("price_per_tb_traffic", amount(p.perTbNet()));
        }
        n.put("storage_type", "local");
        n.put("cpu_type", t.cpuType());
        n.put("architecture", t.architecture());
        if (t.deprecation() == null) {
            n.putNull("deprecation");
        } else {
            ObjectNode d = n.putObject("deprecation");
            d.put("unavailable_after", Times.format(t.deprecation().unavailableAfter()));
            d.put("announced", Times.format(t.deprecation().announced()));
        }
        return n;
    }

    /** Net and gross as decimal strings with the precision of the reference's create-server sample. */
    private static ObjectNode amount(String net) {
        BigDecimal n = new BigDecimal(net);
        ObjectNode a = F.objectNode();
        a.put("net", n.setScale(10, RoundingMode.HALF_UP).toPlainString());
        a.put("gross", n.multiply(VAT).setScale(16, RoundingMode.HALF_UP).toPlainString());
        return a;
    }

    static ObjectNode imageJson(Image i) {
        ObjectNode n = F.objectNode();
        n.put("id", i.id());
        n.put("type", "system");
        n.put("status", "available");
        n.put("name", i.name());
        n.put("description", i.description());
        // System images have no size of their own; the live API reports null here.
        n.putNull("image_size");
        n.put("disk_size", i.diskSize());
        n.put("created", Times.format(i.created()));
        n.putNull("created_from");
        n.putNull("bound_to");
        n.put("os_flavor", i.osFlavor());
        n.put("os_version", i.osVersion());
        n.put("rapid_deploy", true);
        n.putObject("protection").put("delete", false);
        n.putNull("deprecated");
        n.putNull("deleted");
        n.putObject("labels");
        n.put("architecture", "x86");
        return n;
    }

    Map<String, ServerType> typesByName() {
        Map<String, ServerType> m = new LinkedHashMap<>();
        serverTypes.forEach(t -> m.put(t.name(), t));
        return m;
    }

    static Set<String> networkZones() {
        return Set.of("eu-central", "us-east", "us-west", "ap-southeast");
    }
}
