package io.rgrid.hetzner.emulator;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;

/**
 * What tests make a server create meet (under the state's lock): a server type that is unavailable
 * in a location, and one-off failures of the next create that matches.
 */
final class OrderFaults {

    private record CreateFailure(String location, String serverType, ErrorCode code, String message) {
        boolean matches(String loc, String type) {
            return (location == null || location.equals(loc)) && (serverType == null || serverType.equals(type));
        }
    }

    private final Deque<CreateFailure> createFailures = new ArrayDeque<>();
    private final Set<String> unavailable = new HashSet<>();

    void failNextCreate(String location, String serverType, ErrorCode code, String message) {
        createFailures.add(new CreateFailure(location, serverType, code, message));
    }

    void setUnavailable(String serverType, String location, boolean isUnavailable) {
        String key = serverType + "@" + location;
        if (isUnavailable) {
            unavailable.add(key);
        } else {
            unavailable.remove(key);
        }
    }

    boolean isUnavailable(String serverType, String location) {
        return unavailable.contains(serverType + "@" + location);
    }

    /** Refuses a create of {@code type} in {@code location} that is unavailable or meets an injected failure (used once). */
    void check(Catalog.ServerType type, Catalog.Location location) {
        if (isUnavailable(type.name(), location.name())) {
            throw new ApiError(ErrorCode.RESOURCE_UNAVAILABLE,
                    "server type " + type.name() + " is unavailable in location " + location.name());
        }
        var failure = createFailures.stream().filter(f -> f.matches(location.name(), type.name())).findFirst();
        if (failure.isPresent()) {
            createFailures.remove(failure.get());
            throw new ApiError(failure.get().code(), failure.get().message());
        }
    }
}
