package io.semdex.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restarted job resumes from the newest complete checkpoint, and earlier jobs' folders go only
 * once the new job has completed one of its own: if it failed before that, the next start still
 * finds the checkpoint it resumed from.
 */
class CheckpointsTest {

    @TempDir
    Path dir;

    @Test
    void earlierJobsCheckpointsStayUntilTheNewJobHasCompletedOneOfItsOwn() throws IOException {
        Path resumed = checkpoint("aaaa", "chk-7", Instant.parse("2026-11-20T10:00:00Z"));
        checkpoint("bbbb", "savepoint-bbbb-1", Instant.parse("2026-11-19T10:00:00Z"));
        assertThat(Checkpoints.latest(dir)).contains(resumed);

        // The new job "cccc" has started from chk-7 and is writing its first checkpoint: no _metadata yet.
        Files.createDirectories(dir.resolve("cccc/chk-8"));
        assertThat(Checkpoints.removeSupersededBy(dir, "cccc")).isFalse();
        assertThat(dir.resolve("aaaa")).isDirectory();
        assertThat(dir.resolve("bbbb")).isDirectory();
        assertThat(Checkpoints.latest(dir)).contains(resumed);

        Path own = checkpoint("cccc", "chk-8", Instant.parse("2026-11-20T10:00:05Z"));
        assertThat(Checkpoints.removeSupersededBy(dir, "cccc")).isTrue();
        assertThat(dir.resolve("aaaa")).doesNotExist();
        assertThat(dir.resolve("bbbb")).doesNotExist();
        assertThat(Checkpoints.latest(dir)).contains(own);
    }

    private Path checkpoint(String job, String name, Instant completed) throws IOException {
        Path checkpoint = Files.createDirectories(dir.resolve(job).resolve(name));
        Path metadata = Files.writeString(checkpoint.resolve("_metadata"), "state");
        Files.setLastModifiedTime(metadata, FileTime.from(completed));
        return checkpoint.toAbsolutePath();
    }
}
