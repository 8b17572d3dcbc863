package io.rgrid.hetzner.emulator;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Comparator;
import java.util.List;
import java.util.Map;

import static io.rgrid.hetzner.emulator.StateJson.sort;
import static io.rgrid.hetzner.emulator.StateJson.wrap;

/** The read-only catalog resources: {@code /server_types}, {@code /locations}, {@code /images}. */
final class CatalogReads {

    private final Object lock;
    private final Catalog catalog;

    CatalogReads(Object lock, Catalog catalog) {
        this.lock = lock;
        this.catalog = catalog;
    }

    List<ObjectNode> serverTypes(Request req) {
        synchronized (lock) {
            String name = req.param("name");
            return catalog.serverTypes.stream().filter(t -> name == null || t.name().equals(name))
                    .map(Catalog::serverTypeJson).toList();
        }
    }

    ObjectNode serverType(long id) {
        synchronized (lock) {
            return wrap("server_type", Catalog.serverTypeJson(catalog.serverTypes.stream().filter(t -> t.id() == id)
                    .findFirst().orElseThrow(() -> ApiError.notFound("server type with ID '" + id + "' not found"))));
        }
    }

    List<ObjectNode> locations(Request req) {
        String name = req.param("name");
        Comparator<Catalog.Location> order = sort(req, Map.of(
                "id", Comparator.comparingLong(Catalog.Location::id),
                "name", Comparator.comparing(Catalog.Location::name)));
        return catalog.locations.stream().filter(l -> name == null || l.name().equals(name)).sorted(order)
                .map(Catalog::locationJson).toList();
    }

    ObjectNode location(long id) {
        return wrap("location", Catalog.locationJson(catalog.locations.stream().filter(l -> l.id() == id).findFirst()
                .orElseThrow(() -> ApiError.notFound("location with ID '" + id + "' not found"))));
    }

    List<ObjectNode> images(Request req) {
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

    ObjectNode image(long id) {
        return wrap("image", Catalog.imageJson(catalog.images.stream().filter(i -> i.id() == id).findFirst()
                .orElseThrow(() -> ApiError.notFound("image with ID '" + id + "' not found"))));
    }
}
