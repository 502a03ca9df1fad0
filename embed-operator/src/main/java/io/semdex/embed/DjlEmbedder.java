package io.semdex.embed;

import ai.djl.MalformedModelException;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link Embedder} that runs a model preset in-process with Deep Java Library on ONNX Runtime.
 * Texts are sorted by length before batching so each batch pads to similar lengths.
 */
public final class DjlEmbedder implements Embedder {

    private static final Logger LOG = LoggerFactory.getLogger(DjlEmbedder.class);
    private static final int DEFAULT_BATCH_SIZE = 32;

    private final ModelPreset preset;
    private final HuggingFaceTokenizer tokenizer;
    private final ZooModel<NDList, NDList> model;
    private final Predictor<String[], float[][]> predictor;
    private final EmbedderInfo info;
    private final int batchSize;

    private DjlEmbedder(ModelPreset preset, HuggingFaceTokenizer tokenizer, ZooModel<NDList, NDList> model, int batchSize) {
        this.preset = preset;
        this.tokenizer = tokenizer;
        this.model = model;
        this.batchSize = batchSize;
        Set<String> inputNames = new HashSet<>(model.describeInput().keys());
        this.predictor = model.newPredictor(new EmbeddingTranslator(tokenizer, preset.pooling(), preset.dimensions(), inputNames));
        this.info = new EmbedderInfo(preset.id(), preset.dimensions(), model.getNDManager().getEngine().getEngineName(),
                "cpu", preset.maxTokens(), preset.bands());
    }

    /** Loads the preset's model on CPU. Takes a second or two; one instance serves many threads. */
    public static DjlEmbedder open(ModelPreset preset) {
        return open(preset, DEFAULT_BATCH_SIZE);
    }

    public static DjlEmbedder open(ModelPreset preset, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        long start = System.nanoTime();
        HuggingFaceTokenizer tokenizer;
        try {
            tokenizer = HuggingFaceTokenizer.builder()
                    .optTokenizerPath(preset.files().tokenizerPath())
                    .optTruncation(true)
                    .optMaxLength(preset.maxTokens())
                    .optPadding(true)
                    .build();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load tokenizer of " + preset.id(), e);
        }
        try {
            ZooModel<NDList, NDList> model = Criteria.builder()
                    .setTypes(NDList.class, NDList.class)
                    .optModelPath(preset.files().modelPath())
                    .optEngine("OnnxRuntime")
                    .optTranslator(new NoopTranslator())
                    .build()
                    .loadModel();
            DjlEmbedder embedder = new DjlEmbedder(preset, tokenizer, model, batchSize);
            LOG.info("Embedding model {} loaded: engine {}, device {}, {} dimensions, max {} tokens, in {} ms",
                    preset.id(), embedder.info.engine(), embedder.info.device(), preset.dimensions(), preset.maxTokens(),
                    (System.nanoTime() - start) / 1_000_000);
            return embedder;
        } catch (IOException e) {
            tokenizer.close();
            throw new UncheckedIOException("cannot load model of " + preset.id(), e);
        } catch (ModelNotFoundException | MalformedModelException e) {
            tokenizer.close();
            throw new IllegalStateException("cannot load model of " + preset.id() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public List<float[]> embedDocuments(List<String> texts) {
        return embed(texts, preset.documentPrefix());
    }

    @Override
    public List<float[]> embedQueries(List<String> queries) {
        return embed(queries, preset.queryPrefix());
    }

    @Override
    public EmbedderInfo info() {
        return info;
    }

    @Override
    public int countTokens(String text) {
        return tokenizer.encode(text, true, false).getIds().length;
    }

    private List<float[]> embed(List<String> texts, String prefix) {
        if (texts.isEmpty()) {
            return List.of();
        }
        String[] inputs = new String[texts.size()];
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = prefix + texts.get(i);
        }
        // Sorting by length keeps padding, and so wasted compute, small within each batch.
        Integer[] order = new Integer[inputs.length];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, Comparator.comparingInt(i -> inputs[i].length()));
        float[][] vectors = new float[inputs.length][];
        for (int from = 0; from < order.length; from += batchSize) {
            int to = Math.min(order.length, from + batchSize);
            String[] batch = new String[to - from];
            for (int i = from; i < to; i++) {
                batch[i - from] = inputs[order[i]];
            }
            float[][] out = predict(batch);
            for (int i = from; i < to; i++) {
                vectors[order[i]] = out[i - from];
            }
        }
        return new ArrayList<>(Arrays.asList(vectors));
    }

    private synchronized float[][] predict(String[] batch) {
        try {
            return predictor.predict(batch);
        } catch (TranslateException e) {
            throw new IllegalStateException("embedding a batch of " + batch.length + " texts with " + preset.id() + " failed", e);
        }
    }

    @Override
    public synchronized void close() {
        predictor.close();
        model.close();
        tokenizer.close();
    }
}
