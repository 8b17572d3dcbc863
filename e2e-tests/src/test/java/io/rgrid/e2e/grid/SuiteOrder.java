package io.rgrid.e2e.grid;

import org.junit.jupiter.api.Order;

/**
 * Class order of the e2e suites. The classes on the shared local grid have {@link Order#DEFAULT};
 * the dashboard's browser test comes after them (its blockers fill every worker for a while, which
 * must not starve the CLI tests). Then the suites that share the {@link KillableGrid}, so that grid
 * runs only while they do: chaos first, then the Kafka outage's liveness check, the secrets search
 * over everything the run logged last.
 */
public final class SuiteOrder {

    public static final int DASHBOARD = Order.DEFAULT + 5;
    public static final int CHAOS = Order.DEFAULT + 10;
    public static final int LIVENESS = Order.DEFAULT + 15;
    public static final int SECURITY = Order.DEFAULT + 20;
    public static final int SECRETS = Order.DEFAULT + 30;

    private SuiteOrder() {
    }
}
