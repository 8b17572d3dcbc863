package io.rgrid.worker.assignment.service;

import io.rgrid.model.ExecutionSpec;
import io.rgrid.model.NetworkMode;
import io.rgrid.model.agent.ContainerLabels;
import io.rgrid.model.event.LogStream;
import io.rgrid.worker.assignment.service.OutcomeDecision.Verdict;
import io.rgrid.worker.runtime.ContainerRuntime;
import io.rgrid.worker.runtime.OutputListener;
import io.rgrid.worker.runtime.RunFailedException;
import io.rgrid.worker.runtime.RunRequest;
import io.rgrid.worker.runtime.RunResult;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Runs {@code pip install --target .deps -r requirements.txt} in the execution's own image,
 * limits and network mode, before the script; the script then finds the packages on
 * PYTHONPATH. With network none pip looks nowhere but the inputs ({@code --no-index
 * --find-links inputs}), so wheels shipped as inputs install by path or by name.
 */
final class RequirementsInstall {

    private final ContainerRuntime runtime;
    private final Duration timeout;

    RequirementsInstall(ContainerRuntime runtime, Duration timeout) {
        this.runtime = runtime;
        this.timeout = timeout;
    }

    /**
     * @param cancelled whether the attempt was cancelled meanwhile
     * @return the terminal verdict when the install failed (or was cancelled), else null
     */
    Verdict install(String runId, Path dir, ExecutionSpec spec, Map<String, String> labels, AttemptLog log,
                    BooleanSupplier cancelled) {
        List<String> pip = new ArrayList<>(List.of("-m", "pip", "install", "--no-cache-dir",
                "--disable-pip-version-check", "--no-input", "--no-warn-script-location", "--progress-bar", "off",
                "--target", RunRequest.DEPS, "-r", RunRequest.REQUIREMENTS));
        if (spec.network() == NetworkMode.NONE) {
            pip.addAll(List.of("--no-index", "--find-links", RunRequest.INPUTS));
        }
        log.system("installing requirements.txt (time limit " + timeout.toSeconds() + " s)");
        Map<String, String> phaseLabels = new HashMap<>(labels);
        phaseLabels.put(ContainerLabels.PHASE, "requirements");
        RunRequest install = new RunRequest(runId, dir, spec.image(), List.of(), spec.env(), spec.cpus(),
                spec.memoryMb(), timeout, spec.network(), phaseLabels, pip);
        // pip's output is the agent's doing, not the script's: SYSTEM lines, prefixed.
        OutputListener asSystem = (stream, text) -> log.onOutput(LogStream.SYSTEM, prefixLines(text, "[rgrid] pip: "));
        long started = System.nanoTime();
        RunResult result;
        try {
            result = runtime.run(install, asSystem);
        } catch (RunFailedException e) {
            log.system(e.getMessage());
            return Verdict.failed(null, e.reason(), e.getMessage());
        }
        if (cancelled.getAsBoolean()) {
            return Verdict.cancelled(null);
        }
        Verdict failed = OutcomeDecision.ofRequirements(result, timeout, spec);
        if (failed != null) {
            log.system(failed.message());
            return failed;
        }
        log.system(String.format(Locale.ROOT, "requirements installed in %.1f s", (System.nanoTime() - started) / 1e9));
        return null;
    }

    static String prefixLines(String text, String prefix) {
        StringBuilder out = new StringBuilder(text.length() + prefix.length());
        int start = 0;
        while (start < text.length()) {
            int nl = text.indexOf('\n', start);
            int end = nl < 0 ? text.length() : nl + 1;
            out.append(prefix).append(text, start, end);
            start = end;
        }
        if (!text.endsWith("\n")) {
            out.append('\n');
        }
        return out.toString();
    }
}
