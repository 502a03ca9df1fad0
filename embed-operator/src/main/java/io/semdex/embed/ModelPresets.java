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
