package io.semdex.embed;

/**
 * Describes a running embedder; the index manifest records {@code modelId} and {@code dimensions}
 * and the query service checks them against a generation before searching it.
 *
 * @param dimensions length of every vector this embedder returns
 * @param engine {@code OnnxRuntime}, {@code PyTorch} or {@code openai}
 * @param device e.g. {@code cpu()}, {@code gpu(0)}, or the server's URL for a remote model
 * @param minDimensions the smallest Matryoshka size the model supports; equal to
 *     {@code dimensions} when vectors cannot be shortened
 */
public record EmbedderInfo(
        String modelId, int dimensions, String engine, String device, int maxTokens, int minDimensions) {

    public EmbedderInfo {
        if (minDimensions < 1 || minDimensions > dimensions) {
            throw new IllegalArgumentException("minDimensions must be in 1.." + dimensions + ", got " + minDimensions);
        }
    }

    static EmbedderInfo of(ModelPreset preset, String engine, String device) {
        return new EmbedderInfo(preset.id(), preset.dimensions(), engine, device, preset.maxTokens(),
                Math.min(preset.minDimensions(), preset.dimensions()));
    }
}
