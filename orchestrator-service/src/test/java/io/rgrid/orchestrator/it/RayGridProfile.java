package io.rgrid.orchestrator.it;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.List;

/**
 * The Ray grid's own app: only {@link RayGridResource}, none of the global test resources (the
 * other classes' {@code SharedServersResource} would otherwise point this app at their namespace).
 */
public class RayGridProfile implements QuarkusTestProfile {

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(RayGridResource.class));
    }

    @Override
    public boolean disableGlobalTestResources() {
        return true;
    }
}
