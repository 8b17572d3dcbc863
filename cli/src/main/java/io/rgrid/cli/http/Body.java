package io.rgrid.cli.http;

import java.io.IOException;
import java.io.OutputStream;

/** A request body of a length known up front (sent with Content-Length, never chunked). */
interface Body {

    /** No body: a POST that only names its target (cancel, retry). */
    Body EMPTY = new Body() {
        @Override
        public long length() {
            return 0;
        }

        @Override
        public void writeTo(OutputStream out) {
            // nothing to send
        }
    };

    long length();

    /** Writes exactly {@link #length()} bytes. */
    void writeTo(OutputStream out) throws IOException;
}
