package io.rgrid.orchestrator.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.jackson.ObjectMapperCustomizer;
import io.rgrid.model.Json;
import jakarta.inject.Singleton;

/** Gives the REST layer RGrid's JSON settings (ISO-8601 instants, unknown fields ignored). */
@Singleton
public class JsonCustomizer implements ObjectMapperCustomizer {
    @Override
    public void customize(ObjectMapper mapper) {
        Json.configure(mapper);
    }
}
