package io.semdex.embed;

import io.semdex.core.ContentHash;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A deterministic stand-in model for tests of buffering and reuse logic, where vector quality does
 * not matter: a text's vector comes from its hash. Every call is recorded in {@link #CALLS}.
 */
class HashEmbedder implements Embedder { // open: fault and timing doubles override embedDocuments

    /** Texts of each {@code embedDocuments} call, across instances (operators are opened by Flink). */
    static final ConcurrentLinkedQueue<List<String>> CALLS = new ConcurrentLinkedQueue<>();

    static final ModelPreset PRESET = new ModelPreset("hash-4", ModelFiles.classpath("none.onnx", "none.json"), Pooling.CLS,
            PaddingSide.RIGHT, "{q}", "", "", "", 512, 4, 4, 4);

    static EmbedderFactory factory() {
        return slot -> new HashEmbedder();
    }

    static float[] vectorOf(String text) {
        String hash = ContentHash.of(text);
        float[] v = new float[4];
        for (int i = 0; i < 4; i++) {
            v[i] = Integer.parseInt(hash.substring(i * 2, i * 2 + 2), 16) - 127.5f;
        }
        return Vectors.truncateAndNormalize(v, 4);
    }

    @Override
    public List<float[]> embedDocuments(List<String> texts) {
        CALLS.add(List.copyOf(texts));
        return embedTexts(texts);
    }

    @Override
    public List<float[]> embedQueries(List<String> queries) {
        return embedTexts(queries);
    }

    @Override
    public List<float[]> embedTexts(List<String> texts) {
        List<float[]> out = new ArrayList<>();
        texts.forEach(t -> out.add(vectorOf(t)));
        return out;
    }

    @Override
    public EmbedderInfo info() {
        return EmbedderInfo.of(PRESET, "hash", "cpu()");
    }

    @Override
    public ModelPreset preset() {
        return PRESET;
    }

    @Override
    public int countTokens(String text) {
        return text.length();
    }

    @Override
    public void close() {}
}
