package io.rgrid.orchestrator.provider.hetzner;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rgrid.orchestrator.config.WorkerDocker;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where a worker's Docker pulls images from, beyond Docker Hub: a registry mirror (Docker's
 * {@code registry-mirrors}: Hub images such as {@code python:3.11-slim} are pulled through it) and
 * the registries it may reach without a verified TLS certificate ({@code insecure-registries}).
 * TLS is the default: a mirror is {@code https://} unless its {@code host:port} is listed insecure.
 *
 * <p>{@link #mergeInto(String)} is the pure decision the SSH bootstrap applies to the worker's
 * {@code /etc/docker/daemon.json}: it adds what is missing and keeps everything else (a storage
 * driver of the image, a mirror the operator set), so a second run changes nothing.
 *
 * @param mirror   the mirror as {@code host:port} or a URL; empty for none
 * @param insecure registries ({@code host[:port]} or a CIDR) Docker may reach over plain HTTP
 */
public record DockerRegistries(Optional<String> mirror, List<String> insecure) {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern HOST_PORT = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?");
    private static final Pattern CIDR = Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,3}){3}/[0-9]{1,2}");
    private static final Pattern URL = Pattern.compile("(https?)://(" + HOST_PORT.pattern() + ")/?");
    static final String MIRRORS = "registry-mirrors";
    static final String INSECURE = "insecure-registries";

    public DockerRegistries {
        Objects.requireNonNull(mirror, "mirror");
        List<String> entries = insecure.stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
        for (String entry : entries) {
            if (!HOST_PORT.matcher(entry).matches() && !CIDR.matcher(entry).matches()) {
                throw new IllegalArgumentException(WorkerDocker.INSECURE_REGISTRIES_KEY + ": '" + entry
                        + "' is neither host[:port] nor a CIDR");
            }
        }
        insecure = entries;
        mirror = mirror.map(String::strip).filter(s -> !s.isEmpty());
        mirror.ifPresent(m -> mirrorUrl(m, entries)); // a plain-HTTP mirror not listed insecure is refused now
    }

    /** Reads the two keys of the orchestrator's config. */
    public static DockerRegistries from(WorkerDocker docker) {
        return new DockerRegistries(docker.registryMirror(), docker.insecureRegistries().orElse(List.of()));
    }

    public static DockerRegistries none() {
        return new DockerRegistries(Optional.empty(), List.of());
    }

    /** Nothing to configure: the bootstrap leaves daemon.json alone. */
    public boolean isEmpty() {
        return mirror.isEmpty() && insecure.isEmpty();
    }

    /**
     * The mirror as Docker wants it, a URL: {@code host:port} becomes {@code https://host:port},
     * or {@code http://host:port} when it is listed insecure; an {@code http://} URL must be.
     */
    public Optional<String> mirrorUrl() {
        return mirror.map(m -> mirrorUrl(m, insecure));
    }

    private static String mirrorUrl(String mirror, List<String> insecure) {
        var url = URL.matcher(mirror);
        if (url.matches()) {
            if (url.group(1).equals("http") && !insecure.contains(url.group(2))) {
                throw new IllegalArgumentException(WorkerDocker.REGISTRY_MIRROR_KEY + ": '" + mirror + "' is plain HTTP; "
                        + "list " + url.group(2) + " in " + WorkerDocker.INSECURE_REGISTRIES_KEY + " to allow it");
            }
            return url.group(1) + "://" + url.group(2);
        }
        if (!HOST_PORT.matcher(mirror).matches()) {
            throw new IllegalArgumentException(WorkerDocker.REGISTRY_MIRROR_KEY + ": '" + mirror
                    + "' is neither host:port nor an http(s) URL");
        }
        return (insecure.contains(mirror) ? "http://" : "https://") + mirror;
    }

    /**
     * The daemon.json to write so that Docker uses these registries, or empty when
     * {@code daemonJson} already says all of it.
     *
     * @param daemonJson the file's contents; blank when it does not exist
     * @throws IllegalArgumentException when the file is not a JSON object, or one of the two keys not a list
     */
    public Optional<String> mergeInto(String daemonJson) {
        ObjectNode config;
        try {
            JsonNode parsed = daemonJson == null || daemonJson.isBlank() ? JSON.createObjectNode() : JSON.readTree(daemonJson);
            if (!(parsed instanceof ObjectNode object)) {
                throw new IllegalArgumentException("daemon.json is not a JSON object");
            }
            config = object;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("daemon.json is not JSON: " + e.getOriginalMessage());
        }
        boolean changed = addAll(config, MIRRORS, mirrorUrl().stream().toList());
        changed |= addAll(config, INSECURE, insecure);
        if (!changed) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config) + "\n");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean addAll(ObjectNode config, String key, List<String> values) {
        if (values.isEmpty()) {
            return false;
        }
        JsonNode present = config.get(key);
        if (present != null && !present.isArray()) {
            throw new IllegalArgumentException("daemon.json's \"" + key + "\" is not a list");
        }
        ArrayNode list = present == null ? config.putArray(key) : (ArrayNode) present;
        boolean changed = false;
        for (String value : values) {
            boolean there = false;
            for (JsonNode item : list) {
                there |= item.asText().equals(value);
            }
            if (!there) {
                list.add(value);
                changed = true;
            }
        }
        return changed;
    }
}
