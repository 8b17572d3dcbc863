package io.rgrid.hetzner.emulator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The cloud-init NoCloud seed of a server ({@code /var/lib/cloud/seed/nocloud/{meta-data,user-data}}): what
 * Hetzner's metadata service gives a real server. {@code meta-data} holds the instance id, the hostname and the
 * SSH public keys ({@code public-keys}, which cloud-init installs for root when {@code disable_root} is false, as
 * Hetzner's images have it); {@code user-data} is the server's user_data byte for byte (empty when none).
 * meta-data is written as JSON, which is YAML, so no value needs YAML quoting.
 */
public final class NoCloudSeed {

    private static final ObjectMapper JSON = new ObjectMapper();

    private NoCloudSeed() {
    }

    /** The meta-data document: instance-id {@code hetzner-<id>}, local-hostname, public-keys. */
    public static String metaData(ServerInfo server, List<String> authorizedKeys) {
        ObjectNode meta = JSON.createObjectNode();
        meta.put("instance-id", "hetzner-" + server.id());
        meta.put("local-hostname", server.name());
        var keys = meta.putArray("public-keys");
        authorizedKeys.stream().map(String::strip).filter(k -> !k.isEmpty()).forEach(keys::add);
        return meta.toPrettyString() + "\n";
    }

    /** The user-data document: the server's user_data, or empty. */
    public static String userData(ServerInfo server) {
        return server.userData() == null ? "" : server.userData();
    }
}
