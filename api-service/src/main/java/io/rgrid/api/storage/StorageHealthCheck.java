package io.rgrid.api.storage;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready only while the S3 store answers and the bucket exists. */
@Readiness
@ApplicationScoped
public class StorageHealthCheck implements HealthCheck {

    private final ObjectStore store;

    public StorageHealthCheck(ObjectStore store) {
        this.store = store;
    }

    @Override
    public HealthCheckResponse call() {
        var response = HealthCheckResponse.named("s3").withData("bucket", store.bucket());
        try {
            boolean exists = store.bucketExists();
            return response.status(exists).withData("bucketExists", exists).build();
        } catch (Exception e) {
            return response.down().withData("error", String.valueOf(e.getMessage())).build();
        }
    }
}
