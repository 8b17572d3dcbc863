package io.rgrid.api.support;

import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.rgrid.model.api.ApiPaths;
import io.rgrid.model.api.Auth;

import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;

/** Project keys for tests, created through the API with the admin key. */
public final class Keys {

    private Keys() {
    }

    /** A project of its own for one test, so listings see only that test's executions. */
    public static String freshProject(String stem) {
        return stem + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** @return the plaintext key of a new key for {@code project} */
    public static String create(String adminKey, String project) {
        Response response = given().header(Auth.HEADER, Auth.header(adminKey)).contentType(ContentType.JSON)
                .body(Map.of("project", project, "name", "test key")).post(ApiPaths.BASE + "/keys");
        response.then().statusCode(201);
        return response.jsonPath().getString("key");
    }

    public static RequestSpecification as(String key) {
        return given().header(Auth.HEADER, Auth.header(key));
    }
}
