package io.semdex.embed;

import io.semdex.core.ContentHash;
import java.io.Serializable;
import java.util.Objects;

/**
 * Everything needed to run one embedding model the way it was trained.
 *
 * <pre>{@code
 * ModelPreset qwen = EmbedderSpec.parse("qwen3-embedding-0.6b").preset()
 *         .withFiles(ModelFiles.directory(Path.of("/models/Qwen3-Embedding-0.6B"), null))
 *         .withDimensions(256);
 * qwen.queryText("what is flink");  // "Instruct: Given a web search query, …\nQuery:what is flink"
 * }</pre>
 *
 * @param id the name users configure, recorded in the index manifest
 * @param files where the model and tokenizer files are
 * @param pooling how token states become one vector
 * @param paddingSide where a batch pads shorter rows
 * @param queryTemplate how a query is written for the model: {@code {q}} is the query,
 *     {@code {task}} the {@code queryTask}; {@code "{q}"} when queries need nothing
 * @param queryTask the retrieval task named in the query instruction, may be empty
 * @param documentPrefix put before every document passage, may be empty
 * @param appendToken a special token appended to every input after truncation (Qwen3-Embedding pools
 *     at {@code <|endoftext|>}), empty for none
 * @param maxTokens inputs are truncated to this many tokens, special tokens included
 * @param nativeDimensions the width of the model's hidden states
 * @param dimensions output dimensions; vectors are truncated to them (Matryoshka) then L2-normalized
 * @param minDimensions the smallest {@code dimensions} the model was trained for; equal to
 *     {@code nativeDimensions} for a model without Matryoshka training
 */
public record ModelPreset(
        String id,
        ModelFiles files,
        Pooling pooling,
        PaddingSide paddingSide,
        String queryTemplate,
        String queryTask,
        String documentPrefix,
        String appendToken,
        int maxTokens,
        int nativeDimensions,
        int dimensions,
        int minDimensions)
        implements Serializable {

    public ModelPreset {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(files, "files");
        Objects.requireNonNull(pooling, "pooling");
        Objects.requireNonNull(paddingSide, "paddingSide");
        queryTemplate = queryTemplate == null || queryTemplate.isEmpty() ? "{q}" : queryTemplate;
        if (!queryTemplate.contains("{q}")) {
            throw new IllegalArgumentException("query template of " + id + " must contain {q}, got '" + queryTemplate + "'");
        }
        queryTask = queryTask == null ? "" : queryTask;
        documentPrefix = documentPrefix == null ? "" : documentPrefix;
        appendToken = appendToken == null ? "" : appendToken;
        int minTokens = appendToken.isEmpty() ? 1 : 2;
        if (maxTokens < minTokens) {
            throw new IllegalArgumentException("maxTokens of " + id + " must be >= " + minTokens + ", got " + maxTokens);
        }
        if (nativeDimensions < 1) {
            throw new IllegalArgumentException("nativeDimensions of " + id + " must be >= 1, got " + nativeDimensions);
        }
        if (minDimensions < 1 || minDimensions > nativeDimensions) {
            throw new IllegalArgumentException("minDimensions of " + id + " must be in 1.." + nativeDimensions + ", got " + minDimensions);
        }
        if (dimensions < minDimensions || dimensions > nativeDimensions) {
            throw new IllegalArgumentException(dimensionsMessage(id, minDimensions, nativeDimensions, dimensions));
        }
    }

    private static String dimensionsMessage(String id, int min, int max, int got) {
        return min == max
                ? "dimensions of " + id + " must be " + max + " (it has no Matryoshka sizes), got " + got
                : "dimensions of " + id + " must be in " + min + ".." + max + ", got " + got;
    }

    /** The text the model sees for a query: the instruction template filled in. */
    public String queryText(String query) {
        // {task} first, so a query that itself contains "{task}" is left alone.
        return queryTemplate.replace("{task}", queryTask).replace("{q}", query);
    }

    /** The text the model sees for a document passage. */
    public String documentText(String text) {
        return documentPrefix + text;
    }

    /** Whether the model was trained to be truncated to fewer dimensions. */
    public boolean matryoshka() {
        return minDimensions < nativeDimensions;
    }

    /**
     * Identifies what a stored vector depends on besides the text: a vector can be reused only
     * while the model, its output dimensions, document prefix, special token and truncation stay
     * the same.
     */
    public String fingerprint() {
        return ContentHash.of(id, Integer.toString(dimensions), documentPrefix, appendToken, Integer.toString(maxTokens));
    }

    public ModelPreset withDimensions(int newDimensions) {
        if (newDimensions < minDimensions || newDimensions > nativeDimensions) {
            throw new IllegalArgumentException(dimensionsMessage(id, minDimensions, nativeDimensions, newDimensions));
        }
        return new ModelPreset(id, files, pooling, paddingSide, queryTemplate, queryTask, documentPrefix, appendToken, maxTokens,
                nativeDimensions, newDimensions, minDimensions);
    }

    public ModelPreset withFiles(ModelFiles newFiles) {
        return new ModelPreset(id, newFiles, pooling, paddingSide, queryTemplate, queryTask, documentPrefix, appendToken, maxTokens,
                nativeDimensions, dimensions, minDimensions);
    }

    public ModelPreset withQueryTask(String task) {
        return new ModelPreset(id, files, pooling, paddingSide, queryTemplate, task, documentPrefix, appendToken, maxTokens,
                nativeDimensions, dimensions, minDimensions);
    }

    public ModelPreset withMaxTokens(int tokens) {
        return new ModelPreset(id, files, pooling, paddingSide, queryTemplate, queryTask, documentPrefix, appendToken, tokens,
                nativeDimensions, dimensions, minDimensions);
    }

    public ModelPreset withPaddingSide(PaddingSide side) {
        return new ModelPreset(id, files, pooling, side, queryTemplate, queryTask, documentPrefix, appendToken, maxTokens,
                nativeDimensions, dimensions, minDimensions);
    }
}
