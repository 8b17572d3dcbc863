package io.rgrid.api.auth;

import io.vertx.ext.web.RoutingContext;

/**
 * Who is calling: the admin key (sees every project, submits into the default project) or a
 * project key (sees and touches only its own project's executions, logs and outputs).
 *
 * @param projectId the project new executions belong to
 * @param admin     sees and acts on every project's executions, and manages keys
 */
public record Principal(String projectId, boolean admin) {

    private static final String CONTEXT_KEY = "rgrid.principal";

    /** Whether this caller may see an execution of {@code ownerProject}. */
    public boolean canAccess(String ownerProject) {
        return admin || projectId.equals(ownerProject);
    }

    /** The project a listing is limited to, or null for every project (the admin). */
    public String projectScope() {
        return admin ? null : projectId;
    }

    /** Attaches this caller to the request, for {@link #of}: the bearer filter's job ({@code auth.filter}). */
    public void attachTo(RoutingContext context) {
        context.put(CONTEXT_KEY, this);
    }

    /** The principal the bearer filter attached to the request. */
    public static Principal of(RoutingContext context) {
        Principal principal = context.get(CONTEXT_KEY);
        if (principal == null) {
            // The filter runs on every /api route; reaching here means a route escaped it.
            throw new IllegalStateException("request was not authenticated");
        }
        return principal;
    }
}
