package io.semdex.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Removal of a directory with everything below it: old generations, stale checkpoints, scratch indexes. */
public final class DirectoryTree {

    private DirectoryTree() {}

    /**
     * Deletes {@code root} and everything below it, files before their directories. A root that
     * does not exist is left as it is.
     *
     * @throws IOException naming the first path that could not be removed
     */
    public static void delete(Path root) throws IOException {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
