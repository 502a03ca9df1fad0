package io.semdex.embed;

import io.semdex.core.Band;
import java.io.Serializable;
import java.util.Objects;

/**
 * Everything needed to run one embedding model the way it was trained.
 *
 * @param id the name users configure, recorded in the index manifest
 * @param files where the model and tokenizer files are
 * @param pooling how token states become one vector
 * @param queryPrefix put before every query (an instruction), may be empty
 * @param documentPrefix put before every document passage, may be empty
 * @param maxTokens inputs are truncated to this many tokens
 * @param dimensions output dimensions; vectors are truncated (Matryoshka) then normalized
 * @param bands cosine cut-offs between strong, related and weak hits for this model
 */
public record ModelPreset(
        String id,
        ModelFiles files,
        Pooling pooling,
        String queryPrefix,
        String documentPrefix,
        int maxTokens,
        int dimensions,
        Band.Cutoffs bands)
        implements Serializable {

    public ModelPreset {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(files, "files");
        Objects.requireNonNull(pooling, "pooling");
        queryPrefix = queryPrefix == null ? "" : queryPrefix;
        documentPrefix = documentPrefix == null ? "" : documentPrefix;
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be >= 1, got " + maxTokens);
        }
        if (dimensions < 1) {
            throw new IllegalArgumentException("dimensions must be >= 1, got " + dimensions);
        }
        Objects.requireNonNull(bands, "bands");
    }
}
