package io.semdex.core;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One generation of the index: {@code gen-N/} with its manifest and one Lucene directory per
 * shard. A batch reindex builds a new generation beside the live one and switches to it.
 */
public record Generation(int number, Path dir) {

    static final String PREFIX = "gen-";

    public Generation {
        if (number < 1) {
            throw new IllegalArgumentException("generation number must be >= 1, got " + number);
        }
        Objects.requireNonNull(dir, "dir");
    }

    public String name() {
        return PREFIX + number;
    }

    public Path manifestFile() {
        return dir.resolve("manifest.json");
    }

    public Path shardDir(int shard) {
        if (shard < 0) {
            throw new IllegalArgumentException("shard must be >= 0, got " + shard);
        }
        return dir.resolve("shard-" + shard);
    }
}
