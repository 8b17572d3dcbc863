package io.rgrid.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rgrid.model.Json;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * A minimal W3C WebDriver client over plain HTTP: starts the system's chromedriver on a free port
 * and a headless chromium session through it. Only what the dashboard test needs (navigate,
 * find, click, type, run a script, screenshot, window size); no Selenium, so no driver downloads.
 */
final class WebDriver implements AutoCloseable {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final String ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

    private final Process driver;
    private final String base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final Path profile;
    private String session;

    private WebDriver(Process driver, int port, Path profile) {
        this.driver = driver;
        this.base = "http://127.0.0.1:" + port;
        this.profile = profile;
    }

    /** Whether the system's chromium and chromedriver are installed. */
    static boolean available() {
        return Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
    }

    static WebDriver start(Path log, int width, int height) throws IOException, InterruptedException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Process process = new ProcessBuilder(CHROMEDRIVER.toString(), "--port=" + port)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        WebDriver wd = new WebDriver(process, port, Files.createTempDirectory("rgrid-chromium"));
        try {
            Instant deadline = Instant.now().plusSeconds(30);
            while (true) {
                try {
                    if (wd.call("GET", "/status", null).path("value").path("ready").asBoolean()) {
                        break;
                    }
                } catch (IOException e) {
                    // not listening yet
                }
                if (Instant.now().isAfter(deadline) || !process.isAlive()) {
                    throw new IOException("chromedriver did not become ready; see " + log);
                }
                Thread.sleep(100);
            }
            ObjectNode options = Json.mapper().createObjectNode();
            options.put("binary", CHROMIUM.toString());
            options.set("args", Json.mapper().valueToTree(List.of("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                    "--disable-gpu", "--no-first-run", "--hide-scrollbars", "--window-size=" + width + "," + height,
                    "--user-data-dir=" + wd.profile)));
            JsonNode created = wd.call("POST", "/session", Map.of("capabilities", Map.of("alwaysMatch",
                    Map.of("browserName", "chrome", "goog:chromeOptions", options))));
            wd.session = created.path("value").path("sessionId").asText();
            return wd;
        } catch (IOException | RuntimeException | InterruptedException e) {
            wd.close();
            throw e;
        }
    }

    void get(String url) throws IOException {
        command("POST", "/url", Map.of("url", url));
    }

    /** The element matching a CSS selector (fails when there is none). */
    String find(String css) throws IOException {
        return command("POST", "/element", Map.of("using", "css selector", "value", css)).path(ELEMENT).asText();
    }

    void click(String css) throws IOException {
        command("POST", "/element/" + find(css) + "/click", Map.of());
    }

    void type(String css, String text) throws IOException {
        String element = find(css);
        command("POST", "/element/" + element + "/clear", Map.of());
        command("POST", "/element/" + element + "/value", Map.of("text", text));
    }

    /** Runs a script in the page ({@code return …}) and answers its value. */
    JsonNode script(String script, Object... args) throws IOException {
        return command("POST", "/execute/sync", Map.of("script", script, "args", List.of(args)));
    }

    /** Runs an asynchronous script: its last argument is the callback that answers. */
    JsonNode asyncScript(String script, Object... args) throws IOException {
        return command("POST", "/execute/async", Map.of("script", script, "args", List.of(args)));
    }

    String text(String css) throws IOException {
        JsonNode v = script("const e = document.querySelector(arguments[0]); return e ? e.textContent : null;", css);
        return v.isNull() ? null : v.asText();
    }

    void windowSize(int width, int height) throws IOException {
        command("POST", "/window/rect", Map.of("width", width, "height", height));
    }

    /**
     * Saves a PNG of the whole page: the window grows to the page's height (up to 4000 px) for the
     * shot and gets its size back afterwards (WebDriver itself captures only the viewport).
     */
    void screenshot(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        JsonNode rect = command("GET", "/window/rect", null);
        int width = rect.path("width").asInt();
        int height = rect.path("height").asInt();
        JsonNode sizes = script("return [document.documentElement.scrollHeight, window.innerHeight]");
        int extra = height - sizes.get(1).asInt();
        int full = Math.min(4000, sizes.get(0).asInt() + Math.max(0, extra));
        boolean grow = full > height;
        if (grow) {
            windowSize(width, full);
        }
        try {
            Files.write(file, Base64.getDecoder().decode(command("GET", "/screenshot", null).asText()));
        } finally {
            if (grow) {
                windowSize(width, height);
            }
        }
    }

    /** Polls {@code condition} until it is true; fails with {@code what} and the page's state otherwise. */
    void await(Duration timeout, String what, Check condition) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            if (condition.holds()) {
                return;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what + "; page at "
                        + script("return location.href").asText() + ":\n" + text("body"));
            }
            Thread.sleep(150);
        }
    }

    @FunctionalInterface
    interface Check {
        boolean holds() throws IOException;
    }

    private JsonNode command(String method, String path, Object body) throws IOException {
        JsonNode answer = call(method, "/session/" + session + path, body);
        return answer.path("value");
    }

    private JsonNode call(String method, String path, Object body) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofByteArray(Json.mapper().writeValueAsBytes(body)));
        }
        HttpResponse<byte[]> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        JsonNode json = response.body().length == 0 ? Json.mapper().createObjectNode() : Json.mapper().readTree(response.body());
        if (response.statusCode() >= 400) {
            throw new IOException("WebDriver " + method + " " + path + " answered " + response.statusCode() + ": "
                    + json.path("value").path("message").asText(json.toString()));
        }
        return json;
    }

    @Override
    public void close() {
        try {
            if (session != null) {
                call("DELETE", "/session/" + session, null);
            }
        } catch (IOException e) {
            // the browser is gone already
        } finally {
            driver.destroy();
            try {
                if (!driver.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                    driver.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            deleteQuietly(profile);
        }
    }

    private static void deleteQuietly(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp directory left behind
        }
    }

}
