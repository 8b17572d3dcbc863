package io.rgrid.api.bench;

import org.HdrHistogram.Histogram;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load generator for {@code POST /api/v1/executions} (bench/api-submit.sh runs it): closed loop,
 * N concurrent clients each sending a small-script submission as soon as the previous one was
 * answered. A submission counts when it got 201 (the API answers only after the PostgreSQL
 * commit and the S3 write). Latency is recorded per request into an HdrHistogram; the API's RSS
 * is sampled from /proc while the load runs.
 *
 * <pre>
 * java -cp ... io.rgrid.api.bench.SubmitBench --url http://127.0.0.1:8000 --key KEY \
 *      [--concurrency 1,8,32] [--seconds 20] [--warmup-seconds 5] [--runs 1] [--pid API_PID]
 * </pre>
 *
 * With {@code --runs N > 1}, each level is measured N times after its warm-up, one row per run,
 * then a row with the median over the runs of the throughput and of each percentile.
 */
public final class SubmitBench {

    private static final String BOUNDARY = "rgridbench0123456789";

    private SubmitBench() {
    }

    public static void main(String[] args) throws Exception {
        String url = "http://127.0.0.1:8000";
        String key = System.getenv("RGRID_API_KEY");
        List<Integer> levels = List.of(1, 8, 32);
        int seconds = 20;
        int warmup = 5;
        int runs = 1;
        long pid = -1;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--url" -> url = args[++i];
                case "--key" -> key = args[++i];
                case "--concurrency" -> levels = java.util.Arrays.stream(args[++i].split(",")).map(Integer::parseInt).toList();
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--warmup-seconds" -> warmup = Integer.parseInt(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--pid" -> pid = Long.parseLong(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (key == null) {
            throw new IllegalArgumentException("--key or RGRID_API_KEY is required");
        }
        byte[] body = body();
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newVirtualThreadPerTaskExecutor()).connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(url + "/api/v1/executions"))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();

        System.out.printf("POST %s/api/v1/executions, script of %d bytes in a %d-byte multipart body; %d s per level after %d s warm-up, %d run(s) per level%n",
                url, SCRIPT.length(), body.length, seconds, warmup, runs);
        System.out.println("| concurrency | run | submissions | errors | throughput (/s) | p50 (ms) | p90 (ms) | p99 (ms) | max (ms) | API RSS peak (MiB) |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|");
        for (int concurrency : levels) {
            run(client, request, concurrency, warmup, null, pid);
            List<Result> results = new ArrayList<>();
            for (int n = 1; n <= runs; n++) {
                Result r = run(client, request, concurrency, seconds, new Histogram(60_000_000_000L, 3), pid);
                results.add(r);
                System.out.printf("| %d | %d | %d | %d | %.0f | %.2f | %.2f | %.2f | %.2f | %s |%n", concurrency, n, r.ok,
                        r.errors, r.ok / r.seconds, ms(r.histogram.getValueAtPercentile(50)),
                        ms(r.histogram.getValueAtPercentile(90)), ms(r.histogram.getValueAtPercentile(99)),
                        ms(r.histogram.getMaxValue()), r.rssPeakMib < 0 ? "n/a" : Long.toString(r.rssPeakMib));
            }
            if (runs > 1) {
                System.out.printf("| **%d** | **median of %d** | %d | %d | **%.0f** | **%.2f** | %.2f | **%.2f** | %.2f | %s |%n",
                        concurrency, runs, results.stream().mapToLong(Result::ok).sum(),
                        results.stream().mapToLong(Result::errors).sum(),
                        median(results.stream().mapToDouble(r -> r.ok / r.seconds).toArray()),
                        median(results.stream().mapToDouble(r -> ms(r.histogram.getValueAtPercentile(50))).toArray()),
                        median(results.stream().mapToDouble(r -> ms(r.histogram.getValueAtPercentile(90))).toArray()),
                        median(results.stream().mapToDouble(r -> ms(r.histogram.getValueAtPercentile(99))).toArray()),
                        median(results.stream().mapToDouble(r -> ms(r.histogram.getMaxValue())).toArray()),
                        results.stream().mapToLong(Result::rssPeakMib).max().orElse(-1) < 0 ? "n/a"
                                : Long.toString(results.stream().mapToLong(Result::rssPeakMib).max().getAsLong()));
            }
        }
        System.exit(0);
    }

    private record Result(long ok, long errors, double seconds, Histogram histogram, long rssPeakMib) {
    }

    private static Result run(HttpClient client, HttpRequest request, int concurrency, int seconds, Histogram histogram,
                              long pid) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong ok = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicLong rssPeak = new AtomicLong(-1);
        List<Histogram> perThread = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(concurrency + 1);
        List<Future<?>> futures = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < concurrency; i++) {
            Histogram mine = new Histogram(60_000_000_000L, 3);
            perThread.add(mine);
            futures.add(pool.submit(() -> {
                while (!stop.get()) {
                    long t0 = System.nanoTime();
                    try {
                        HttpResponse<byte[]> response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
                        long elapsed = System.nanoTime() - t0;
                        if (response.statusCode() == 201) {
                            ok.incrementAndGet();
                            mine.recordValue(elapsed);
                        } else {
                            if (errors.incrementAndGet() <= 3) {
                                System.err.println("HTTP " + response.statusCode() + ": " + new String(response.body(), StandardCharsets.UTF_8));
                            }
                        }
                    } catch (Exception e) {
                        if (errors.incrementAndGet() <= 3) {
                            System.err.println("request failed: " + e);
                        }
                    }
                }
                return null;
            }));
        }
        Future<?> sampler = pool.submit(() -> {
            while (!stop.get() && pid > 0) {
                long rss = rssMib(pid);
                rssPeak.accumulateAndGet(rss, Math::max);
                Thread.sleep(200);
            }
            return null;
        });
        Thread.sleep(seconds * 1000L);
        stop.set(true);
        for (Future<?> f : futures) {
            f.get();
        }
        sampler.get();
        double elapsed = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        if (histogram != null) {
            perThread.forEach(histogram::add);
        }
        return new Result(ok.get(), errors.get(), elapsed, histogram, rssPeak.get());
    }

    private static long rssMib(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (Exception e) {
            // the process is gone or /proc is not there
        }
        return -1;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    private static final String SCRIPT = "import sys\nprint('hello from the benchmark', sys.argv)\n";

    private static byte[] body() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String spec = "{\"cpus\": 1, \"memory\": \"256m\", \"labels\": {\"bench\": \"submit\"}}";
        write(out, "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"spec\"\r\nContent-Type: application/json\r\n\r\n"
                + spec + "\r\n");
        write(out, "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"script\"; filename=\"bench.py\"\r\n"
                + "Content-Type: text/x-python\r\n\r\n" + SCRIPT + "\r\n");
        write(out, "--" + BOUNDARY + "--\r\n");
        return out.toByteArray();
    }

    private static void write(ByteArrayOutputStream out, String text) {
        out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
    }
}
