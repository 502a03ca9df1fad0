package io.semdex.embed;

import io.semdex.core.Band;
import java.util.LinkedHashMap;
import java.util.Map;

/** The built-in model presets by name. */
public final class ModelPresets {

    /** The default: Chinese + English, 512 dimensions, ships in a Maven artifact. */
    public static final String DEFAULT = "bge-small-zh-v1.5";

    private static final Map<String, ModelPreset> PRESETS = new LinkedHashMap<>();

    static {
        register(new ModelPreset(
                "bge-small-zh-v1.5",
                ModelFiles.classpath("bge-small-zh-v1.5.onnx", "bge-small-zh-v1.5-tokenizer.json"),
                Pooling.CLS,
                "为这个句子生成表示以用于检索相关文章：",
                "",
                512,
                512,
                new Band.Cutoffs(0.6, 0.4)));
        // Dynamically quantized: the same text can come out at cosine 0.98-0.99 of itself in
        // another batch. Chosen explicitly, for English corpora where speed matters.
        register(new ModelPreset(
                "bge-small-en-v1.5-q",
                ModelFiles.classpath("bge-small-en-v1.5-q.onnx", "bge-small-en-v1.5-q-tokenizer.json"),
                Pooling.CLS,
                "Represent this sentence for searching relevant passages: ",
                "",
                512,
                384,
                new Band.Cutoffs(0.7, 0.55)));
        register(new ModelPreset(
                "all-minilm-l6-v2",
                ModelFiles.classpath("all-minilm-l6-v2.onnx", "all-minilm-l6-v2-tokenizer.json"),
                Pooling.MEAN,
                "",
                "",
                128,
                384,
                new Band.Cutoffs(0.6, 0.4)));
        register(new ModelPreset(
                "e5-small-v2",
                ModelFiles.classpath("e5-small-v2.onnx", "e5-small-v2-tokenizer.json"),
                Pooling.MEAN,
                "query: ",
                "passage: ",
                512,
                384,
                new Band.Cutoffs(0.85, 0.8)));
    }

    /** Names of all built-in presets. */
    public static java.util.Set<String> names() {
        return java.util.Collections.unmodifiableSet(PRESETS.keySet());
    }

    private ModelPresets() {}

    private static void register(ModelPreset preset) {
        PRESETS.put(preset.id(), preset);
    }

    public static ModelPreset get(String id) {
        ModelPreset preset = PRESETS.get(id);
        if (preset == null) {
            throw new IllegalArgumentException("unknown model preset '" + id + "'; known: " + String.join(", ", PRESETS.keySet()));
        }
        return preset;
    }
}
