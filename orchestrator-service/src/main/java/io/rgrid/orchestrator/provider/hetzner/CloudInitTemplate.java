package io.rgrid.orchestrator.provider.hetzner;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renders {@code deploy/cloud-init/worker.yaml}, the user_data of every Hetzner worker, from the
 * copy bundled in the orchestrator's jar (with {@code deploy/systemd/rgrid-worker.service} and the
 * egress policy script {@code deploy/worker-egress.sh}, docs/security.md).
 *
 * <p>Placeholders are {@code ${NAME}}; every one in the template must be known and filled (lines
 * that start with {@code #}, comments, are copied untouched), and the
 * lines between {@code # @ray-begin} and {@code # @ray-end} are kept only when Ray is enabled. A
 * multi-line value (the unit file, the script) is indented like the line its placeholder stands on, so it stays
 * inside its YAML block scalar. The result holds no secret: credentials go over SSH later
 * ({@link SshWorkerBootstrap}).
 *
 * <p>Plain JDK only, so {@code infra/check-deploy.sh} can run it as a single-file program:
 * {@code java CloudInitTemplate.java --template worker.yaml --unit rgrid-worker.service --egress
 * worker-egress.sh [--ray-head
 * 10.0.0.2:6380 --slots 2]} prints the rendered cloud-config.
 */
public final class CloudInitTemplate {

    /** Where the build puts the template and the unit in the jar (see the module's pom). */
    static final String TEMPLATE_RESOURCE = "/deploy/cloud-init/worker.yaml";
    static final String UNIT_RESOURCE = "/deploy/systemd/rgrid-worker.service";
    static final String EGRESS_RESOURCE = "/deploy/worker-egress.sh";

    /** Hetzner's limit for user_data. */
    static final int USER_DATA_LIMIT = 32 * 1024;

    public static final String DEFAULT_RAY_VERSION = "2.58.0";

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z0-9_]*)}");
    private static final Pattern HOST_PORT = Pattern.compile("[A-Za-z0-9.-]+:[0-9]{1,5}");
    private static final Pattern VERSION = Pattern.compile("[0-9]+(\\.[0-9]+)*");
    private static final String RAY_BEGIN = "# @ray-begin";
    private static final String RAY_END = "# @ray-end";

    /** Ray settings of a worker: the head's GCS address (control plane private IP:6380), version, slots. */
    public record Ray(String headAddress, String version, int slots) {
        public Ray {
            Objects.requireNonNull(headAddress, "headAddress");
            Objects.requireNonNull(version, "version");
            if (!HOST_PORT.matcher(headAddress).matches()) {
                throw new IllegalArgumentException("Ray head address must be host:port, got '" + headAddress + "'");
            }
            if (!VERSION.matcher(version).matches()) {
                throw new IllegalArgumentException("Ray version must be digits and dots, got '" + version + "'");
            }
            if (slots < 1) {
                throw new IllegalArgumentException("Ray worker slots must be at least 1, got " + slots);
            }
        }
    }

    /**
     * What varies between grids: Ray (empty: Ray disabled). No Java package: the agent brings its
     * own runtime (infra/package.sh), pushed with it by the SSH bootstrap.
     */
    public record Settings(Optional<Ray> ray) {
        public Settings {
            Objects.requireNonNull(ray, "ray");
        }

        public static Settings withoutRay() {
            return new Settings(Optional.empty());
        }
    }

    private final String template;
    private final String workerUnit;
    private final String egressScript;

    private CloudInitTemplate(String template, String workerUnit, String egressScript) {
        this.template = Objects.requireNonNull(template, "template");
        this.workerUnit = Objects.requireNonNull(workerUnit, "workerUnit");
        this.egressScript = Objects.requireNonNull(egressScript, "egressScript");
    }

    public static CloudInitTemplate of(String template, String workerUnit, String egressScript) {
        return new CloudInitTemplate(template, workerUnit, egressScript);
    }

    /** The template, unit and egress script bundled in the orchestrator's jar. */
    public static CloudInitTemplate bundled() {
        return of(resource(TEMPLATE_RESOURCE), resource(UNIT_RESOURCE), resource(EGRESS_RESOURCE));
    }

    private static String resource(String name) {
        try (InputStream in = CloudInitTemplate.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is not on the classpath (the orchestrator's build bundles it "
                        + "from deploy/)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + name, e);
        }
    }

    /**
     * The cloud-config for one worker.
     *
     * @throws IllegalArgumentException when the template names a placeholder this class does not
     *                                  fill, a Ray marker is unbalanced, or the result exceeds 32 KiB
     */
    public String render(Settings settings) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("RGRID_WORKER_UNIT", workerUnit.stripTrailing());
        values.put("RGRID_EGRESS_SCRIPT", egressScript.stripTrailing());
        settings.ray().ifPresent(ray -> {
            values.put("RAY_HEAD_ADDRESS", ray.headAddress());
            values.put("RAY_VERSION", ray.version());
            values.put("RGRID_WORKER_SLOTS", Integer.toString(ray.slots()));
        });
        StringBuilder out = new StringBuilder();
        boolean inRay = false;
        int lineNo = 0;
        for (String line : template.split("\n", -1)) {
            lineNo++;
            String trimmed = line.strip();
            if (trimmed.equals(RAY_BEGIN) || trimmed.equals(RAY_END)) {
                boolean begin = trimmed.equals(RAY_BEGIN);
                if (begin == inRay) {
                    throw new IllegalArgumentException("line " + lineNo + ": unbalanced '" + trimmed + "'");
                }
                inRay = begin;
                continue;
            }
            if (inRay && settings.ray().isEmpty()) {
                continue;
            }
            // Comment lines (the header documents the placeholders) are copied as they are.
            out.append(trimmed.startsWith("#") ? line : substitute(line, lineNo, values)).append('\n');
        }
        if (inRay) {
            throw new IllegalArgumentException("'" + RAY_BEGIN + "' without '" + RAY_END + "'");
        }
        String rendered = out.substring(0, out.length() - 1);
        int size = rendered.getBytes(StandardCharsets.UTF_8).length;
        if (size > USER_DATA_LIMIT) {
            throw new IllegalArgumentException("rendered user_data is " + size + " bytes; Hetzner accepts at most "
                    + USER_DATA_LIMIT);
        }
        return rendered;
    }

    private static String substitute(String line, int lineNo, Map<String, String> values) {
        Matcher m = PLACEHOLDER.matcher(line);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String name = m.group(1);
            String value = values.get(name);
            if (value == null) {
                throw new IllegalArgumentException("line " + lineNo + ": unknown or unfilled placeholder ${" + name
                        + "} (known: " + String.join(", ", values.keySet()) + ")");
            }
            if (value.contains("\n")) {
                // A multi-line value continues at the indentation of its placeholder's line.
                String indent = line.substring(0, line.length() - line.stripLeading().length());
                value = value.replace("\n", "\n" + indent).replaceAll("(?m)^[ \\t]+$", "");
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(value));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** Single-file use by infra/check-deploy.sh; prints the rendered cloud-config. */
    public static void main(String[] args) throws IOException {
        Path templateFile = null;
        Path unitFile = null;
        Path egressFile = null;
        String rayHead = null;
        String rayVersion = DEFAULT_RAY_VERSION;
        int slots = 2;
        for (int i = 0; i < args.length; i += 2) {
            if (i + 1 >= args.length) {
                usage(args[i] + " needs a value");
            }
            String v = args[i + 1];
            switch (args[i]) {
                case "--template" -> templateFile = Path.of(v);
                case "--unit" -> unitFile = Path.of(v);
                case "--egress" -> egressFile = Path.of(v);
                case "--ray-head" -> rayHead = v;
                case "--ray-version" -> rayVersion = v;
                case "--slots" -> slots = Integer.parseInt(v);
                default -> usage("unknown option " + args[i]);
            }
        }
        if (templateFile == null || unitFile == null || egressFile == null) {
            usage("--template, --unit and --egress are required");
        }
        try {
            Optional<Ray> ray = rayHead == null ? Optional.empty() : Optional.of(new Ray(rayHead, rayVersion, slots));
            System.out.println(of(Files.readString(templateFile), Files.readString(unitFile), Files.readString(egressFile))
                    .render(new Settings(ray)));
        } catch (IllegalArgumentException e) {
            System.err.println("CloudInitTemplate: " + templateFile + ": " + e.getMessage());
            System.exit(1);
        }
    }

    private static void usage(String problem) {
        System.err.println("CloudInitTemplate: " + problem + "\nusage: CloudInitTemplate --template FILE --unit FILE --egress FILE "
                + "[--ray-head HOST:PORT [--ray-version V] [--slots N]]");
        System.exit(2);
    }
}
