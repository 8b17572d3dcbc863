package io.rgrid.api.dashboard;

import io.vertx.ext.web.Router;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

/**
 * Security headers for the dashboard's static pages (served from {@code META-INF/resources} at
 * {@code /}): only this origin's scripts, styles and connections (the pages load nothing from
 * anywhere else, and use no inline script), no framing, no MIME sniffing, no referrer. The pages
 * are small and change with every release, so browsers revalidate them instead of caching.
 */
@Singleton
public class DashboardHeaders {

    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    void register(@Observes Router router) {
        router.route().order(-1100).handler(context -> {
            String path = context.request().path();
            if (!path.startsWith("/api/") && !path.startsWith("/q/")) {
                context.response()
                        .putHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                        .putHeader("X-Content-Type-Options", "nosniff")
                        .putHeader("X-Frame-Options", "DENY")
                        .putHeader("Referrer-Policy", "no-referrer")
                        .putHeader("Cache-Control", "no-cache");
            }
            context.next();
        });
    }
}
