package io.rgrid.api.execution.service;

import io.rgrid.api.error.ApiException;
import io.rgrid.model.api.ErrorCode;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The Idempotency-Key header's rules, and the fingerprint that tells "the same request" from "another one". */
public final class IdempotencyKeys {

    public static final String HEADER = "Idempotency-Key";
    public static final int MAX_LENGTH = 255;

    private IdempotencyKeys() {
    }

    /** 1-255 visible ASCII characters (what the IETF draft and common clients send: UUIDs, tokens). */
    public static void check(String key) {
        if (key.isEmpty() || key.length() > MAX_LENGTH || !key.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new ApiException(ErrorCode.MALFORMED_REQUEST, HEADER + " must be 1-" + MAX_LENGTH
                    + " visible ASCII characters without spaces");
        }
    }

    /**
     * SHA-256 over the spec text and every file's part, name and content, so a retried request
     * with identical content matches whatever multipart boundary the client picked this time.
     */
    public static String requestHash(Submission submission) {
        MessageDigest digest = sha256();
        field(digest, "spec", submission.specJson() == null ? "" : submission.specJson());
        file(digest, "script", submission.script());
        for (UploadedFile input : submission.inputs()) {
            file(digest, "inputs", input);
        }
        if (submission.requirements() != null) {
            file(digest, "requirements", submission.requirements());
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static void file(MessageDigest digest, String part, UploadedFile file) {
        field(digest, part, String.valueOf(file.fileName()));
        MessageDigest content = sha256();
        try (InputStream in = new DigestInputStream(file.open(), content)) {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            throw new ApiException(ErrorCode.MALFORMED_REQUEST, "the " + part + " part could not be read");
        }
        digest.update(content.digest());
    }

    private static void field(MessageDigest digest, String name, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        digest.update(name.getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
        digest.update(Long.toString(bytes.length).getBytes(StandardCharsets.US_ASCII));
        digest.update((byte) 0);
        digest.update(bytes);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
