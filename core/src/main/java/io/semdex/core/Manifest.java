package io.semdex.core;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;

/**
 * What a generation was built with. The query service refuses to search a generation whose
 * model or dimensions differ from its own embedder.
 *
 * @param similarity how vectors compare; always {@code cosine} (vectors are stored normalized)
 * @param analyzer name of the text analyzer, see {@link TextAnalysis}
 * @param source where the documents came from (a topic or an export path)
 * @param indexOptions how the vectors are stored
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Manifest(
        String modelId,
        int dimensions,
        String similarity,
        String analyzer,
        int shardCount,
        Instant created,
        String source,
        IndexOptions indexOptions) {

    public Manifest {
        if (modelId == null || modelId.isBlank()) {
            throw new IllegalArgumentException("manifest needs a model id");
        }
        if (dimensions < 1) {
            throw new IllegalArgumentException("dimensions must be >= 1, got " + dimensions);
        }
        if (shardCount < 1) {
            throw new IllegalArgumentException("shardCount must be >= 1, got " + shardCount);
        }
        indexOptions = indexOptions == null ? IndexOptions.DEFAULT : indexOptions;
    }

    /**
     * Throws {@link IllegalStateException} naming both sides when this generation was built with
     * another model or dimension count than the searcher's embedder.
     */
    public void requireCompatible(String embedderModelId, int embedderDimensions) {
        if (!modelId.equals(embedderModelId) || dimensions != embedderDimensions) {
            throw new IllegalStateException(String.format(
                    "index was built with model '%s' (%d dimensions) but the query service embeds with '%s' (%d dimensions):"
                            + " start the service with the index's model, or reindex with this one",
                    modelId, dimensions, embedderModelId, embedderDimensions));
        }
    }

    public static Manifest read(Path file) {
        try {
            return Json.MAPPER.readValue(file.toFile(), Manifest.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read manifest " + file, e);
        }
    }

    /** Writes atomically: readers see the old file or the new one, never a part. */
    public void write(Path file) {
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Json.MAPPER.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), this);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write manifest " + file, e);
        }
    }
}
