package io.rgrid.cli.http;

import io.rgrid.cli.config.ApiSettings;
import io.rgrid.cli.core.CliException;
import io.rgrid.cli.http.ApiClient.Response;
import io.rgrid.model.api.Problem;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import javax.net.ssl.SSLException;

import static io.rgrid.cli.http.ApiClient.CALL_TIMEOUT;
import static io.rgrid.cli.http.ApiClient.CONNECT_TIMEOUT;

/**
 * What the CLI says when a call to the API fails: a transport failure or a non-2xx answer turned
 * into one message that names the URL, what went wrong and the likely fix.
 */
final class ApiFailures {

    private static final String START_HINT = "Is the grid running? Start it with: ./rgrid local up";

    private final ApiSettings settings;

    ApiFailures(ApiSettings settings) {
        this.settings = settings;
    }

    /** Turns a transport failure into one line that names the URL and the likely fix. */
    CliException unreachable(IOException e) {
        String url = settings.apiUrl().toString();
        if (e instanceof Transport.ConnectTimeout) {
            return CliException.api("cannot reach the RGrid API at " + url + " (no answer within "
                    + CONNECT_TIMEOUT.toSeconds() + " s). " + START_HINT, e);
        }
        if (e instanceof SocketTimeoutException) {
            return CliException.api("the RGrid API at " + url + " did not answer within "
                    + CALL_TIMEOUT.toSeconds() + " s. Try again; if it persists, check the API's logs", e);
        }
        if (e instanceof UnknownHostException) {
            return CliException.api("cannot reach the RGrid API at " + url + " (unknown host "
                    + settings.apiUrl().getHost() + "). Check --api-url, RGRID_API_URL or the CLI config", e);
        }
        if (e instanceof ConnectException) {
            return CliException.api("cannot reach the RGrid API at " + url + " (connection refused). "
                    + (isLocal() ? START_HINT : "Is the API running there, and is the URL right?"), e);
        }
        if (hasCause(e, CertPathBuilderException.class) || hasCause(e, CertPathValidatorException.class)) {
            return CliException.api("TLS with the RGrid API at " + url + " failed: " + CaTrust.NOT_TRUSTED
                    + (settings.caCert() == null ? "" : " (" + settings.caCert().describe() + " did not sign it)"), e);
        }
        if (e instanceof SSLException) {
            return CliException.api("TLS with the RGrid API at " + url + " failed: " + e.getMessage()
                    + ". Check the URL's scheme (http or https) and that its certificate names the host "
                    + settings.apiUrl().getHost(), e);
        }
        String detail = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return CliException.api("lost the connection to the RGrid API at " + url + " (" + detail + "). "
                + "Try again; if it persists, check the API's logs", e);
    }

    /** Turns a non-2xx answer into a message; problem+json bodies are quoted. */
    CliException failure(Response response, String executionId) {
        Problem problem = response.problem();
        String quoted = problem == null ? "" : quote(problem);
        int status = response.status();
        if (status == 401) {
            return CliException.api("the API rejected the key from " + settings.keySource() + quoted
                    + ".\nCheck --api-key / RGRID_API_KEY / the CLI config; for the local grid, "
                    + "./rgrid local up writes the right key");
        }
        if (status == 403) {
            return CliException.api("the API does not allow this key to do that" + quoted);
        }
        if (status == 404 && executionId != null) {
            if (problem != null && problem.detail() != null && !problem.detail().startsWith("no execution")) {
                // E.g. an --attempt the execution never had: the API's detail says which ones exist.
                return CliException.api(problem.detail());
            }
            return CliException.api("no execution " + executionId + " at " + settings.apiUrl());
        }
        if (problem != null) {
            StringBuilder message = new StringBuilder("the API refused the request: ")
                    .append(problem.detail() != null ? problem.detail() : problem.title())
                    .append(" (").append(problem.code() != null ? problem.code() : "HTTP " + status)
                    .append(", HTTP ").append(status).append(')');
            if (problem.errors() != null) {
                for (Problem.FieldError error : problem.errors()) {
                    message.append("\n  ").append(error.field()).append(": ").append(error.message());
                }
            }
            return CliException.api(message.toString());
        }
        String text = new String(response.body(), StandardCharsets.UTF_8).strip();
        if (text.length() > 200) {
            text = text.substring(0, 200) + "…";
        }
        return CliException.api("the API at " + settings.apiUrl() + " answered HTTP " + status
                + (text.isEmpty() ? "" : ": " + text.replace('\n', ' ')));
    }

    private static String quote(Problem problem) {
        String detail = problem.detail() != null ? problem.detail() : problem.title();
        if (detail == null && problem.code() == null) {
            return "";
        }
        return ": \"" + (detail == null ? "" : detail) + "\"" + (problem.code() == null ? "" : " (" + problem.code() + ")");
    }

    private boolean isLocal() {
        String host = settings.apiUrl().getHost();
        return host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]") || host.equals("::1");
    }

    private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }
}
