package io.rgrid.api.execution.service;

import io.rgrid.api.config.RgridConfig;
import io.rgrid.api.error.ApiException;
import io.rgrid.model.ExecutionSpec;
import io.rgrid.model.MemorySize;
import io.rgrid.model.NetworkMode;
import io.rgrid.model.api.ErrorCode;
import io.rgrid.model.api.Problem.FieldError;
import io.rgrid.model.api.SubmitSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Turns a user's {@link SubmitSpec} into a complete {@link ExecutionSpec}: defaults for what is
 * missing, limits for what is given. Reports every invalid field at once (422 INVALID_SPEC).
 */
public final class SpecResolver {

    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    /** A machine type's name as Hetzner writes them (cx23, ccx13, cax11, cpx-41), or {@code local}. */
    private static final Pattern MACHINE = Pattern.compile("[a-z0-9][a-z0-9-]{0,31}");
    private static final Pattern LABEL_KEY = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._/-]{0,61}[A-Za-z0-9])?");
    private static final int MAX_ARGS = 1000;
    private static final int MAX_VALUE_LENGTH = 32 * 1024;

    private final RgridConfig.Defaults defaults;
    private final RgridConfig.Limits limits;

    public SpecResolver(RgridConfig.Defaults defaults, RgridConfig.Limits limits) {
        this.defaults = defaults;
        this.limits = limits;
    }

    public ExecutionSpec resolve(SubmitSpec submitted) {
        SubmitSpec spec = submitted == null ? SubmitSpec.empty() : submitted;
        List<FieldError> errors = new ArrayList<>();

        String image = spec.image() == null ? defaults.image() : spec.image().trim();
        if (image.isEmpty() || image.chars().anyMatch(c -> Character.isWhitespace(c) || c < 0x20)) {
            errors.add(new FieldError("image", "must be an image reference without white space"));
        }

        List<String> args = spec.args() == null ? List.of() : spec.args();
        if (args.size() > MAX_ARGS) {
            errors.add(new FieldError("args", "at most " + MAX_ARGS + " arguments"));
        }
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i) == null) {
                errors.add(new FieldError("args[" + i + "]", "must not be null"));
            } else if (args.get(i).indexOf('\0') >= 0 || args.get(i).length() > MAX_VALUE_LENGTH) {
                errors.add(new FieldError("args[" + i + "]", "must be shorter than " + MAX_VALUE_LENGTH + " characters and contain no NUL"));
            }
        }

        Map<String, String> env = spec.env() == null ? Map.of() : spec.env();
        if (env.size() > limits.maxEnv()) {
            errors.add(new FieldError("env", "at most " + limits.maxEnv() + " variables"));
        }
        long envChars = env.entrySet().stream()
                .mapToLong(e -> e.getKey().length() + (e.getValue() == null ? 0 : e.getValue().length())).sum();
        if (envChars > limits.maxEnvBytes()) {
            errors.add(new FieldError("env", "names and values together are " + envChars + " characters; the limit is "
                    + limits.maxEnvBytes()));
        }
        env.forEach((name, value) -> {
            if (!ENV_NAME.matcher(name).matches()) {
                errors.add(new FieldError("env." + name, "variable names are letters, digits and '_', not starting with a digit"));
            } else if (value == null) {
                errors.add(new FieldError("env." + name, "must not be null"));
            } else if (value.indexOf('\0') >= 0 || value.length() > MAX_VALUE_LENGTH) {
                errors.add(new FieldError("env." + name, "must be shorter than " + MAX_VALUE_LENGTH + " characters and contain no NUL"));
            }
        });

        double cpus = spec.cpus() == null ? defaults.cpus() : spec.cpus();
        if (Double.isNaN(cpus) || cpus < limits.minCpus() || cpus > limits.maxCpus()) {
            errors.add(new FieldError("cpus", "must be between " + fmt(limits.minCpus()) + " and " + fmt(limits.maxCpus())));
        }

        int memoryMb = 0;
        try {
            memoryMb = MemorySize.parseMb(spec.memory() == null ? defaults.memory() : spec.memory());
            if (memoryMb < limits.minMemoryMb() || memoryMb > limits.maxMemoryMb()) {
                errors.add(new FieldError("memory", "must be between " + limits.minMemoryMb() + "m and " + limits.maxMemoryMb() + "m"));
            }
        } catch (IllegalArgumentException e) {
            errors.add(new FieldError("memory", e.getMessage()));
        }

        int timeout = spec.timeoutSeconds() == null ? defaults.timeoutSeconds() : spec.timeoutSeconds();
        if (timeout < limits.minTimeoutSeconds() || timeout > limits.maxTimeoutSeconds()) {
            errors.add(new FieldError("timeoutSeconds", "must be between " + limits.minTimeoutSeconds() + " and "
                    + limits.maxTimeoutSeconds() + " seconds"));
        }

        NetworkMode network = NetworkMode.BRIDGE;
        try {
            network = NetworkMode.parse(spec.network() == null ? defaults.network() : spec.network());
        } catch (IllegalArgumentException e) {
            errors.add(new FieldError("network", e.getMessage()));
        }

        int maxAttempts = spec.maxAttempts() == null ? defaults.maxAttempts() : spec.maxAttempts();
        if (maxAttempts < limits.minAttempts() || maxAttempts > limits.maxAttempts()) {
            errors.add(new FieldError("maxAttempts", "must be between " + limits.minAttempts() + " and " + limits.maxAttempts()));
        }

        Map<String, String> labels = spec.labels() == null ? Map.of() : spec.labels();
        if (labels.size() > limits.maxLabels()) {
            errors.add(new FieldError("labels", "at most " + limits.maxLabels() + " labels"));
        }
        labels.forEach((key, value) -> {
            if (!LABEL_KEY.matcher(key).matches()) {
                errors.add(new FieldError("labels." + key, "keys are 1-63 letters, digits, '.', '_', '-', '/', "
                        + "starting and ending with a letter or digit"));
            } else if (value == null || value.length() > 256 || value.chars().anyMatch(c -> c < 0x20)) {
                errors.add(new FieldError("labels." + key, "values are up to 256 printable characters"));
            }
        });

        String machine = spec.machine() == null ? null : spec.machine().strip();
        if (machine != null && !MACHINE.matcher(machine).matches()) {
            errors.add(new FieldError("machine", "must be a machine type name such as cx33 (1-32 lowercase letters, "
                    + "digits and '-')"));
        }

        if (!errors.isEmpty()) {
            throw new ApiException(ErrorCode.INVALID_SPEC, describe(errors), errors);
        }
        return new ExecutionSpec(image, args, env, cpus, memoryMb, timeout, network, maxAttempts, labels, machine);
    }

    private static String describe(List<FieldError> errors) {
        StringBuilder detail = new StringBuilder("invalid spec: ");
        for (int i = 0; i < errors.size(); i++) {
            if (i > 0) {
                detail.append("; ");
            }
            detail.append(errors.get(i).field()).append(' ').append(errors.get(i).message());
        }
        return detail.toString();
    }

    private static String fmt(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }
}
