package io.semdex.ingest;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
import io.semdex.embed.EmbedderSpec;
import io.semdex.embed.ModelFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts tokens with a model's own tokenizer ({@code tokenizer.json}), so a unit budget of 200
 * tokens means 200 of the tokens the embedder sees. Special tokens ([CLS], [SEP]) and the preset's
 * passage prefix are not counted: they are the same for every unit. Only the tokenizer is loaded,
 * never the model, and only in the task that counts: the files travel as names.
 */
public final class ModelTokenCounter implements TokenCounter {

    private static final Logger LOG = LoggerFactory.getLogger(ModelTokenCounter.class);

    /**
     * One tokenizer per tokenizer file and JVM, shared by every split subtask: the native tokenizer
     * is immutable once built and safe to call from several threads.
     */
    private static final Map<ModelFiles, HuggingFaceTokenizer> TOKENIZERS = new ConcurrentHashMap<>();

    private final String model;
    private final ModelFiles files;

    /**
     * @param model what the counts are for, in messages
     * @param files where the tokenizer is; only {@link ModelFiles#tokenizerPath()} is read
     */
    public ModelTokenCounter(String model, ModelFiles files) {
        this.model = Objects.requireNonNull(model, "model");
        this.files = Objects.requireNonNull(files, "files");
    }

    /**
     * The counter for a spec: its tokenizer where it has one, else (a remote spec without
     * {@code tokenizer=}) {@link TokenCounter#conservative()}, said once in the log.
     */
    static TokenCounter forSpec(EmbedderSpec spec) {
        return spec.tokenizerFiles()
                .<TokenCounter>map(files -> new ModelTokenCounter(spec.preset().id(), files))
                .orElseGet(() -> {
                    LOG.info("Model {} runs on a remote server and its spec names no tokenizer=: units are measured with a"
                            + " conservative estimate (max of characters and UTF-8 bytes / 2), so they come out shorter than"
                            + " the budget; add tokenizer=PATH/tokenizer.json for exact counts", spec.preset().id());
                    return TokenCounter.conservative();
                });
    }

    @Override
    public int count(String text) {
        if (text.isEmpty()) {
            return 0;
        }
        HuggingFaceTokenizer tokenizer = TOKENIZERS.computeIfAbsent(files, this::load);
        // Only the ids are needed: HuggingFaceTokenizer#encode also copies tokens, character spans
        // and masks across JNI, about a quarter of the time of a count on the real exports.
        long encoding = TokenizersLibrary.LIB.encode(tokenizer.getHandle(), text, false);
        try {
            return TokenizersLibrary.LIB.getTokenIds(encoding).length;
        } finally {
            TokenizersLibrary.LIB.deleteEncoding(encoding);
        }
    }

    /** Where the tokenizer is read from. */
    public ModelFiles files() {
        return files;
    }

    private HuggingFaceTokenizer load(ModelFiles tokenizerFiles) {
        try {
            // No truncation: a count must see the whole text, however long.
            return HuggingFaceTokenizer.builder()
                    .optTokenizerPath(tokenizerFiles.tokenizerPath())
                    .optAddSpecialTokens(false)
                    .optTruncation(false)
                    .optPadding(false)
                    .build();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load the tokenizer of " + model + " from " + tokenizerFiles.tokenizerPath(), e);
        }
    }
}
