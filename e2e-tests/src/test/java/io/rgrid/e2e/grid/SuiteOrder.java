package io.rgrid.e2e.grid;

import org.junit.jupiter.api.Order;

/**
 * Class order of the suites that share the {@link KillableGrid}: after every other e2e class (they
 * have {@link Order#DEFAULT}), so the grid runs only while its suites do; chaos first, the secrets
 * search over everything the run logged last.
 */
public final class SuiteOrder {

    public static final int CHAOS = Order.DEFAULT + 10;
    public static final int SECURITY = Order.DEFAULT + 20;
    public static final int SECRETS = Order.DEFAULT + 30;

    private SuiteOrder() {
    }
}
