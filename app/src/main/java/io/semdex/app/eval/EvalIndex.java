package io.semdex.app.eval;

import io.semdex.core.Calibration;
import io.semdex.core.DirectoryTree;
import io.semdex.core.EmbeddedDocument;
import io.semdex.core.EmbeddedUnit;
import io.semdex.core.Generation;
import io.semdex.core.IndexLayout;
import io.semdex.core.Manifest;
import io.semdex.core.SourceDocument;
import io.semdex.core.Unit;
import io.semdex.embed.Embedder;
import io.semdex.embed.EmbedderSpec;
import io.semdex.ingest.Splitter;
import io.semdex.sink.ShardWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds an index of a {@link BeirDataset} in this process with the ingest job's own parts: the
 * job's {@link Splitter}, the model's {@link Embedder} on each unit's embedding input, and the
 * sink's {@link ShardWriter} (one shard), under a manifest that records model and analyzer.
 * Only Kafka and Flink are left out; what lands on disk is what the job would write.
 */
public final class EvalIndex {

    private static final Logger LOG = LoggerFactory.getLogger(EvalIndex.class);
    /** Texts handed to the embedder per call; it sorts them by length and batches them itself. */
    private static final int EMBED_CHUNK = 256;

    private EvalIndex() {}

    /**
     * Units of every document, split exactly as the ingest job splits them for this model: tokens
     * counted with the model's tokenizer, the job's default unit budget lowered to the model's input
     * where that is shorter ({@link Splitter#forModel}).
     */
    public static List<List<Unit>> split(List<SourceDocument> corpus, EmbedderSpec spec) {
        Splitter splitter = Splitter.forModel(spec, Splitter.DEFAULT_MAX_TOKENS);
        List<List<Unit>> units = new ArrayList<>(corpus.size());
        for (SourceDocument doc : corpus) {
            units.add(splitter.split(doc));
        }
        return units;
    }

    /** Vector of every unit, from {@code cache} where it holds one, else embedded (and cached). */
    public static void embed(List<List<Unit>> units, Embedder embedder, VectorCache cache) throws IOException {
        List<Unit> missing = new ArrayList<>();
        for (List<Unit> doc : units) {
            for (Unit u : doc) {
                if (cache.get(documentKey(u)) == null) {
                    missing.add(u);
                }
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        LOG.info("Embedding {} units with {} (the cache holds {} vectors)", missing.size(), embedder.info().modelId(), cache.size());
        long start = System.nanoTime();
        for (int from = 0; from < missing.size(); from += EMBED_CHUNK) {
            List<Unit> chunk = missing.subList(from, Math.min(missing.size(), from + EMBED_CHUNK));
            List<float[]> vectors = embedder.embedDocuments(chunk.stream().map(Unit::embeddingInput).toList());
            for (int i = 0; i < chunk.size(); i++) {
                cache.put(documentKey(chunk.get(i)), vectors.get(i));
            }
            int done = from + chunk.size();
            double seconds = (System.nanoTime() - start) / 1e9;
            LOG.info("  {} / {} units, {} units/s", done, missing.size(), String.format("%.1f", done / seconds));
        }
    }

    /**
     * Writes a fresh index under {@code root} (anything there is removed first) and switches it live.
     *
     * @param calibration the model's map to calibrated relevance, as the job records it; null when uncalibrated
     * @param fusion the full lift fitted on the generation's own documents; null for the service's constant
     */
    public static IndexLayout write(Path root, List<SourceDocument> corpus, List<List<Unit>> units, VectorCache cache, String modelId,
            int dimensions, String analyzer, String source, Calibration calibration, io.semdex.core.FusionCalibration fusion) throws IOException {
        DirectoryTree.delete(root);
        IndexLayout layout = new IndexLayout(root);
        Generation generation = layout.create(1, new Manifest(modelId, dimensions, "cosine", analyzer, 1, Instant.now(), source, null, null, calibration,
                fusion));
        long start = System.nanoTime();
        try (ShardWriter shard = ShardWriter.open(generation.shardDir(0), analyzer, java.util.OptionalLong.empty())) {
            for (int d = 0; d < corpus.size(); d++) {
                List<EmbeddedUnit> embedded = new ArrayList<>(units.get(d).size());
                for (Unit u : units.get(d)) {
                    embedded.add(new EmbeddedUnit(u, cache.get(documentKey(u))));
                }
                shard.apply(new EmbeddedDocument(corpus.get(d).id(), corpus.get(d).updatedMillis(), false, embedded));
            }
            shard.commitAndPublish();
        }
        layout.switchTo(generation);
        LOG.info("Indexed {} documents in {} ms (analyzer {})", corpus.size(), (System.nanoTime() - start) / 1_000_000, analyzer);
        return layout;
    }

    /**
     * The vector cache of a model spec in {@code workDir}, named by the spec and the texts per model
     * call, since a dynamically quantized model's vectors depend on its batch.
     */
    public static VectorCache vectorCache(Path workDir, EmbedderSpec spec, Embedder model) throws IOException {
        String batch = model.inProcess() ? Integer.toString(model.batching().maxBatchSize()) : "remote";
        return VectorCache.open(workDir.resolve("vectors").resolve(spec.text().replaceAll("[^A-Za-z0-9._=-]", "_") + "-b" + batch + ".bin"));
    }

    static String documentKey(Unit unit) {
        return "d:" + unit.hash();
    }
}
