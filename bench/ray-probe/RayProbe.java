import io.ray.api.ObjectRef;
import io.ray.api.Ray;
import io.ray.api.exception.RayException;
import io.ray.api.exception.RayTimeoutException;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Proves the Ray pairing the orchestrator's Ray dispatcher relies on: compiled against
 * Maven Central's io.ray:ray-api 2.9.3, run with the ray_dist.jar of an installed Ray 2.58
 * wheel, as a driver of an existing head (never Ray.init() without an address: that starts
 * a private cluster and `ray stop --force`s on shutdown).
 *
 * <p>Uses only the calls the dispatcher needs: Ray.init, Ray.task(..).setResource(..),
 * .remote(), Ray.get(ref, timeout), ObjectRef.get(timeout), Ray.shutdown, and the
 * io.ray.api.exception types. Prints one "PROBE key=value" line per finding for run.sh.
 *
 * <p>Args: {@code <loopback url> <scratch dir>}. System properties: ray.address, ray.node-ip,
 * ray.job.code-search-path (the directory holding this class, so Ray's Java workers find it).
 */
public final class RayProbe {

    private RayProbe() {
    }

    /** Ray task: what the dispatcher's task does on its node, reduced to one loopback HTTP GET. */
    public static String httpGet(String url) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<Void> response = client.send(
                HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.discarding());
        return response.statusCode() + " pid=" + ProcessHandle.current().pid() + " worker_rss_kb=" + rssKb();
    }

    private static String rssKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return line.replaceAll("[^0-9]", "");
            }
        }
        return "?";
    }

    /** Ray task that announces its worker's pid in a file and then blocks, so it can be killed mid-run. */
    public static String block(String pidFile, Integer seconds) throws IOException, InterruptedException {
        Path tmp = Path.of(pidFile + ".tmp");
        Files.writeString(tmp, Long.toString(ProcessHandle.current().pid()));
        Files.move(tmp, Path.of(pidFile));
        Thread.sleep(seconds * 1000L);
        return "finished";
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("--node-death")) {
            nodeDeath(Path.of(args[1]));
            return;
        }
        String url = args[0];
        Path scratch = Path.of(args[1]);
        long t0 = System.nanoTime();
        Ray.init();
        report("init_ms", ms(t0));

        // Same resource shape as a dispatch: CPU = the execution's cpus, memory in bytes, and
        // the custom resource only RGrid worker nodes offer.
        for (int i = 1; i <= 3; i++) {
            long t = System.nanoTime();
            ObjectRef<String> ref = Ray.task(RayProbe::httpGet, url)
                    .setResource("CPU", 1.0)
                    .setResource("memory", 256.0 * 1024 * 1024)
                    .setResource("rgrid_worker", 1.0)
                    .remote();
            String result = Ray.get(ref, 60_000);
            report("http_task_" + i, "'" + result + "' round_trip_ms=" + ms(t));
        }

        // A task whose own code throws (here: nothing listens on the port).
        try {
            Ray.get(Ray.task(RayProbe::httpGet, "http://127.0.0.1:9/")
                    .setResource("CPU", 1.0).setResource("rgrid_worker", 1.0).remote(), 60_000);
            report("throwing_task_result", "none (unexpected)");
        } catch (RayException e) {
            report("throwing_task_exception", describe(e));
        }

        // Ray.get with a timeout on a task that is still running.
        Path pidFile = scratch.resolve("timeout.pid");
        ObjectRef<String> slow = Ray.task(RayProbe::block, pidFile.toString(), 30)
                .setResource("CPU", 1.0).setResource("rgrid_worker", 1.0).remote();
        try {
            slow.get(500);
            report("timeout_result", "none (unexpected)");
        } catch (RayTimeoutException e) {
            report("timeout_exception", e.getClass().getName());
        }
        killWorker(pidFile, "timeout_task");

        // A task whose worker process dies with SIGKILL mid-run: what does the driver get?
        pidFile = scratch.resolve("killed.pid");
        long t = System.nanoTime();
        ObjectRef<String> victim = Ray.task(RayProbe::block, pidFile.toString(), 120)
                .setResource("CPU", 1.0).setResource("rgrid_worker", 1.0).remote();
        long pid = killWorker(pidFile, "killed_task");
        long killedAt = System.nanoTime();
        try {
            String result = Ray.get(victim, 60_000);
            report("killed_task_result", result + " (Ray retried it)");
        } catch (RayException e) {
            report("killed_task_exception", describe(e));
            report("killed_task_exception_after_kill_ms", ms(killedAt));
            report("killed_task_message", firstLine(e.getMessage()));
        }
        report("killed_task_total_ms", ms(t) + " worker_pid=" + pid);

        // The cluster still works after the kill.
        long after = System.nanoTime();
        String again = Ray.get(Ray.task(RayProbe::httpGet, url)
                .setResource("CPU", 1.0).setResource("rgrid_worker", 1.0).remote(), 60_000);
        report("http_task_after_kill", "'" + again + "' round_trip_ms=" + ms(after));

        long s = System.nanoTime();
        Ray.shutdown();
        report("shutdown_ms", ms(s));
    }

    /**
     * Lost node: a task blocks on another node; whoever runs this kills that node's raylet (the
     * probe only announces the worker pid in node.pid) and the driver reports what Ray.get throws.
     */
    private static void nodeDeath(Path scratch) throws Exception {
        Ray.init();
        Path pidFile = scratch.resolve("node.pid");
        ObjectRef<String> victim = Ray.task(RayProbe::block, pidFile.toString(), 600)
                .setResource("CPU", 1.0).setResource("rgrid_worker", 1.0).remote();
        try {
            String result = Ray.get(victim, 180_000);
            report("node_death_result", result);
        } catch (RuntimeException e) {
            report("node_death_exception", describe(e));
            report("node_death_message", firstLine(e.getMessage()));
            report("node_death_at_epoch_ms", System.currentTimeMillis());
        }
        Ray.shutdown();
    }

    /** Waits for the task to write its worker's pid, then kills that process with SIGKILL. */
    private static long killWorker(Path pidFile, String label) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!Files.exists(pidFile)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("task never started: " + pidFile);
            }
            Thread.sleep(50);
        }
        long pid = Long.parseLong(Files.readString(pidFile).trim());
        ProcessHandle worker = ProcessHandle.of(pid).orElseThrow();
        report(label + "_worker", pid + " " + worker.info().command().orElse("?"));
        // destroyForcibly is SIGKILL on Linux: the same as `kill -9 <pid>`.
        worker.destroyForcibly();
        worker.onExit().get();
        return pid;
    }

    private static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder(e.getClass().getName());
        for (Class<?> c = e.getClass().getSuperclass(); c != null && c != Object.class; c = c.getSuperclass()) {
            sb.append(" < ").append(c.getName());
        }
        if (e.getCause() != null) {
            sb.append(" cause=").append(e.getCause().getClass().getName());
        }
        return sb.toString();
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "null";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static long ms(long since) {
        return (System.nanoTime() - since) / 1_000_000;
    }

    private static void report(String key, Object value) {
        System.out.println("PROBE " + key + "=" + value);
        System.out.flush();
    }
}
