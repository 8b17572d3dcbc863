package io.rgrid.orchestrator.provider.hetzner;

import io.rgrid.orchestrator.provider.ProvisioningException;
import io.rgrid.orchestrator.provider.hetzner.api.ApiModel;
import io.rgrid.orchestrator.provider.hetzner.api.HetznerApiException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ApiErrorAdviceTest {

    private final ApiErrorAdvice advice = new ApiErrorAdvice("eu-central", "http://hetzner.example/v1");

    /** Hetzner's error code → what the operator is told to do (a phrase of it). */
    @ParameterizedTest(name = "{0} → …{1}…")
    @CsvSource(delimiter = ';', value = {
            "unauthorized;            set HETZNER_API_TOKEN (rgrid.orchestrator.hetzner.api-token) to a Read & Write token",
            "forbidden;               the API token may not create servers",
            "token_readonly;          the API token may not create servers",
            "resource_limit_exceeded; lower rgrid.orchestrator.scaling.max-workers",
            "uniqueness_error;        a resource with the same name already exists in the Hetzner project (a server named rgrid-worker-a",
            "invalid_input;           Hetzner rejected the request for cx33@fsn1",
            "invalid_input;           the location in the network zone eu-central)",
            "locked;                  busy with another action",
            "conflict;                busy with another action",
            "rate_limit_exceeded;     Provisioning resumes once it refills",
            "unreachable;             cannot reach the Hetzner API at http://hetzner.example/v1",
            "json_error;              a bug in RGrid",
            "server_error;            Hetzner failed the request: try again later",
            "http_502;                Hetzner failed the request: try again later",
    })
    void eachErrorSaysWhatToDo(String code, String phrase) {
        HetznerApiException error = new HetznerApiException(400, code, "the API said no",
                new ApiModel.ErrorDetails(List.of(new ApiModel.FieldError("name", List.of("taken"))), null), null);
        ProvisioningException explained = advice.explain(error, "rgrid-worker-a", new Placement("cx33", "fsn1"));
        assertThat(explained.getMessage()).contains(phrase).endsWith(" [" + error.getMessage() + "]");
        assertThat(explained.getCause()).isSameAs(error);
    }
}
