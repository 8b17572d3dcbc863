package io.rgrid.api.support;

import io.rgrid.api.config.RgridConfig;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

import io.quarkus.runtime.configuration.DurationConverter;

import java.time.Duration;
import java.util.Map;

/** The config mapping with its defaults, for plain unit tests. */
public final class TestConfigs {

    private TestConfigs() {
    }

    /** The mapping with the given keys set on top of the defaults. */
    public static RgridConfig with(Map<String, String> values) {
        java.util.Map<String, String> all = new java.util.HashMap<>(Map.of("rgrid.storage.access-key", "unit",
                "rgrid.storage.secret-key", "unit"));
        all.putAll(values);
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withMapping(RgridConfig.class)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withDefaultValues(all)
                .build();
        return config.getConfigMapping(RgridConfig.class);
    }

    public static RgridConfig defaults() {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withMapping(RgridConfig.class)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withDefaultValues(Map.of("rgrid.storage.access-key", "unit", "rgrid.storage.secret-key", "unit"))
                .build();
        return config.getConfigMapping(RgridConfig.class);
    }
}
