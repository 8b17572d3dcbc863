package io.rgrid.orchestrator.dispatch.ray.driver;

import io.ray.api.ObjectRef;
import io.ray.api.Ray;
import io.ray.api.WaitResult;
import io.ray.api.exception.RayTimeoutException;
import io.rgrid.orchestrator.dispatch.ray.RayGateway;
import io.rgrid.raytask.RgridRayTask;

import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Ray Java driver behind {@link RayGateway}. Compiled against {@code io.ray:ray-api:2.9.3}
 * (provided), run with the installed Ray's {@code ray_dist.jar}: it is loaded only by
 * {@code RayGateways}' child class loader, never from the orchestrator's class path. Uses only
 * calls whose signatures are the same in 2.9.3 and 2.58 (docs/ray.md, "Java API pairing";
 * {@code RayApiPairingTest}).
 */
public final class RayDriverGateway implements RayGateway {

    private static final double RGRID_WORKER = 1.0;
    /** Tasks in flight, by key; and back, by reference. */
    private final Map<String, ObjectRef<String>> refs = new LinkedHashMap<>();
    private final Map<ObjectRef<String>, String> keys = new IdentityHashMap<>();

    /**
     * Connects: {@code Ray.init()} with {@code ray.address}, {@code ray.node-ip} and
     * {@code ray.job.code-search-path} taken from {@code settings} (never without an address: that
     * would start a private cluster).
     */
    public RayDriverGateway(Map<String, String> settings) {
        String address = settings.get("ray.address");
        if (address == null || address.isBlank()) {
            throw new IllegalArgumentException("ray.address is required");
        }
        settings.forEach(System::setProperty);
        Ray.init();
    }

    @Override
    public void submit(String key, String executionId, int attempt, double cpus, long memoryBytes,
                       String assignmentJson) {
        ObjectRef<String> ref = Ray.task(RgridRayTask::run, executionId, Integer.toString(attempt), assignmentJson)
                .setName(key)
                .setResource("CPU", cpus)
                .setResource("memory", (double) memoryBytes)
                .setResource("rgrid_worker", RGRID_WORKER)
                .remote();
        refs.put(key, ref);
        keys.put(ref, key);
    }

    @Override
    public List<Ended> poll(Duration timeout) {
        if (refs.isEmpty()) {
            sleep(timeout);
            return List.of();
        }
        List<ObjectRef<String>> waiting = new ArrayList<>(refs.values());
        WaitResult<String> result = Ray.wait(waiting, 1, (int) Math.max(1, timeout.toMillis()));
        List<Ended> ended = new ArrayList<>();
        for (ObjectRef<String> ready : result.getReady()) {
            String key = keys.get(ready);
            if (key == null) {
                continue;
            }
            Ended end;
            try {
                end = new Ended(key, Ray.get(ready, 1000), null);
            } catch (RayTimeoutException e) {
                continue; // not fetchable yet: next round
            } catch (RuntimeException e) {
                // RayWorkerException (its worker died), RayTaskException, and, for a lost node or an
                // OOM kill, IllegalArgumentException "Unrecognized metadata" (error types the 2.58
                // Java runtime does not map): every one means the task did not finish its hand-over.
                end = new Ended(key, null, e.getClass().getSimpleName() + ": " + firstLine(e.getMessage()));
            }
            refs.remove(key);
            keys.remove(ready);
            ended.add(end);
        }
        return ended;
    }

    @Override
    public int pending() {
        return refs.size();
    }

    @Override
    public void close() {
        refs.clear();
        keys.clear();
        Ray.shutdown();
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        String line = message.strip();
        int nl = line.indexOf('\n');
        return nl < 0 ? line : line.substring(0, nl);
    }

    private static void sleep(Duration timeout) {
        try {
            Thread.sleep(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
