package io.rgrid.platform.json;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.jackson.ObjectMapperCustomizer;
import io.rgrid.model.Json;
import jakarta.inject.Singleton;

/**
 * Gives the service's Quarkus mapper (REST bodies) the settings of RGrid's wire formats
 * ({@link Json}: ISO-8601 instants, unknown fields ignored, offsets kept), so an HTTP body and an
 * event encode the same record the same way. One bean for api-service, orchestrator-service and
 * the worker-agent.
 */
@Singleton
public class WireJsonCustomizer implements ObjectMapperCustomizer {

    @Override
    public void customize(ObjectMapper mapper) {
        Json.configure(mapper);
    }
}
