package io.rgrid.orchestrator.provider.hetzner;

import io.rgrid.orchestrator.provider.ProvisioningException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * User data from a template file: {@code ${RGRID_WORKER_ID}}, {@code ${RGRID_POOL}},
 * {@code ${RGRID_SERVER_TYPE}}, {@code ${RGRID_LOCATION}} and every name of {@code extra} are
 * replaced; every other {@code ${...}} (a shell variable of the template's scripts) is left as it
 * is. The file is read at each render, so an edited template applies to the next server.
 */
public final class TemplateUserData implements UserDataRenderer {

    /** Hetzner's limit on user_data. */
    static final int MAX_BYTES = 32 * 1024;
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z0-9_]+)}");

    private final Path template;
    private final String pool;
    private final Map<String, String> extra;

    public TemplateUserData(Path template, String pool, Map<String, String> extra) {
        this.template = template;
        this.pool = pool;
        this.extra = Map.copyOf(extra);
    }

    @Override
    public String render(String workerId, String serverType, String location) throws ProvisioningException {
        String text;
        try {
            text = Files.readString(template, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ProvisioningException("cannot read the cloud-init template " + template.toAbsolutePath()
                    + " (" + e.getClass().getSimpleName() + "): set rgrid.orchestrator.hetzner.cloud-init-template "
                    + "to deploy/cloud-init/worker.yaml of the RGrid checkout or release", e);
        }
        Map<String, String> values = new LinkedHashMap<>(extra);
        values.put("RGRID_WORKER_ID", workerId);
        values.put("RGRID_POOL", pool);
        values.put("RGRID_SERVER_TYPE", serverType);
        values.put("RGRID_LOCATION", location);
        String rendered = substitute(text, values);
        int size = rendered.getBytes(StandardCharsets.UTF_8).length;
        if (size > MAX_BYTES) {
            throw new ProvisioningException("the rendered cloud-init template " + template + " is " + size
                    + " bytes; Hetzner accepts at most " + MAX_BYTES + " bytes of user_data");
        }
        return rendered;
    }

    /** Replaces {@code ${NAME}} for every NAME in {@code values}; leaves the others. */
    static String substitute(String text, Map<String, String> values) {
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = values.get(m.group(1));
            m.appendReplacement(out, Matcher.quoteReplacement(value != null ? value : m.group()));
        }
        m.appendTail(out);
        return out.toString();
    }

    @Override
    public String toString() {
        return "TemplateUserData[" + template + "]";
    }
}
