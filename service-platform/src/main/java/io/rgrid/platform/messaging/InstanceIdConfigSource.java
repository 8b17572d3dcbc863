package io.rgrid.platform.messaging;

import org.eclipse.microprofile.config.spi.ConfigSource;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.Set;

/**
 * The default of {@code rgrid.messaging.instance-id}: {@code <host name>-<HTTP port>}. Two instances
 * on one host listen on different ports, so they never share a {@code group.instance.id} (Kafka would
 * fence one of them); a restarted instance gets the same one back. Lowest priority: any other
 * source (application.properties, the env RGRID_MESSAGING_INSTANCE_ID) wins.
 */
public class InstanceIdConfigSource implements ConfigSource {

    static final String KEY = "rgrid.messaging.instance-id";

    private final Map<String, String> properties = Map.of(KEY, hostName() + "-${quarkus.http.port:8080}");

    @Override
    public Set<String> getPropertyNames() {
        return properties.keySet();
    }

    @Override
    public String getValue(String propertyName) {
        return properties.get(propertyName);
    }

    @Override
    public String getName() {
        return "rgrid-instance-id-default";
    }

    @Override
    public int getOrdinal() {
        return 1;
    }

    static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            String env = System.getenv("HOSTNAME");
            return env == null || env.isBlank() ? "localhost" : env;
        }
    }
}
