package io.rgrid.model.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * The seed's {@code DATABASE_URL} ({@code postgresql+asyncpg://user:password@host:5432/db}, or
 * {@code postgres://…}, {@code postgresql://…}) as JDBC settings.
 */
public record DatabaseUrl(String jdbcUrl, String username, String password) {

    /** @throws IllegalArgumentException saying what is wrong, without echoing the password */
    public static DatabaseUrl parse(String databaseUrl) {
        if (databaseUrl == null || databaseUrl.isBlank()) {
            throw new IllegalArgumentException("DATABASE_URL is empty");
        }
        if (databaseUrl.startsWith("jdbc:postgresql:")) {
            return new DatabaseUrl(databaseUrl, null, null);
        }
        URI uri;
        try {
            uri = new URI(databaseUrl.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("DATABASE_URL is not a URL of the form postgresql://user:password@host:5432/db");
        }
        String scheme = uri.getScheme();
        if (scheme == null || !(scheme.equals("postgresql") || scheme.startsWith("postgresql+") || scheme.equals("postgres"))) {
            throw new IllegalArgumentException("DATABASE_URL must start with postgresql:// (or postgresql+asyncpg://), not '" + scheme + "://'");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("DATABASE_URL has no host");
        }
        String db = uri.getPath() == null || uri.getPath().length() <= 1 ? "postgres" : uri.getPath().substring(1);
        int port = uri.getPort() == -1 ? 5432 : uri.getPort();
        String jdbc = "jdbc:postgresql://" + uri.getHost() + ":" + port + "/" + db
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        String user = null;
        String password = null;
        String userInfo = uri.getRawUserInfo();
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
            password = colon < 0 ? null : decode(userInfo.substring(colon + 1));
        }
        return new DatabaseUrl(jdbc, user, password);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "DatabaseUrl[" + jdbcUrl + ", user=" + username + ", password=" + (password == null ? "none" : "***") + "]";
    }
}
