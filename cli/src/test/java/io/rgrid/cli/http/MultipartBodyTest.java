package io.rgrid.cli.http;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.FileNotFoundException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MultipartBodyTest {

    @TempDir
    Path dir;

    @Test
    void partsParseBackWithNamesFileNamesTypesAndExactBytes() throws Exception {
        Path script = Files.writeString(dir.resolve("hello.py"), "print('hi')\n");
        byte[] binary = new byte[300_000];
        new Random(7).nextBytes(binary);
        Path data = Files.write(dir.resolve("data.bin"), binary);

        MultipartBody body = new MultipartBody()
                .addBytes("spec", "application/json", "{\"cpus\":1.5}".getBytes(StandardCharsets.UTF_8))
                .addFile("script", "hello.py", script)
                .addFile("inputs", "data.bin", data);
        long announced = body.length();
        byte[] encoded = Multipart.drain(body);

        // The length is known up front (no chunked encoding) and is the real length.
        assertThat(announced).isEqualTo(encoded.length);
        assertThat(body.contentType()).startsWith("multipart/form-data; boundary=rgrid-");

        List<Multipart.Part> parts = Multipart.parse(encoded, Multipart.boundaryOf(body.contentType()));
        assertThat(parts).extracting(Multipart.Part::name).containsExactly("spec", "script", "inputs");
        assertThat(parts.get(0).fileName()).isNull();
        assertThat(parts.get(0).contentType()).isEqualTo("application/json");
        assertThat(parts.get(0).text()).isEqualTo("{\"cpus\":1.5}");
        assertThat(parts.get(1).fileName()).isEqualTo("hello.py");
        assertThat(parts.get(1).contentType()).isEqualTo("application/octet-stream");
        assertThat(parts.get(1).text()).isEqualTo("print('hi')\n");
        assertThat(parts.get(2).fileName()).isEqualTo("data.bin");
        assertThat(parts.get(2).content()).isEqualTo(binary);
    }

    @Test
    void fileNamesWithQuotesAndNonAsciiAreEncodedLikeBrowsersDo() throws Exception {
        Path file = Files.writeString(dir.resolve("x"), "x");
        MultipartBody body = new MultipartBody("b").addFile("inputs", "données \"v2\".csv", file);
        List<Multipart.Part> parts = Multipart.parse(Multipart.drain(body), "b");
        assertThat(parts.get(0).fileName()).isEqualTo("données %22v2%22.csv");
    }

    @Test
    void aMissingFileFailsWhenAdded() {
        assertThatThrownBy(() -> new MultipartBody().addFile("script", "gone.py", dir.resolve("gone.py")))
                .isInstanceOf(FileNotFoundException.class);
    }
}
