package io.rgrid.orchestrator.dispatch.ray;

import org.jboss.logging.Logger;

/**
 * {@code RAY_HEAD_ADDRESS} read as the GCS address a Java driver needs ({@code host:6380}).
 * The seed's {@code ray://host:10001} is the Ray Client address, which only Python drivers can
 * use: accepted with a warning and read as {@code host:6380}.
 */
public record RayHeadAddress(String host, int port) {

    public static final int GCS_PORT = 6380;
    private static final Logger LOG = Logger.getLogger(RayHeadAddress.class);

    /** @throws IllegalArgumentException with a message naming the setting when the value is unusable */
    public static RayHeadAddress parse(String value) {
        String v = value == null ? "" : value.trim();
        if (v.isEmpty()) {
            throw new IllegalArgumentException("RAY_HEAD_ADDRESS (rgrid.orchestrator.ray.head-address) is empty; "
                    + "expected host:" + GCS_PORT);
        }
        if (v.startsWith("ray://")) {
            String host = hostOf(v.substring("ray://".length()), value);
            LOG.warnf("RAY_HEAD_ADDRESS=%s is a Ray Client address, which only Python drivers use; the orchestrator "
                    + "is a Java driver and connects to the head's GCS at %s:%d instead. Set RAY_HEAD_ADDRESS=%s:%d "
                    + "to silence this warning.", value, host, GCS_PORT, host, GCS_PORT);
            return new RayHeadAddress(host, GCS_PORT);
        }
        if (v.contains("://")) {
            throw new IllegalArgumentException("RAY_HEAD_ADDRESS=" + value + " has an unknown scheme; expected host:"
                    + GCS_PORT + " (or the seed's ray://host:10001)");
        }
        int colon = v.lastIndexOf(':');
        if (colon < 0) {
            return new RayHeadAddress(hostOf(v, value), GCS_PORT);
        }
        String host = hostOf(v.substring(0, colon), value);
        try {
            int port = Integer.parseInt(v.substring(colon + 1));
            if (port < 1 || port > 65535) {
                throw new NumberFormatException();
            }
            return new RayHeadAddress(host, port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("RAY_HEAD_ADDRESS=" + value + " has no valid port; expected host:"
                    + GCS_PORT);
        }
    }

    private static String hostOf(String hostPort, String original) {
        String host = hostPort;
        int slash = host.indexOf('/');
        if (slash >= 0) {
            host = host.substring(0, slash);
        }
        int colon = host.lastIndexOf(':');
        if (colon >= 0) {
            host = host.substring(0, colon);
        }
        if (host.isBlank() || !host.matches("[A-Za-z0-9.\\-]+")) {
            throw new IllegalArgumentException("RAY_HEAD_ADDRESS=" + original + " has no valid host; expected host:"
                    + GCS_PORT);
        }
        return host;
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
