package io.rgrid.hetzner.emulator;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;

import static io.rgrid.hetzner.emulator.StateJson.F;
import static io.rgrid.hetzner.emulator.StateJson.labelsJson;

/** One emulated server, as {@link CloudState} keeps it (under its lock), and its JSON. */
final class Server {

    /** An attachment to a private network: the network's id, the server's address on it and its MAC. */
    record PrivateNet(long network, String ip, String mac) {
    }

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

    ServerInfo info() {
        return new ServerInfo(id, name, status, type.name(), location.name(), Map.copyOf(labels), ipv4,
                privateNets.stream().map(PrivateNet::ip).toList(), List.copyOf(sshKeyIds), userData);
    }

    /**
     * The server as the reference shows it.
     *
     * @param unavailable whether a server type is unavailable in a location, for its datacenter's JSON
     */
    ObjectNode json(Catalog catalog, BiPredicate<String, String> unavailable) {
        ObjectNode n = F.objectNode();
        n.put("id", id);
        n.put("name", name);
        n.put("status", status);
        n.put("created", Times.format(created));
        n.set("public_net", publicNetJson());
        ArrayNode priv = n.putArray("private_net");
        for (PrivateNet p : privateNets) {
            ObjectNode pn = priv.addObject();
            pn.put("network", p.network());
            pn.put("ip", p.ip());
            pn.putArray("alias_ips");
            pn.put("mac_address", p.mac());
        }
        n.set("server_type", Catalog.serverTypeJson(type));
        n.set("datacenter", catalog.datacenterJson(location, unavailable, Instant.now()));
        n.set("image", Catalog.imageJson(image));
        n.putNull("iso");
        n.put("rescue_enabled", false);
        n.put("locked", locked);
        n.putNull("backup_window");
        n.put("outgoing_traffic", 0);
        n.put("ingoing_traffic", 0);
        n.put("included_traffic", type.prices().stream()
                .filter(p -> p.location().equals(location.name())).findFirst().orElseThrow().includedTraffic());
        n.putObject("protection").put("delete", false).put("rebuild", false);
        n.set("labels", labelsJson(labels));
        n.putArray("volumes");
        n.putArray("load_balancers");
        n.put("primary_disk_size", type.disk());
        n.putNull("placement_group");
        return n;
    }

    private ObjectNode publicNetJson() {
        ObjectNode pub = F.objectNode();
        // public_net.enable_ipv4/enable_ipv6 = false at create leave the address out: null, as the API reports it.
        if (ipv4 == null) {
            pub.putNull("ipv4");
        } else {
            ObjectNode v4 = pub.putObject("ipv4");
            v4.put("id", ipId);
            v4.put("ip", ipv4);
            v4.put("blocked", false);
            v4.put("dns_ptr", "static." + ipv4.replace('.', '-') + ".clients.your-server.de");
        }
        if (ipv6 == null) {
            pub.putNull("ipv6");
        } else {
            ObjectNode v6 = pub.putObject("ipv6");
            v6.put("id", ipId + 1);
            v6.put("ip", ipv6);
            v6.put("blocked", false);
            v6.putArray("dns_ptr");
        }
        pub.putArray("floating_ips");
        ArrayNode fws = pub.putArray("firewalls");
        for (long fw : firewallIds) {
            fws.addObject().put("id", fw).put("status", "applied");
        }
        return pub;
    }

    /** A MAC address for a private network attachment, in Hetzner's {@code 86:00:…} range. */
    static String mac(SecureRandom random) {
        byte[] b = new byte[4];
        random.nextBytes(b);
        return String.format("86:00:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3]);
    }

    /** The root password the API returns for a server created without SSH keys. */
    static String rootPassword(SecureRandom random) {
        String alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return sb.toString();
    }
}
