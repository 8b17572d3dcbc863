package io.rgrid.orchestrator.provider.hetzner.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

/**
 * The Hetzner Cloud API's bodies, as far as the provider reads or writes them (field names as
 * on the wire; unknown fields are ignored, so the API may add some).
 */
public final class ApiModel {

    private ApiModel() {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Pagination(int page, @JsonProperty("per_page") int perPage,
                             @JsonProperty("next_page") Integer nextPage,
                             @JsonProperty("last_page") Integer lastPage,
                             @JsonProperty("total_entries") Integer totalEntries) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Meta(Pagination pagination) {
    }

    // ---- servers ----

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Server(long id, String name, String status, OffsetDateTime created,
                         @JsonProperty("public_net") PublicNet publicNet,
                         @JsonProperty("private_net") List<PrivateNet> privateNet,
                         @JsonProperty("server_type") ServerType serverType, Datacenter datacenter,
                         Map<String, String> labels, boolean locked) {

        /** The first private address, or null. */
        public String privateIp() {
            return privateNet == null || privateNet.isEmpty() ? null : privateNet.getFirst().ip();
        }

        /** The public IPv4, or null when it has none. */
        public String publicIpv4() {
            return publicNet == null || publicNet.ipv4() == null ? null : publicNet.ipv4().ip();
        }

        public String location() {
            return datacenter == null || datacenter.location() == null ? null : datacenter.location().name();
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record PublicNet(Ip ipv4, Ip ipv6) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Ip(String ip) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record PrivateNet(long network, String ip) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Datacenter(long id, String name, Location location) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Location(long id, String name, @JsonProperty("network_zone") String networkZone) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ServerResponse(Server server, Action action,
                                 @JsonProperty("next_actions") List<Action> nextActions) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ServersResponse(List<Server> servers, Meta meta) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record CreateServerRequest(String name, @JsonProperty("server_type") String serverType, String image,
                                      String location, @JsonProperty("ssh_keys") List<Long> sshKeys,
                                      Map<String, String> labels, @JsonProperty("user_data") String userData,
                                      List<Long> networks, List<FirewallRef> firewalls,
                                      @JsonProperty("public_net") PublicNetRequest publicNet,
                                      @JsonProperty("start_after_create") Boolean startAfterCreate) {
    }

    public record FirewallRef(long firewall) {
    }

    public record PublicNetRequest(@JsonProperty("enable_ipv4") boolean enableIpv4,
                                   @JsonProperty("enable_ipv6") boolean enableIpv6) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record UpdateServerRequest(String name, Map<String, String> labels) {
    }

    // ---- actions ----

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Action(long id, String command, String status, int progress, OffsetDateTime started,
                         OffsetDateTime finished, ActionError error, List<ActionResource> resources) {
        public Action(long id, String command, String status, int progress, OffsetDateTime started,
                      OffsetDateTime finished, ActionError error) {
            this(id, command, status, progress, started, finished, error, List.of());
        }

        public boolean done() {
            return "success".equals(status) || "error".equals(status);
        }

        /** Whether the action is about that resource ({@code server} and its id). */
        public boolean touches(String type, long resourceId) {
            return resources != null && resources.stream().anyMatch(r -> r.id() == resourceId && type.equals(r.type()));
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ActionResource(long id, String type) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ActionError(String code, String message) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ActionResponse(Action action) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ActionsResponse(List<Action> actions, Meta meta) {
    }

    // ---- server types ----

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ServerType(long id, String name, int cores, double memory, int disk, boolean deprecated,
                             List<Price> prices) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Price(String location, @JsonProperty("price_hourly") Amount priceHourly,
                        @JsonProperty("price_monthly") Amount priceMonthly) {
    }

    /** Prices come as decimal strings, net and gross (VAT included). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Amount(String net, String gross) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ServerTypesResponse(@JsonProperty("server_types") List<ServerType> serverTypes, Meta meta) {
    }

    // ---- SSH keys ----

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record SshKey(long id, String name, String fingerprint, @JsonProperty("public_key") String publicKey,
                         Map<String, String> labels) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record SshKeyResponse(@JsonProperty("ssh_key") SshKey sshKey) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record SshKeysResponse(@JsonProperty("ssh_keys") List<SshKey> sshKeys, Meta meta) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record CreateSshKeyRequest(String name, @JsonProperty("public_key") String publicKey,
                                      Map<String, String> labels) {
    }

    // ---- networks ----

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Network(long id, String name, @JsonProperty("ip_range") String ipRange, List<Subnet> subnets,
                          Map<String, String> labels) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Subnet(String type, @JsonProperty("ip_range") String ipRange,
                         @JsonProperty("network_zone") String networkZone) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record NetworkResponse(Network network) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record NetworksResponse(List<Network> networks, Meta meta) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record CreateNetworkRequest(String name, @JsonProperty("ip_range") String ipRange, List<Subnet> subnets,
                                       Map<String, String> labels) {
    }

    // ---- firewalls ----

    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record FirewallRule(String description, String direction, String protocol, String port,
                               @JsonProperty("source_ips") List<String> sourceIps,
                               @JsonProperty("destination_ips") List<String> destinationIps) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Firewall(long id, String name, List<FirewallRule> rules, Map<String, String> labels) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record FirewallResponse(Firewall firewall, List<Action> actions) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record FirewallsResponse(List<Firewall> firewalls, Meta meta) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record CreateFirewallRequest(String name, List<FirewallRule> rules, Map<String, String> labels) {
    }

    // ---- errors ----

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ErrorResponse(ErrorBody error) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ErrorBody(String code, String message, ErrorDetails details) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ErrorDetails(List<FieldError> fields, List<LimitError> limits) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record FieldError(String name, List<String> messages) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record LimitError(String name) {
    }
}
