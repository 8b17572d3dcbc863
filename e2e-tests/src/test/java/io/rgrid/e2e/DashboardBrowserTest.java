package io.rgrid.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.rgrid.model.Json;
import io.rgrid.testinfra.Requirements;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The web dashboard in a real headless browser (Debian's chromium through chromedriver) against
 * the real local grid: log in with the key, watch an execution submitted through the API go from
 * QUEUED to SUCCEEDED without reloading, follow its live log, download its output, cancel another
 * one from its page; workers, queue chart and cost pages; a phone-sized window; logout. Saves a
 * screenshot of every page under {@code target/dashboard-screenshots/}.
 *
 * <p>To make QUEUED observable (a free worker takes an execution within milliseconds) the test
 * first fills every worker's CPUs with a sleeping "blocker"; the execution under test waits
 * until the blocker is cancelled from the dashboard.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(LocalGrid.Extension.class)
// Last on the shared grid: its blockers fill every worker for a while, which must not starve the CLI tests.
@Order(io.rgrid.e2e.grid.SuiteOrder.DASHBOARD)
class DashboardBrowserTest {

    private static final Duration STEP = Duration.ofSeconds(90);
    private static final Duration SLOW_STEP = Duration.ofMinutes(4);
    private static final Path SHOTS = Path.of("target", "dashboard-screenshots");

    private LocalGrid grid;
    private String adminKey;
    private WebDriver browser;
    private final List<String> blockers = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start(LocalGrid grid) throws Exception {
        this.grid = grid;
        this.adminKey = grid.adminKey();
        Requirements.require("a browser", WebDriver.available() ? Optional.empty()
                : Optional.of("chromium (" + WebDriver.CHROMIUM + ") or chromedriver (" + WebDriver.CHROMEDRIVER
                + "): apt-get install chromium chromium-driver"));
        browser = WebDriver.start(Path.of("target", "chromedriver.log"), 1366, 900);
    }

    @AfterAll
    void stop() {
        if (browser != null) {
            browser.close();
        }
        for (String blocker : blockers) {
            try {
                api("POST", "/api/v1/executions/" + blocker + "/cancel", null); // when the test stopped before it did
            } catch (Exception | AssertionError e) {
                // ended already
            }
        }
    }

    @Test
    void anOperatorWatchesTheGridLiveInTheBrowser() throws Exception {
        String base = grid.apiUrl() + "/";

        // Login page; a wrong key is refused on the page.
        browser.get(base);
        browser.await(STEP, "the login form", () -> visible("#login-form"));
        browser.screenshot(SHOTS.resolve("01-login.png"));
        browser.type("#key", "not-a-key");
        browser.click("#login-button");
        browser.await(STEP, "the refusal", () -> visible("#login-error"));
        assertThat(browser.text("#login-error")).contains("unknown or revoked");
        browser.type("#key", adminKey);
        browser.click("#login-button");
        browser.await(STEP, "the executions page", () -> visible("#executions-body") && browser.text("#who").contains("admin"));
        assertThat(browser.script("return document.cookie").asText()).as("the session cookie is HttpOnly").doesNotContain("rgrid_session");

        // Fill every worker so that the next execution has to wait in the queue.
        int cores = Runtime.getRuntime().availableProcessors();
        int workers = 0;
        for (JsonNode w : api("GET", "/api/v1/workers", null).path("items")) {
            String state = w.path("state").asText();
            if (state.equals("READY") || state.equals("PROVISIONING")) {
                workers++; // the ones that can (soon) take work
            }
        }
        workers = Math.max(1, workers);
        blockers.clear();
        for (int i = 0; i < workers; i++) {
            blockers.add(submit("blocker.py", "import time\nprint('blocking', flush=True)\ntime.sleep(45)\n",
                    "{\"cpus\": " + cores + ", \"maxAttempts\": 10, \"labels\": {\"suite\": \"dashboard\"}}"));
        }
        String blocker = blockers.getFirst();
        String script = """
                import os, time
                for i in range(1, 7):
                    print(f"step {i} of 6", flush=True)
                    time.sleep(1)
                os.makedirs("outputs", exist_ok=True)
                with open("outputs/result.txt", "w") as f:
                    f.write("forty-two\\n")
                print("done", flush=True)
                """;
        String id = submit("steps.py", script, "{\"cpus\": 1, \"maxAttempts\": 10, \"labels\": {\"suite\": \"dashboard\"}}");
        browser.await(STEP, "the new execution appearing QUEUED", () -> "QUEUED".equals(rowState(id)));
        browser.screenshot(SHOTS.resolve("02-executions-queued.png"));

        // Open the blocker and cancel it with the button (it may still be queued, or running with its log).
        browser.click("tr[data-id='" + blocker + "'] a");
        browser.await(STEP, "the blocker's page", () -> blocker.equals(browser.text(".head h1"))
                && browser.text("#execution-state") != null && !browser.text("#execution-state").isEmpty());
        browser.screenshot(SHOTS.resolve("03-execution-blocker.png"));
        browser.click("#cancel");
        browser.await(SLOW_STEP, "the blocker CANCELLED", () -> "CANCELLED".equals(browser.text("#execution-state")));
        for (String other : blockers.subList(1, blockers.size())) {
            api("POST", "/api/v1/executions/" + other + "/cancel", null);
        }
        browser.await(STEP, "the retry button enabled", () -> browser.script(
                "return !document.getElementById('retry').disabled && document.getElementById('cancel').disabled").asBoolean());

        // The waiting execution runs now: its page follows the log while it runs and ends SUCCEEDED.
        browser.get(base + "#/executions/" + id);
        browser.await(STEP, "its page", () -> id.equals(browser.text(".head h1")));
        browser.await(SLOW_STEP, "the log following while it runs", () -> browser.text("#log").contains("step 1 of 6"));
        List<String> seen = new ArrayList<>();
        browser.await(SLOW_STEP, "SUCCEEDED on its page", () -> {
            String state = browser.text("#execution-state");
            if (state != null && (seen.isEmpty() || !seen.getLast().equals(state))) {
                seen.add(state);
            }
            return "SUCCEEDED".equals(state);
        });
        browser.await(STEP, "the whole log and its end", () -> browser.text("#log").contains("done")
                && browser.text("#log-state").contains("SUCCEEDED"));
        assertThat(browser.text("#log")).contains("step 1 of 6", "step 6 of 6");
        browser.await(STEP, "the timeline from QUEUED to SUCCEEDED", () -> {
            JsonNode states = browser.script("return [...document.querySelectorAll('#timeline li[data-state]')].map(li => li.dataset.state)");
            List<String> list = new ArrayList<>();
            states.forEach(s -> list.add(s.asText()));
            return !list.isEmpty() && list.getFirst().equals("QUEUED") && list.getLast().equals("SUCCEEDED")
                    && list.contains("RUNNING");
        });
        browser.await(STEP, "the output link", () -> browser.text("#outputs").contains("result.txt"));
        JsonNode download = browser.asyncScript("const done = arguments[arguments.length - 1];"
                + "fetch(document.querySelector('#outputs a').href).then(r => r.text()).then(done, e => done('failed: ' + e));");
        assertThat(download.asText()).isEqualTo("forty-two\n");
        browser.screenshot(SHOTS.resolve("04-execution-succeeded.png"));

        // Back on the list, the execution that was QUEUED there is SUCCEEDED now, and the blocker CANCELLED.
        browser.get(base + "#/executions");
        browser.await(STEP, "the list", () -> "SUCCEEDED".equals(rowState(id)) && "CANCELLED".equals(rowState(blocker)));
        browser.screenshot(SHOTS.resolve("05-executions.png"));
        // The list filter.
        browser.get(base + "#/executions?state=CANCELLED");
        browser.await(STEP, "the CANCELLED filter", () -> "CANCELLED".equals(rowState(blocker)) && rowState(id) == null);

        // Workers, queue chart, cost.
        browser.get(base + "#/workers");
        browser.await(STEP, "the workers table", () -> browser.script(
                "return document.querySelectorAll('#workers-body tr').length > 0").asBoolean()
                && browser.text("#workers-body").contains("rgrid-worker-")
                && browser.text("#workers-body").contains(" / "));
        browser.screenshot(SHOTS.resolve("06-workers.png"));
        browser.get(base + "#/queue");
        browser.await(STEP, "the queue chart", () -> browser.script(
                "return document.querySelectorAll('#queue-chart svg path.s-queued').length > 0").asBoolean());
        browser.screenshot(SHOTS.resolve("07-queue.png"));
        browser.get(base + "#/cost");
        browser.await(STEP, "the cost chart", () -> browser.script(
                "return document.querySelectorAll('#cost-chart svg rect.cost').length === 14").asBoolean());
        browser.screenshot(SHOTS.resolve("08-cost.png"));

        // A phone-sized window: tables become cards.
        browser.windowSize(390, 844);
        browser.get(base + "#/executions");
        browser.await(STEP, "the list on a phone", () -> "SUCCEEDED".equals(rowState(id)));
        assertThat(browser.script("return getComputedStyle(document.querySelector('#executions thead')).display").asText())
                .isEqualTo("none");
        browser.screenshot(SHOTS.resolve("09-phone-executions.png"));
        browser.get(base + "#/executions/" + id);
        browser.await(STEP, "an execution on a phone", () -> browser.text("#log").contains("done"));
        browser.screenshot(SHOTS.resolve("10-phone-execution.png"));
        browser.windowSize(1366, 900);

        // Logout: the cookie no longer opens the API.
        browser.click("#logout");
        browser.await(STEP, "the login page again", () -> visible("#login-form"));
        JsonNode status = browser.asyncScript("const done = arguments[arguments.length - 1];"
                + "fetch('/api/v1/executions').then(r => done(r.status), e => done(-1));");
        assertThat(status.asInt()).isEqualTo(401);
    }

    private boolean visible(String css) throws IOException {
        return browser.script("const e = document.querySelector(arguments[0]); return !!e && e.offsetParent !== null;", css)
                .asBoolean();
    }

    /** The state a row of the executions list shows, or null when the row is not there. */
    private String rowState(String id) throws IOException {
        JsonNode v = browser.script("const r = document.querySelector(\"tr[data-id='\" + arguments[0] + \"']\");"
                + " return r ? r.dataset.state : null;", id);
        return v.isNull() ? null : v.asText();
    }

    /** Submits through the API (multipart, the admin key), as any client would. */
    private String submit(String name, String script, String spec) throws IOException, InterruptedException {
        String boundary = "rgrid-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"spec\"\r\nContent-Type: application/json\r\n\r\n"
                + spec + "\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"script\"; filename=\"" + name
                + "\"\r\nContent-Type: text/x-python\r\n\r\n" + script + "\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(grid.apiUrl() + "/api/v1/executions"))
                .header("Authorization", "Bearer " + adminKey)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return Json.mapper().readTree(response.body()).path("id").asText();
    }

    private JsonNode api(String method, String path, String json) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(grid.apiUrl() + path))
                .header("Authorization", "Bearer " + adminKey)
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(method + " " + path + ": " + response.body()).isBetween(200, 299);
        return Json.mapper().readTree(response.body());
    }
}
