package io.semdex.embed;

import io.semdex.core.Band;

/**
 * Describes a running embedder; the index manifest records {@code modelId} and {@code dimensions}
 * and the query service checks them against a generation before searching it.
 *
 * @param engine e.g. {@code OnnxRuntime}
 * @param device e.g. {@code cpu} or {@code gpu(0)}
 */
public record EmbedderInfo(String modelId, int dimensions, String engine, String device, int maxTokens, Band.Cutoffs bands) {}
