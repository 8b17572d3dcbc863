package io.rgrid.cli.http;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/** Counts the bytes of a request body as they go out, for the upload progress line. */
final class CountingOutput extends FilterOutputStream {

    private final ApiClient.Progress progress;
    private final long total;
    private long sent;

    CountingOutput(OutputStream out, ApiClient.Progress progress, long total) {
        super(out);
        this.progress = progress;
        this.total = total;
    }

    @Override
    public void write(int b) throws IOException {
        out.write(b);
        counted(1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        counted(len);
    }

    private void counted(int n) {
        sent += n;
        progress.sent(sent, total);
    }
}
