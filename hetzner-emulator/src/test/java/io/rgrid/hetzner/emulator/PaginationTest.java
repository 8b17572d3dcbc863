package io.rgrid.hetzner.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class PaginationTest {

    private static HetznerEmulator emulator;
    private static Api api;
    private static String base;

    @BeforeAll
    static void sixtyServers() {
        emulator = HetznerEmulator.builder().bootDelays(Duration.ofMillis(50), Duration.ofMillis(50)).build().start();
        api = new Api(emulator.baseUrl(), "emulator-token");
        base = emulator.baseUrl();
        for (int i = 1; i <= 60; i++) {
            String pool = i % 2 == 0 ? "even" : "odd";
            Api.Reply r = api.post("/servers", Api.json("{'name':'worker-" + String.format("%02d", i)
                    + "','server_type':'cx23','image':'ubuntu-24.04','labels':{'pool':'" + pool + "'}}"));
            assertThat(r.status()).isEqualTo(201);
        }
    }

    @AfterAll
    static void stop() {
        emulator.stop();
    }

    private static void assertMeta(JsonNode body, int page, int perPage, Integer prev, Integer next, int last,
                                   int total) {
        JsonNode p = body.path("meta").path("pagination");
        assertThat(p.path("page").asInt()).isEqualTo(page);
        assertThat(p.path("per_page").asInt()).isEqualTo(perPage);
        assertThat(p.path("previous_page").isNull() ? null : p.path("previous_page").asInt()).isEqualTo(prev);
        assertThat(p.path("next_page").isNull() ? null : p.path("next_page").asInt()).isEqualTo(next);
        assertThat(p.path("last_page").asInt()).isEqualTo(last);
        assertThat(p.path("total_entries").asInt()).isEqualTo(total);
    }

    @Test
    void firstPageUsesTheDefaultPerPageAndLinksNextAndLast() {
        Api.Reply r = api.get("/servers");
        assertThat(r.body().path("servers")).hasSize(25);
        assertThat(r.body().path("servers").get(0).path("name").asText()).isEqualTo("worker-01");
        assertMeta(r.body(), 1, 25, null, 2, 3, 60);
        assertThat(r.header("Link")).isEqualTo("<" + base + "/servers?page=2&per_page=25>; rel=\"next\", <" + base
                + "/servers?page=3&per_page=25>; rel=\"last\"");
    }

    @Test
    void middlePageLinksPrevNextAndLast() {
        Api.Reply r = api.get("/servers?page=2&per_page=25");
        assertThat(r.body().path("servers").get(0).path("name").asText()).isEqualTo("worker-26");
        assertMeta(r.body(), 2, 25, 1, 3, 3, 60);
        assertThat(r.header("Link")).isEqualTo("<" + base + "/servers?page=1&per_page=25>; rel=\"prev\", <" + base
                + "/servers?page=3&per_page=25>; rel=\"next\", <" + base + "/servers?page=3&per_page=25>; rel=\"last\"");
    }

    @Test
    void lastPageHoldsTheRemainderAndHasNoNext() {
        Api.Reply r = api.get("/servers?page=3");
        assertThat(r.body().path("servers")).hasSize(10);
        assertMeta(r.body(), 3, 25, 2, null, 3, 60);
        assertThat(r.header("Link")).doesNotContain("rel=\"next\"").contains("rel=\"prev\"", "rel=\"last\"");
    }

    @Test
    void walkingTheNextLinksVisitsEveryServerOnce() {
        java.util.Set<String> names = new java.util.HashSet<>();
        String next = "/servers?per_page=7";
        int pages = 0;
        while (next != null) {
            Api.Reply r = api.get(next);
            r.body().path("servers").forEach(s -> names.add(s.path("name").asText()));
            pages++;
            next = null;
            for (String part : r.header("Link").split(", ")) {
                if (part.endsWith("rel=\"next\"")) {
                    next = part.substring(part.indexOf('<') + 1 + base.length(), part.indexOf('>'));
                }
            }
        }
        assertThat(names).hasSize(60);
        assertThat(pages).isEqualTo(9);
    }

    @Test
    void perPageMaxIs50() {
        Api.Reply r = api.get("/servers?per_page=50");
        assertThat(r.body().path("servers")).hasSize(50);
        assertMeta(r.body(), 1, 50, null, 2, 2, 60);
        Api.Reply tooMany = api.get("/servers?per_page=51");
        assertThat(tooMany.status()).isEqualTo(400);
        assertThat(tooMany.errorCode()).isEqualTo("invalid_input");
        assertThat(api.get("/servers?page=0").errorCode()).isEqualTo("invalid_input");
    }

    @Test
    void filtersAndSortingSurviveInTheLinks() {
        Api.Reply r = api.get("/servers?label_selector=pool%3Deven&sort=name:desc&per_page=10");
        assertMeta(r.body(), 1, 10, null, 2, 3, 30);
        assertThat(r.body().path("servers").get(0).path("name").asText()).isEqualTo("worker-60");
        assertThat(r.header("Link")).contains("/servers?label_selector=pool%3Deven&sort=name%3Adesc&page=2&per_page=10");
    }

    @Test
    void pageBeyondTheLastIsEmpty() {
        Api.Reply r = api.get("/servers?page=9");
        assertThat(r.body().path("servers")).isEmpty();
        assertThat(r.body().path("meta").path("pagination").path("next_page").isNull()).isTrue();
    }
}
