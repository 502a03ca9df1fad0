package io.semdex.core;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;

/**
 * What a generation was built with. The query service searches a generation with the model it
 * names: its own when model id and dimensions match, else the one {@link #modelSpec()} opens.
 *
 * @param similarity how vectors compare; always {@code cosine} (vectors are stored normalized)
 * @param analyzer name of the text analyzer, see {@link TextAnalysis}
 * @param source where the documents came from (a topic or an export path)
 * @param indexOptions how the vectors are stored
 * @param modelSpec the whole model spec the generation was built with (e.g.
 *     {@code qwen3-embedding-0.6b?dir=/models/q3&dimensions=256}), so that a query service or a
 *     catch-up job can open the same model; null in manifests written before it was recorded
 * @param calibration the map from raw cosine to calibrated relevance that searches of this generation
 *     use (the model's, or one fitted on this generation's own documents); null when the model is
 *     uncalibrated (the threshold is then on the raw cosine) and in manifests written before it was recorded
 * @param fusion the default hybrid's full lift fitted on this generation's own documents; null where
 *     none was fitted (a streaming generation, an older manifest): searches then use the service's constant
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
        IndexOptions indexOptions,
        String modelSpec,
        Calibration calibration,
        FusionCalibration fusion) {

    /** Without a recorded model spec: {@link #modelSpecOrId()} is then the model id. */
    public Manifest(String modelId, int dimensions, String similarity, String analyzer, int shardCount, Instant created, String source,
            IndexOptions indexOptions) {
        this(modelId, dimensions, similarity, analyzer, shardCount, created, source, indexOptions, null, null, null);
    }

    /** Without a calibration: searches of this generation threshold the raw cosine. */
    public Manifest(String modelId, int dimensions, String similarity, String analyzer, int shardCount, Instant created, String source,
            IndexOptions indexOptions, String modelSpec) {
        this(modelId, dimensions, similarity, analyzer, shardCount, created, source, indexOptions, modelSpec, null, null);
    }

    /** Without a fitted full lift: searches of this generation use the service's constant. */
    public Manifest(String modelId, int dimensions, String similarity, String analyzer, int shardCount, Instant created, String source,
            IndexOptions indexOptions, String modelSpec, Calibration calibration) {
        this(modelId, dimensions, similarity, analyzer, shardCount, created, source, indexOptions, modelSpec, calibration, null);
    }

    /** This manifest with another calibration (null for none). */
    public Manifest withCalibration(Calibration newCalibration) {
        return new Manifest(modelId, dimensions, similarity, analyzer, shardCount, created, source, indexOptions, modelSpec, newCalibration,
                fusion);
    }

    /** This manifest with another fitted full lift (null for none). */
    public Manifest withFusion(FusionCalibration newFusion) {
        return new Manifest(modelId, dimensions, similarity, analyzer, shardCount, created, source, indexOptions, modelSpec, calibration,
                newFusion);
    }

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
        modelSpec = modelSpec == null || modelSpec.isBlank() ? null : modelSpec;
    }

    /** The spec that opens this generation's model: the recorded one, else (older manifests) the bare model id. */
    public String modelSpecOrId() {
        return modelSpec != null ? modelSpec : modelId;
    }

    /** Whether an embedder of {@code embedderModelId} with {@code embedderDimensions} made this generation's vectors. */
    public boolean sameModel(String embedderModelId, int embedderDimensions) {
        return modelId.equals(embedderModelId) && dimensions == embedderDimensions;
    }

    /**
     * Throws {@link IllegalStateException} naming both sides when this generation was built with
     * another model or dimension count than the searcher's embedder.
     */
    public void requireCompatible(String embedderModelId, int embedderDimensions) {
        if (!sameModel(embedderModelId, embedderDimensions)) {
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

    /** Writes atomically and durably ({@link DurableFiles}): readers see the old file or the new one, never a part. */
    public void write(Path file) {
        try {
            DurableFiles.replace(file, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(this));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write manifest " + file, e);
        }
    }
}
