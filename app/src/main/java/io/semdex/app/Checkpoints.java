package io.semdex.app;

import io.semdex.core.DirectoryTree;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/** Finds the checkpoint a restarted job resumes from in a Flink checkpoint directory. */
final class Checkpoints {

    private Checkpoints() {}

    /**
     * The newest complete checkpoint or savepoint under {@code dir} ({@code <job id>/chk-N/_metadata},
     * {@code <job id>/savepoint-…/_metadata}), across earlier runs' job ids; one without
     * {@code _metadata} was cut off and is skipped.
     */
    static Optional<Path> latest(Path dir) {
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        try (Stream<Path> metadata = Files.find(dir, 3, (p, attrs) -> p.getFileName().toString().equals("_metadata")
                && isCheckpointOrSavepoint(p.getParent().getFileName().toString()))) {
            return metadata.map(Path::getParent)
                    .max(Comparator.comparing(Checkpoints::modified))
                    .map(Path::toAbsolutePath);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot look for checkpoints in " + dir, e);
        }
    }

    /** {@code chk-N} of a checkpoint, {@code savepoint-…} of the savepoint a clean stop takes. */
    private static boolean isCheckpointOrSavepoint(String name) {
        return name.startsWith("chk-") || name.startsWith("savepoint-");
    }

    private static java.nio.file.attribute.FileTime modified(Path checkpoint) {
        try {
            return Files.getLastModifiedTime(checkpoint.resolve("_metadata"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Deletes the folders of earlier jobs under {@code dir} once the job {@code jobId} has completed a
     * checkpoint of its own (the newest complete one lies in its folder): until then the checkpoint it
     * resumed from is the only way back if it fails before its first one, so nothing is deleted.
     *
     * @return whether the job has a checkpoint of its own (and the others are gone)
     */
    static boolean removeSupersededBy(Path dir, String jobId) {
        Path own = dir.resolve(jobId).toAbsolutePath();
        Optional<Path> newest = latest(dir);
        if (newest.isEmpty() || !newest.get().getParent().equals(own)) {
            return false;
        }
        try (Stream<Path> jobs = Files.list(dir)) {
            for (Path job : jobs.filter(Files::isDirectory).map(Path::toAbsolutePath).filter(p -> !p.equals(own)).toList()) {
                DirectoryTree.delete(job);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove old checkpoints in " + dir, e);
        }
        return true;
    }
}
