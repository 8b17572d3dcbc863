package io.rgrid.model.signing;

import io.rgrid.model.event.CostSnapshot;
import io.rgrid.model.event.Event;
import io.rgrid.model.event.ExecutionCancelRequested;
import io.rgrid.model.event.ExecutionLogChunk;
import io.rgrid.model.event.ExecutionStatusChanged;
import io.rgrid.model.event.ExecutionSubmitted;
import io.rgrid.model.event.ExecutionWaiting;
import io.rgrid.model.event.GridCapacityChanged;
import io.rgrid.model.event.WorkerHeartbeat;
import io.rgrid.model.event.WorkerLifecycleChanged;

import java.util.UUID;

/**
 * Who must have signed a record, and with which key, decided from its event and its
 * {@value RecordSignatures#SIGNER_HEADER} alone (pure; {@code SignerRuleTest} tables it):
 * <ul>
 *   <li>submissions, cancel requests and cluster events: the control plane (K);</li>
 *   <li>a status report naming {@code reportedBy=orchestrator}: the control plane; any other: the
 *       worker it names as {@code workerId} and {@code reportedBy}, with its attempt key;</li>
 *   <li>a log chunk: the worker that signed it, with its attempt key (only the worker holding the
 *       attempt has it);</li>
 *   <li>a heartbeat: the worker it is about, with its token.</li>
 * </ul>
 * Anything else (no signer, another signer) is refused with a reason.
 */
public final class SignerRule {

    /** The key a record must verify with, or why it cannot be accepted at all. */
    public sealed interface Expectation {
    }

    /** Signed by api-service or the orchestrator with K. */
    public record ControlPlane() implements Expectation {
    }

    /** Signed by {@code workerId} with the attempt key of {@code executionId}/{@code attempt}. */
    public record Attempt(UUID executionId, int attempt, String workerId) implements Expectation {
    }

    /** Signed by {@code workerId} with its token. */
    public record WorkerToken(String workerId) implements Expectation {
    }

    /** Not acceptable whatever its signature. */
    public record Refused(String reason) implements Expectation {
    }

    private SignerRule() {
    }

    public static Expectation expect(Event event, String signer) {
        if (signer == null || signer.isBlank()) {
            return new Refused("unsigned (no " + RecordSignatures.SIGNER_HEADER + " header)");
        }
        boolean controlPlane = RecordSignatures.CONTROL_PLANE.equals(signer);
        String worker = RecordSignatures.workerOf(signer);
        return switch (event) {
            case ExecutionSubmitted ignored -> controlPlaneOnly(controlPlane, signer);
            case ExecutionCancelRequested ignored -> controlPlaneOnly(controlPlane, signer);
            case WorkerLifecycleChanged ignored -> controlPlaneOnly(controlPlane, signer);
            case ExecutionWaiting ignored -> controlPlaneOnly(controlPlane, signer);
            case CostSnapshot ignored -> controlPlaneOnly(controlPlane, signer);
            case GridCapacityChanged ignored -> controlPlaneOnly(controlPlane, signer);
            case ExecutionStatusChanged s -> status(s, controlPlane, worker, signer);
            case ExecutionLogChunk c -> worker == null || c.executionId() == null
                    ? new Refused("a log chunk signed by " + signer + ", not by a worker")
                    : new Attempt(c.executionId(), c.attempt(), worker);
            case WorkerHeartbeat h -> worker != null && worker.equals(h.workerId())
                    ? new WorkerToken(worker)
                    : new Refused("a heartbeat of " + h.workerId() + " signed by " + signer);
        };
    }

    private static Expectation controlPlaneOnly(boolean controlPlane, String signer) {
        return controlPlane ? new ControlPlane() : new Refused("signed by " + signer + ", not by the control plane");
    }

    private static Expectation status(ExecutionStatusChanged s, boolean controlPlane, String worker, String signer) {
        if (ExecutionStatusChanged.ORCHESTRATOR.equals(s.reportedBy())) {
            return controlPlaneOnly(controlPlane, signer);
        }
        if (worker == null || s.executionId() == null || !worker.equals(s.workerId()) || !worker.equals(s.reportedBy())) {
            return new Refused("a report by " + s.reportedBy() + " about worker " + s.workerId() + " signed by " + signer);
        }
        return new Attempt(s.executionId(), s.attempt(), worker);
    }
}
