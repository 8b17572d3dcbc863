package io.rgrid.orchestrator.provider.hetzner;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The labels that make a Hetzner server one of this grid's workers: {@code managed-by=rgrid},
 * {@code pool=<pool>}, {@code worker-id=<id>}. {@link HetznerProvider#list()} and
 * {@link HetznerProvider#terminate} select by them, so a server anyone else created in the project
 * is never listed nor deleted.
 */
final class ServerLabels {

    static final String LABEL_MANAGED_BY = "managed-by";
    static final String MANAGED_BY = "rgrid";
    static final String LABEL_POOL = "pool";
    static final String LABEL_WORKER_ID = "worker-id";
    /** Hetzner's label value grammar: up to 63 characters, alphanumerics at both ends, -_. inside. */
    private static final Pattern LABEL_VALUE = Pattern.compile("([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?");

    private final String pool;

    /** @throws IllegalArgumentException when {@code pool} is not a Hetzner label value */
    ServerLabels(String pool) {
        if (!LABEL_VALUE.matcher(pool).matches() || pool.isEmpty()) {
            throw new IllegalArgumentException("rgrid.orchestrator.hetzner.pool: '" + pool
                    + "' is not a Hetzner label value (1-63 letters, digits, '-', '_', '.'; alphanumeric at both ends)");
        }
        this.pool = pool;
    }

    /** The label selector of this grid's servers. */
    String selector() {
        return LABEL_MANAGED_BY + "=" + MANAGED_BY + "," + LABEL_POOL + "=" + pool;
    }

    /** The label selector of {@code workerId}'s server. */
    String selector(String workerId) {
        return selector() + "," + LABEL_WORKER_ID + "=" + workerId;
    }

    /** The labels of {@code workerId}'s server, in the order they are sent. */
    Map<String, String> of(String workerId) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(LABEL_MANAGED_BY, MANAGED_BY);
        labels.put(LABEL_POOL, pool);
        labels.put(LABEL_WORKER_ID, workerId);
        return labels;
    }

    /**
     * The worker id of a listed server with these labels (null: none), or null when they are not
     * all this grid's: the selector already ensures this; belt and braces before anything is deleted.
     */
    String workerIdOf(Map<String, String> serverLabels) {
        Map<String, String> labels = serverLabels == null ? Map.of() : serverLabels;
        String workerId = labels.get(LABEL_WORKER_ID);
        if (workerId == null || !MANAGED_BY.equals(labels.get(LABEL_MANAGED_BY))
                || !pool.equals(labels.get(LABEL_POOL))) {
            return null;
        }
        return workerId;
    }

    /** The labels of the project's SSH key, network and firewall this grid created. */
    static Map<String, String> managed() {
        return Map.of(LABEL_MANAGED_BY, MANAGED_BY);
    }
}
