package io.semdex.embed;

import java.io.Serializable;

/**
 * Opens one embedder for one slot. Serializable, so it travels in a Flink job graph and each
 * subtask opens its own model instance in {@code open()}.
 *
 * <pre>{@code
 * EmbedderFactory factory = EmbedderSpec.parse("bge-small-zh-v1.5?device=auto");
 * try (Embedder embedder = factory.open(new Slot(subtaskIndex, gpuIndices))) { … }
 * }</pre>
 */
@FunctionalInterface
public interface EmbedderFactory extends Serializable {

    Embedder open(Slot slot);
}
