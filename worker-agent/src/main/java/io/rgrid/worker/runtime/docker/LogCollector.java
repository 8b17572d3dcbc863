package io.rgrid.worker.runtime.docker;

import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Frame;
import io.rgrid.model.event.LogStream;
import io.rgrid.worker.runtime.LineSplitter;
import io.rgrid.worker.runtime.OutputListener;

/** Demultiplexes the engine's log stream of one container into per-stream lines (DockerRuntime). */
final class LogCollector extends ResultCallback.Adapter<Frame> {

    private final LineSplitter stdout;
    private final LineSplitter stderr;

    LogCollector(OutputListener output) {
        this.stdout = new LineSplitter(LogStream.STDOUT, output);
        this.stderr = new LineSplitter(LogStream.STDERR, output);
    }

    @Override
    public void onNext(Frame frame) {
        byte[] payload = frame.getPayload();
        if (payload == null) {
            return;
        }
        synchronized (this) {
            switch (frame.getStreamType()) {
                case STDERR -> stderr.accept(payload, 0, payload.length);
                default -> stdout.accept(payload, 0, payload.length);
            }
        }
    }

    synchronized void finish() {
        stdout.finish();
        stderr.finish();
    }
}
