package io.semdex.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbedFailureTest {

    @TempDir
    Path root;

    @Test
    void aRecordedFailureIsReadBackUntilItIsCleared() {
        assertThat(EmbedFailure.read(root)).isEmpty();
        EmbedFailure failure = new EmbedFailure("environment", "the embedding server answered HTTP 401", Instant.parse("2026-12-06T10:00:00Z"));
        failure.write(root);
        assertThat(EmbedFailure.read(root)).contains(failure);
        new EmbedFailure("transient", "timeouts for 180 s", Instant.parse("2026-12-06T10:05:00Z")).write(root);
        assertThat(EmbedFailure.read(root)).get().extracting(EmbedFailure::blame).isEqualTo("transient");
        EmbedFailure.clear(root);
        assertThat(EmbedFailure.read(root)).isEmpty();
        EmbedFailure.clear(root); // nothing to clear: no error
    }

    @Test
    void aHalfWrittenFileReadsAsNoFailureRatherThanAnError() throws Exception {
        Files.writeString(root.resolve(EmbedFailure.FILE), "{\"blame\":\"envir");
        assertThat(EmbedFailure.read(root)).isEmpty();
    }
}
