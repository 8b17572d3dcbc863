package io.rgrid.model.signing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The canonical form and the signatures, against values computed with {@code openssl dgst -sha256 -hmac}. */
class RecordSignaturesTest {

    private static final byte[] SECRET = "s3cret".getBytes(StandardCharsets.UTF_8);

    record Row(String signer, String key, String value, String canonical, String signature) {
    }

    private static final Row[] ROWS = {
            new Row("control-plane", "k1", "{\"a\":1}",
                    "rgrid-record-v1|13:control-plane|2:k1|{\"a\":1}", "s1A7Z0aMxj5FBzH8/M/TJukgox3KUjBtnFapLhUDk+Q="),
            // a null key and an empty value: the key's length is -1, so it differs from an empty key
            new Row("worker/rgrid-worker-abc123", null, "",
                    "rgrid-record-v1|26:worker/rgrid-worker-abc123|-1:|", "xAp0bJVyza2oq3wJdvYQtbY0ZAqUP/3ny6odD7nLqys="),
            // lengths are UTF-8 bytes ("é" is two)
            new Row("control-plane", "k\u00e9", "x",
                    "rgrid-record-v1|13:control-plane|3:k\u00e9|x", "z7M+YEkI0nSw+eOhCwV5wwkcNtdHnpzv+Tk1Qlv/u4g="),
    };

    @Test
    void canonicalFormAndSignatureOfEachRow() {
        for (Row row : ROWS) {
            byte[] value = row.value().getBytes(StandardCharsets.UTF_8);
            assertThat(new String(RecordSignatures.canonical(row.signer(), row.key(), value), StandardCharsets.UTF_8))
                    .as(row.toString()).isEqualTo(row.canonical());
            assertThat(RecordSignatures.sign(SECRET, row.signer(), row.key(), value)).as(row.toString())
                    .isEqualTo(row.signature());
            assertThat(RecordSignatures.verifies(SECRET, row.signer(), row.key(), value, row.signature())).isTrue();
        }
    }

    @Test
    void anyChangeBreaksTheSignature() {
        byte[] value = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
        String signature = "s1A7Z0aMxj5FBzH8/M/TJukgox3KUjBtnFapLhUDk+Q=";
        assertThat(RecordSignatures.verifies(SECRET, "control-plane", "k1", value, signature)).isTrue();
        assertThat(RecordSignatures.verifies(SECRET, "worker/x", "k1", value, signature)).as("signer").isFalse();
        assertThat(RecordSignatures.verifies(SECRET, "control-plane", "k2", value, signature)).as("key").isFalse();
        assertThat(RecordSignatures.verifies(SECRET, "control-plane", "k1", "{\"a\":2}".getBytes(StandardCharsets.UTF_8),
                signature)).as("value").isFalse();
        assertThat(RecordSignatures.verifies("other".getBytes(StandardCharsets.UTF_8), "control-plane", "k1", value,
                signature)).as("secret").isFalse();
        assertThat(RecordSignatures.verifies(SECRET, "control-plane", "k1", value, null)).as("no signature").isFalse();
        assertThat(RecordSignatures.verifies(new byte[0], "control-plane", "k1", value, signature)).as("no key").isFalse();
    }

    @Test
    void attemptKeyIsHmacOfExecutionAttemptAndWorker() {
        byte[] key = RecordSignatures.attemptKey("0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8),
                UUID.fromString("0190a1b2-0000-7000-8000-000000000001"), 2, "rgrid-worker-abc123");
        assertThat(RecordSignatures.encodeKey(key)).isEqualTo("trDLgsLnRwSSU2zJ6mfGc8jLiq1vxLmLfzK8O7nB6TA=");
        assertThat(RecordSignatures.decodeKey(RecordSignatures.encodeKey(key))).isEqualTo(key);
    }

    @ParameterizedTest
    @CsvSource(nullValues = "NULL", value = {
            "worker/rgrid-worker-abc123, rgrid-worker-abc123",
            "worker/, NULL",
            "control-plane, NULL",
            "NULL, NULL",
    })
    void workerOfASigner(String signer, String workerId) {
        assertThat(RecordSignatures.workerOf(signer)).isEqualTo(workerId);
    }
}
