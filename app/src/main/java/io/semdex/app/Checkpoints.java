package io.semdex.app;

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
     * The newest complete checkpoint under {@code dir} ({@code <job id>/chk-N/_metadata}), across
     * earlier runs' job ids; a checkpoint without {@code _metadata} was cut off and is skipped.
     */
    static Optional<Path> latest(Path dir) {
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        try (Stream<Path> metadata = Files.find(dir, 3, (p, attrs) -> p.getFileName().toString().equals("_metadata")
                && p.getParent().getFileName().toString().startsWith("chk-"))) {
            return metadata.map(Path::getParent)
                    .max(Comparator.comparing(Checkpoints::modified))
                    .map(Path::toAbsolutePath);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot look for checkpoints in " + dir, e);
        }
    }

    private static java.nio.file.attribute.FileTime modified(Path checkpoint) {
        try {
            return Files.getLastModifiedTime(checkpoint.resolve("_metadata"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
