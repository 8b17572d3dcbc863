package io.rgrid.api.auth;

import io.vertx.ext.web.RoutingContext;

/**
 * Who is calling. Today only the admin key exists and acts as one project; per-project keys
 * will produce non-admin principals that see only their project's executions.
 *
 * @param projectId the project new executions belong to
 * @param admin     sees and acts on every project's executions
 */
public record Principal(String projectId, boolean admin) {

    static final String CONTEXT_KEY = "rgrid.principal";

    /** Whether this caller may see an execution of {@code ownerProject}. */
    public boolean canAccess(String ownerProject) {
        return admin || projectId.equals(ownerProject);
    }

    /** The principal {@link BearerAuthFilter} attached to the request. */
    public static Principal of(RoutingContext context) {
        Principal principal = context.get(CONTEXT_KEY);
        if (principal == null) {
            // The filter runs on every /api route; reaching here means a route escaped it.
            throw new IllegalStateException("request was not authenticated");
        }
        return principal;
    }
}
