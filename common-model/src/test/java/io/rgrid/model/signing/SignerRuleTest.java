package io.rgrid.model.signing;

import io.rgrid.model.ExecutionState;
import io.rgrid.model.event.CostSnapshot;
import io.rgrid.model.event.Event;
import io.rgrid.model.event.ExecutionCancelRequested;
import io.rgrid.model.event.ExecutionLogChunk;
import io.rgrid.model.event.ExecutionStatusChanged;
import io.rgrid.model.event.ExecutionSubmitted;
import io.rgrid.model.event.GridCapacityChanged;
import io.rgrid.model.event.LogStream;
import io.rgrid.model.event.WorkerHeartbeat;
import io.rgrid.model.signing.SignerRule.Attempt;
import io.rgrid.model.signing.SignerRule.ControlPlane;
import io.rgrid.model.signing.SignerRule.Expectation;
import io.rgrid.model.signing.SignerRule.Refused;
import io.rgrid.model.signing.SignerRule.WorkerToken;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class SignerRuleTest {

    private static final UUID ID = UUID.fromString("0190a1b2-0000-7000-8000-000000000001");
    private static final String W = "rgrid-worker-abc123";
    private static final String OTHER = "rgrid-worker-zzz999";
    private static final String CP = RecordSignatures.CONTROL_PLANE;
    private static final String SW = RecordSignatures.worker(W);
    private static final String SO = RecordSignatures.worker(OTHER);

    record Row(String what, Event event, String signer, Expectation expected) {
    }

    private static ExecutionStatusChanged status(String workerId, String reportedBy) {
        return new ExecutionStatusChanged(ID, 2, ExecutionState.SUCCEEDED, workerId, 0, null, null, reportedBy,
                Instant.EPOCH);
    }

    private static final Event SUBMITTED = new ExecutionSubmitted(ID, "p", 1, null, "s", Map.of(), null, Instant.EPOCH);
    private static final Event CANCEL = new ExecutionCancelRequested(ID, "p", Instant.EPOCH);
    private static final Event CHUNK = new ExecutionLogChunk(ID, 2, LogStream.STDOUT, 0, "hi", 0L);
    private static final Event HEARTBEAT = new WorkerHeartbeat(W, "http://x", 1, 1, 1, List.of(), "v", "docker", false);

    private static final Row[] TABLE = {
            new Row("submission by the control plane", SUBMITTED, CP, new ControlPlane()),
            new Row("submission by a worker", SUBMITTED, SW, refused()),
            new Row("unsigned submission", SUBMITTED, null, refused()),
            new Row("cancel by the control plane", CANCEL, CP, new ControlPlane()),
            new Row("cancel by a worker", CANCEL, SW, refused()),
            new Row("cluster event by the control plane", new GridCapacityChanged("local", List.of()), CP, new ControlPlane()),
            new Row("cluster event by a worker", new CostSnapshot(Instant.EPOCH, 0, Map.of()), SW, refused()),
            new Row("orchestrator's report by the control plane", status(W, "orchestrator"), CP, new ControlPlane()),
            new Row("orchestrator's report signed by a worker", status(W, "orchestrator"), SW, refused()),
            new Row("worker's report by that worker", status(W, W), SW, new Attempt(ID, 2, W)),
            new Row("worker's report by another worker", status(W, W), SO, refused()),
            new Row("report naming one worker, reported by another", status(W, OTHER), SW, refused()),
            new Row("worker's report signed as the control plane", status(W, W), CP, refused()),
            new Row("unsigned worker report", status(W, W), "", refused()),
            new Row("log chunk by a worker", CHUNK, SW, new Attempt(ID, 2, W)),
            new Row("log chunk by another worker: its own attempt key", CHUNK, SO, new Attempt(ID, 2, OTHER)),
            new Row("log chunk by the control plane", CHUNK, CP, refused()),
            new Row("heartbeat by its worker", HEARTBEAT, SW, new WorkerToken(W)),
            new Row("heartbeat by another worker", HEARTBEAT, SO, refused()),
            new Row("heartbeat by the control plane", HEARTBEAT, CP, refused()),
            new Row("heartbeat signed by 'worker/' alone", HEARTBEAT, "worker/", refused()),
    };

    /** A marker: any {@link Refused}, whatever its reason. */
    private static Expectation refused() {
        return new Refused("*");
    }

    @Test
    void decidesWhoMustHaveSignedEachRecord() {
        for (Row row : TABLE) {
            Expectation actual = SignerRule.expect(row.event(), row.signer());
            if (row.expected() instanceof Refused) {
                assertThat(actual).as(row.what()).isInstanceOf(Refused.class);
                assertThat(((Refused) actual).reason()).as(row.what()).isNotBlank();
            } else {
                assertThat(actual).as(row.what()).isEqualTo(row.expected());
            }
        }
    }
}
