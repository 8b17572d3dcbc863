package io.rgrid.api.execution.service;

import java.io.IOException;
import java.io.InputStream;

/** A file part of a submission, already spooled by the HTTP layer. */
public interface UploadedFile {

    /** The name the client gave (the multipart filename), unchecked. */
    String fileName();

    long size() throws IOException;

    /** The content type the client declared, or null. */
    String contentType();

    InputStream open() throws IOException;
}
