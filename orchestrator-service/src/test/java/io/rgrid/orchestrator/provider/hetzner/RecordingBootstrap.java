package io.rgrid.orchestrator.provider.hetzner;

import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Singleton;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link WorkerBootstrap} that only records its calls (the provider's tests check what it is
 * given; the real SSH bootstrap has its own tests). Enabled only by {@link HetznerProviderTest}'s
 * profile; {@link #failWith} makes the next call fail.
 */
@Alternative
@Singleton // no client proxy: the test reads its fields
public class RecordingBootstrap implements WorkerBootstrap {

    final List<Target> calls = new CopyOnWriteArrayList<>();
    /** {@link #prepare} calls, each with the number of {@link #bootstrap} calls made before it. */
    final List<Integer> prepares = new CopyOnWriteArrayList<>();
    volatile String failNext;

    @Override
    public void bootstrap(Target target, Duration budget) throws BootstrapException {
        calls.add(target);
        String failure = failNext;
        if (failure != null) {
            failNext = null;
            throw new BootstrapException("ssh-connect", failure, null);
        }
    }

    @Override
    public void prepare() {
        prepares.add(calls.size());
    }

    /** As the SSH bootstrap's default ({@code agent-address=private}, port 8002). */
    @Override
    public String agentAddress(Target target) {
        return target.privateIp() == null ? null : "http://" + target.privateIp() + ":8002";
    }

    void failWith(String message) {
        failNext = message;
    }
}
