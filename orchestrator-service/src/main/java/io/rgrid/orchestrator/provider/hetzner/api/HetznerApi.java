package io.rgrid.orchestrator.provider.hetzner.api;

import io.quarkus.rest.client.reactive.ClientExceptionMapper;
import io.rgrid.orchestrator.provider.hetzner.api.ApiModel.ActionResponse;
import io.rgrid.orchestrator.provider.hetzner.api.ApiModel.ActionsResponse;
import io.rgrid.orchestrator.provider.hetzner.api.ApiModel.CreateFirewallRequest;
import io.rgrid.orchestrator.provider.hetzner.api.ApiModel.CreateNetworkRequest;
import io.rgrid.orchestrator.provider.hetzner.api.ApiModel.CreateServerRequest;
import io.rgrid.orchestrator.provider.hetzner.api.ApiModel.CreateSshKeyRequest;
import io.rgrid.orchestrator.provider.hetzner.api.ApiModel.FirewallResponse;
import io.rgrid.orchestrator.provider.hetzner.api.ApiModel.FirewallsResponse;
import io.rgrid.orchestrator.provider.hetzner.api.ApiModel.NetworkResponse;
import io.rgrid.orchestrator.provider.hetzner.api.ApiModel.NetworksResponse;
import io.rgrid.orchestrator.provider.hetzner.api.ApiModel.ServerResponse;
import io.rgrid.orchestrator.provider.hetzner.api.ApiModel.ServerTypesResponse;
import io.rgrid.orchestrator.provider.hetzner.api.ApiModel.ServersResponse;
import io.rgrid.orchestrator.provider.hetzner.api.ApiModel.SshKeyResponse;
import io.rgrid.orchestrator.provider.hetzner.api.ApiModel.SshKeysResponse;
import io.rgrid.orchestrator.provider.hetzner.api.ApiModel.UpdateServerRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.RestResponse;

import java.util.List;

/**
 * The endpoints of the Hetzner Cloud API ({@code /v1}) the provider uses, as a Quarkus REST
 * client. Built programmatically by {@link HetznerCloud} (base URL and token from config); every
 * method returns the {@link RestResponse} so the caller can read the rate-limit headers. An error
 * status becomes a {@link HetznerApiException} carrying Hetzner's error code.
 */
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public interface HetznerApi {

    @POST
    @Path("/servers")
    RestResponse<ServerResponse> createServer(CreateServerRequest request);

    @GET
    @Path("/servers/{id}")
    RestResponse<ServerResponse> getServer(@PathParam("id") long id);

    @GET
    @Path("/servers/actions")
    RestResponse<ActionsResponse> listServerActions(@QueryParam("status") String status,
                                                    @QueryParam("page") int page, @QueryParam("per_page") int perPage);

    @GET
    @Path("/servers")
    RestResponse<ServersResponse> listServers(@QueryParam("label_selector") String labelSelector,
                                              @QueryParam("name") String name,
                                              @QueryParam("page") int page, @QueryParam("per_page") int perPage);

    @PUT
    @Path("/servers/{id}")
    RestResponse<ServerResponse> updateServer(@PathParam("id") long id, UpdateServerRequest request);

    @DELETE
    @Path("/servers/{id}")
    RestResponse<ActionResponse> deleteServer(@PathParam("id") long id);

    @GET
    @Path("/actions/{id}")
    RestResponse<ActionResponse> getAction(@PathParam("id") long id);

    @GET
    @Path("/actions")
    RestResponse<ActionsResponse> getActions(@QueryParam("id") List<Long> ids);

    @GET
    @Path("/server_types")
    RestResponse<ServerTypesResponse> listServerTypes(@QueryParam("page") int page,
                                                      @QueryParam("per_page") int perPage);

    @GET
    @Path("/ssh_keys")
    RestResponse<SshKeysResponse> listSshKeys(@QueryParam("name") String name,
                                              @QueryParam("fingerprint") String fingerprint,
                                              @QueryParam("page") int page, @QueryParam("per_page") int perPage);

    @POST
    @Path("/ssh_keys")
    RestResponse<SshKeyResponse> createSshKey(CreateSshKeyRequest request);

    @GET
    @Path("/networks")
    RestResponse<NetworksResponse> listNetworks(@QueryParam("name") String name,
                                                @QueryParam("page") int page, @QueryParam("per_page") int perPage);

    @POST
    @Path("/networks")
    RestResponse<NetworkResponse> createNetwork(CreateNetworkRequest request);

    @GET
    @Path("/firewalls")
    RestResponse<FirewallsResponse> listFirewalls(@QueryParam("name") String name,
                                                  @QueryParam("page") int page, @QueryParam("per_page") int perPage);

    @POST
    @Path("/firewalls")
    RestResponse<FirewallResponse> createFirewall(CreateFirewallRequest request);

    /** Hetzner's error body ({@code {"error":{"code","message","details"}}}) and rate-limit headers, as an exception. */
    @ClientExceptionMapper
    static HetznerApiException toException(Response response) {
        return HetznerApiException.from(response);
    }
}
