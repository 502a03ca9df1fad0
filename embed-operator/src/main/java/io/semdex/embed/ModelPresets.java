package io.semdex.embed;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The built-in model presets by name. The small models ship inside Maven artifacts; the
 * Qwen3-Embedding presets read a local directory (by default
 * {@code ~/.cache/semdex/models/<preset>}, or {@code -Dsemdex.model.dir=DIR} for {@code DIR/<preset>},
 * or {@code ?dir=} in an {@link EmbedderSpec}).
 *
 * <pre>{@code
 * ModelPreset preset = EmbedderSpec.parse("qwen3-embedding-0.6b?dir=/models/q3&dimensions=256").preset();
 * }</pre>
 *
 * <p>A preset is had through an {@link EmbedderSpec}, which applies the spec's settings to it.
 */
public final class ModelPresets {

    /** The default: Chinese + English, 512 dimensions, ships in a Maven artifact. */
    public static final String DEFAULT = "bge-small-zh-v1.5";

    /** Qwen3-Embedding's retrieval instruction; {@code ?task=} replaces the task. */
    public static final String QWEN3_QUERY_TEMPLATE = "Instruct: {task}\nQuery:{q}";
    public static final String QWEN3_DEFAULT_TASK = "Given a web search query, retrieve relevant passages that answer the query";
    /** Appended to every Qwen3-Embedding input (id 151643); its hidden state is the embedding. */
    public static final String QWEN3_END_TOKEN = "<|endoftext|>";

    private static final Map<String, ModelPreset> PRESETS = new LinkedHashMap<>();

    static {
        register(new ModelPreset(
                "bge-small-zh-v1.5",
                ModelFiles.classpath("bge-small-zh-v1.5.onnx", "bge-small-zh-v1.5-tokenizer.json"),
                Pooling.CLS, PaddingSide.RIGHT,
                "为这个句子生成表示以用于检索相关文章：{q}", "", "", "",
                512, 512, 512, 512));
        // Dynamically quantized: the same text can come out at cosine 0.98-0.99 of itself in
        // another batch. Chosen explicitly, for English corpora where speed matters.
        register(new ModelPreset(
                "bge-small-en-v1.5-q",
                ModelFiles.classpath("bge-small-en-v1.5-q.onnx", "bge-small-en-v1.5-q-tokenizer.json"),
                Pooling.CLS, PaddingSide.RIGHT,
                "Represent this sentence for searching relevant passages: {q}", "", "", "",
                512, 384, 384, 384));
        // Its tokenizer.json truncates and pads every input to 128 tokens: semdex turns padding off
        // (batches pad to their longest row) and truncates at maxTokens = 128, as LangChain4j does.
        register(new ModelPreset(
                "all-minilm-l6-v2",
                ModelFiles.classpath("all-minilm-l6-v2.onnx", "all-minilm-l6-v2-tokenizer.json"),
                Pooling.MEAN, PaddingSide.RIGHT,
                "{q}", "", "", "",
                128, 384, 384, 384));
        register(new ModelPreset(
                "e5-small-v2",
                ModelFiles.classpath("e5-small-v2.onnx", "e5-small-v2-tokenizer.json"),
                Pooling.MEAN, PaddingSide.RIGHT,
                "query: {q}", "", "passage: ", "",
                512, 384, 384, 384));
        // Qwen3-Embedding: last-token pooling at an appended <|endoftext|>, left padding as trained,
        // Matryoshka sizes from 32 up. Uncalibrated: see ModelCalibrations.
        registerQwen3("qwen3-embedding-0.6b", 1024);
        registerQwen3("qwen3-embedding-4b", 2560);
        registerQwen3("qwen3-embedding-8b", 4096);
    }

    private ModelPresets() {}

    private static void registerQwen3(String id, int nativeDimensions) {
        register(new ModelPreset(
                id,
                ModelFiles.directory(defaultDirectory(id), null),
                Pooling.LAST_TOKEN, PaddingSide.LEFT,
                QWEN3_QUERY_TEMPLATE, QWEN3_DEFAULT_TASK, "", QWEN3_END_TOKEN,
                8192, nativeDimensions, nativeDimensions, 32));
    }

    private static Path defaultDirectory(String id) {
        String root = System.getProperty("semdex.model.dir", System.getProperty("user.home") + "/.cache/semdex/models");
        return Path.of(root, id);
    }

    private static void register(ModelPreset preset) {
        PRESETS.put(preset.id(), preset);
    }

    /** Names of all built-in presets. */
    public static Set<String> names() {
        return Collections.unmodifiableSet(PRESETS.keySet());
    }

    /** The built-in preset of exactly this name, with no settings applied. */
    static ModelPreset builtIn(String name) {
        ModelPreset preset = PRESETS.get(name);
        if (preset == null) {
            throw new IllegalArgumentException("unknown model preset '" + name + "'; known: " + String.join(", ", PRESETS.keySet()));
        }
        return preset;
    }
}
