package io.rgrid.hetzner.emulator;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Request throughput of the emulator (not a test; run by hand, see README "Benchmarks"): 60 servers, then 5 s of
 * back-to-back GETs of one server and of a 25-server page, with 1 and 4 client threads.
 */
public final class EmulatorBenchmark {

    private EmulatorBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        HetznerEmulator emulator = HetznerEmulator.builder().rateLimit(Long.MAX_VALUE / 2, 1e12).build().start();
        HttpClient client = HttpClient.newHttpClient();
        String firstId = null;
        for (int i = 0; i < 60; i++) {
            HttpResponse<String> r = client.send(request(emulator, "/servers")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"bench-" + i
                            + "\",\"server_type\":\"cx23\",\"image\":\"ubuntu-24.04\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (firstId == null) {
                firstId = Api.MAPPER.readTree(r.body()).path("server").path("id").asText();
            }
        }
        for (int threads : new int[] {1, 4}) {
            for (String path : new String[] {"/servers/" + firstId, "/servers?per_page=25"}) {
                AtomicLong done = new AtomicLong();
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                ExecutorService pool = Executors.newFixedThreadPool(threads);
                for (int t = 0; t < threads; t++) {
                    pool.submit(() -> {
                        HttpRequest get = request(emulator, path).build();
                        while (System.nanoTime() < end) {
                            client.send(get, HttpResponse.BodyHandlers.ofByteArray());
                            done.incrementAndGet();
                        }
                        return null;
                    });
                }
                pool.shutdown();
                pool.awaitTermination(30, TimeUnit.SECONDS);
                System.out.printf("threads=%d GET %s: %.0f req/s%n", threads, path, done.get() / 5.0);
            }
        }
        emulator.stop();
    }

    private static HttpRequest.Builder request(HetznerEmulator emulator, String path) {
        return HttpRequest.newBuilder(URI.create(emulator.baseUrl() + path))
                .header("Authorization", "Bearer emulator-token");
    }
}
