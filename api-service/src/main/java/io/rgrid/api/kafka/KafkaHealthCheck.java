package io.rgrid.api.kafka;

import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import java.util.HashMap;
import java.util.concurrent.TimeUnit;

/**
 * Ready only while a Kafka broker answers. Submissions would still be accepted without Kafka
 * (the outbox holds them), but a load balancer should prefer an instance whose events flow.
 * <p>
 * Not the Kafka extension's check ({@code quarkus.kafka.health.enabled}, off): it waits for the
 * cluster description without a bound of its own (the admin client's 60 s API timeout while the
 * broker is away, so a probe would hang past any load balancer's timeout), and its client takes
 * its settings from the {@code kafka.*} keys, which every SmallRye channel inherits as defaults;
 * bounding it there would change the channels too. The SmallRye channels' own readiness checks
 * ({@code /q/health/ready}) report each consumer and producer besides this one.
 */
@Readiness
@ApplicationScoped
public class KafkaHealthCheck implements HealthCheck {

    private static final int TIMEOUT_MS = 3000;
    private final KafkaClients clients;

    public KafkaHealthCheck(KafkaClients clients) {
        this.clients = clients;
    }

    @Override
    public HealthCheckResponse call() {
        var props = new HashMap<>(clients.admin());
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, TIMEOUT_MS);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, TIMEOUT_MS);
        var response = HealthCheckResponse.named("kafka");
        try (Admin admin = Admin.create(props)) {
            int brokers = admin.describeCluster(new DescribeClusterOptions().timeoutMs(TIMEOUT_MS))
                    .nodes().get(TIMEOUT_MS, TimeUnit.MILLISECONDS).size();
            return response.status(brokers > 0).withData("brokers", brokers).build();
        } catch (Exception e) {
            return response.down().withData("error", String.valueOf(e.getMessage())).build();
        }
    }
}
