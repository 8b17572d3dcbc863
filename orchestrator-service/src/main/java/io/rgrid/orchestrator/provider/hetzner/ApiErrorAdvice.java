package io.rgrid.orchestrator.provider.hetzner;

import io.rgrid.orchestrator.provider.ProvisioningException;
import io.rgrid.orchestrator.provider.hetzner.api.HetznerApiException;

/**
 * Hetzner's error, as what the operator should do about it: the message of the
 * {@link ProvisioningException} the autoscaler logs and the worker's DELETED detail carries.
 * Never includes the token (the exception cannot hold it).
 */
final class ApiErrorAdvice {

    private final String networkZone;
    private final String apiUrl;

    /**
     * @param networkZone where the grid's network is ({@code rgrid.orchestrator.hetzner.network-zone})
     * @param apiUrl      the API base URL ({@code rgrid.orchestrator.hetzner.api-url})
     */
    ApiErrorAdvice(String networkZone, String apiUrl) {
        this.networkZone = networkZone;
        this.apiUrl = apiUrl;
    }

    ProvisioningException explain(HetznerApiException e, String workerId, Placement placement) {
        String what = switch (e.code()) {
            case "unauthorized" -> "Hetzner refused the API token: set HETZNER_API_TOKEN "
                    + "(rgrid.orchestrator.hetzner.api-token) to a Read & Write token of the project";
            case "forbidden", "token_readonly" -> "the API token may not create servers: create a Read & Write "
                    + "token in the project's Security settings and set HETZNER_API_TOKEN to it";
            case "resource_limit_exceeded" -> "the Hetzner project's limit is reached: delete servers you no longer "
                    + "need, ask Hetzner to raise the limit, or lower rgrid.orchestrator.scaling.max-workers";
            case "uniqueness_error" -> "a resource with the same " + String.join(", ", e.fieldNames())
                    + " already exists in the Hetzner project (a server named " + workerId
                    + " left from an earlier attempt?): delete it in the Hetzner console";
            case "invalid_input" -> "Hetzner rejected the request for " + placement + ": check "
                    + "rgrid.orchestrator.hetzner.server-type, location, image and fallbacks (a type must be "
                    + "offered in its location, the location in the network zone " + networkZone + ")";
            case "locked", "conflict" -> "the Hetzner resource is busy with another action: the autoscaler "
                    + "tries again after its failure back-off";
            case "rate_limit_exceeded" -> "the Hetzner API rate limit (3,600 requests per hour and project) is "
                    + "spent; another client may share the project's token. Provisioning resumes once it refills";
            case "unreachable" -> "cannot reach the Hetzner API at " + apiUrl + ": check the network "
                    + "and rgrid.orchestrator.hetzner.api-url";
            case "json_error" -> "Hetzner could not parse the request (a bug in RGrid: please report it)";
            default -> "Hetzner failed the request: try again later (the autoscaler does after its back-off)";
        };
        return new ProvisioningException(what + " [" + e.getMessage() + "]", e);
    }
}
