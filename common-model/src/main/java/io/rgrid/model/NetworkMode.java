package io.rgrid.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** The container network an execution gets. */
public enum NetworkMode {
    BRIDGE("bridge"),
    NONE("none");

    private final String wire;

    NetworkMode(String wire) {
        this.wire = wire;
    }

    @JsonValue
    public String wire() {
        return wire;
    }

    /** @throws IllegalArgumentException naming the accepted values */
    @JsonCreator
    public static NetworkMode parse(String text) {
        for (NetworkMode mode : values()) {
            if (mode.wire.equalsIgnoreCase(text)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("network must be 'bridge' or 'none', not '" + text + "'");
    }
}
