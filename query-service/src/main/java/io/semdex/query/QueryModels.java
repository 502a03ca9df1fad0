package io.semdex.query;

import io.semdex.embed.Embedder;
import io.semdex.embed.EmbedderSpec;

/**
 * Opens a query embedder for a model spec: how the query service gets the model of a generation
 * built with another one than its own (see {@link LiveIndex}). The caller closes what it returns.
 */
@FunctionalInterface
public interface QueryModels {

    /**
     * @param spec the model spec the generation's manifest records, or the service's own
     * @throws RuntimeException when the model cannot be opened (files missing, server unreachable)
     */
    Embedder open(EmbedderSpec spec);
}
