package io.rgrid.orchestrator.provider.hetzner;

import io.rgrid.orchestrator.provider.ProvisioningException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The cloud-init user data a worker boots with: the template file with {@code ${NAME}} replaced
 * for the names given and every other {@code ${...}} left as it is (shell variables in the
 * template's scripts). The result holds no secret: Hetzner stores user data and shows it to
 * anyone with project access; the worker's token and credentials arrive later over SSH.
 */
public final class CloudInitTemplate {

    /** Hetzner's limit on user_data. */
    static final int MAX_BYTES = 32 * 1024;
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z0-9_]+)}");

    private CloudInitTemplate() {
    }

    /** Reads {@code template} and renders it with {@code values}. */
    public static String render(Path template, Map<String, String> values) throws ProvisioningException {
        String text;
        try {
            text = Files.readString(template, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ProvisioningException("cannot read the cloud-init template " + template.toAbsolutePath()
                    + " (" + e.getClass().getSimpleName() + "): set rgrid.orchestrator.hetzner.cloud-init-template "
                    + "to deploy/cloud-init/worker.yaml of the RGrid checkout or release", e);
        }
        String rendered = render(text, values);
        int size = rendered.getBytes(StandardCharsets.UTF_8).length;
        if (size > MAX_BYTES) {
            throw new ProvisioningException("the rendered cloud-init template " + template + " is " + size
                    + " bytes; Hetzner accepts at most " + MAX_BYTES + " bytes of user_data");
        }
        return rendered;
    }

    /** Replaces {@code ${NAME}} for every NAME in {@code values}; leaves the others. */
    public static String render(String text, Map<String, String> values) {
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = values.get(m.group(1));
            m.appendReplacement(out, Matcher.quoteReplacement(value != null ? value : m.group()));
        }
        m.appendTail(out);
        return out.toString();
    }
}
