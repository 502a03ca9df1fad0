package io.semdex.ingest;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
import io.semdex.embed.ModelPreset;
import io.semdex.embed.ModelPresets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts tokens with a model preset's own tokenizer ({@code tokenizer.json}), so a unit budget of
 * 200 tokens means 200 of the tokens the embedder sees. Special tokens ([CLS], [SEP]) and the
 * preset's passage prefix are not counted: they are the same for every unit. Only the tokenizer is
 * loaded, never the model.
 */
public final class ModelTokenCounter implements TokenCounter {

    /**
     * One tokenizer per preset and JVM, shared by every split subtask: the native tokenizer is
     * immutable once built and safe to call from several threads.
     */
    private static final Map<String, HuggingFaceTokenizer> TOKENIZERS = new ConcurrentHashMap<>();

    private final String presetId;

    public ModelTokenCounter(String presetId) {
        ModelPresets.get(presetId); // an unknown preset fails here, not in a task
        this.presetId = presetId;
    }

    @Override
    public int count(String text) {
        if (text.isEmpty()) {
            return 0;
        }
        HuggingFaceTokenizer tokenizer = TOKENIZERS.computeIfAbsent(presetId, ModelTokenCounter::load);
        // Only the ids are needed: HuggingFaceTokenizer#encode also copies tokens, character spans
        // and masks across JNI, about a quarter of the time of a count on the real exports.
        long encoding = TokenizersLibrary.LIB.encode(tokenizer.getHandle(), text, false);
        try {
            return TokenizersLibrary.LIB.getTokenIds(encoding).length;
        } finally {
            TokenizersLibrary.LIB.deleteEncoding(encoding);
        }
    }

    public String presetId() {
        return presetId;
    }

    private static HuggingFaceTokenizer load(String presetId) {
        ModelPreset preset = ModelPresets.get(presetId);
        try {
            // No truncation: a count must see the whole text, however long.
            return HuggingFaceTokenizer.builder()
                    .optTokenizerPath(preset.files().tokenizerPath())
                    .optAddSpecialTokens(false)
                    .optTruncation(false)
                    .optPadding(false)
                    .build();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load the tokenizer of " + presetId, e);
        }
    }
}
