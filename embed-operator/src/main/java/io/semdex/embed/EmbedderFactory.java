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
 *
 * <p>Besides opening, a factory may say what its vectors depend on ({@link #fingerprint()}) and
 * share one model instance with the other users of a JVM ({@link #openShared(Slot)}), so that the
 * embed stage asks the factory instead of knowing which kind it is. A plain factory (a test's
 * stand-in model) does neither.
 */
@FunctionalInterface
public interface EmbedderFactory extends Serializable {

    Embedder open(Slot slot);

    /**
     * Whether {@link #fingerprint()} can say what this factory's vectors depend on. False by default:
     * whoever builds the embed stage around such a factory gives the fingerprint itself.
     */
    default boolean fingerprintsItself() {
        return false;
    }

    /**
     * Identifies what a vector of this factory's model depends on besides its text (the model file,
     * server, dimension count, prefixes), so that stored vectors of another model are never reused.
     * May read the model file: call it where the model is, in the task.
     *
     * @throws UnsupportedOperationException when this factory does not {@link #fingerprintsItself() fingerprint itself}
     */
    default String fingerprint() {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not fingerprint its model: give the embed stage"
                + " its fingerprint");
    }

    /**
     * As {@link #open(Slot)}, but where the factory can, the instance is shared with this JVM's other
     * users of the same model ({@link SharedEmbedders}): closing the result then releases only this
     * hold. By default it opens an instance of its own.
     */
    default Embedder openShared(Slot slot) {
        return open(slot);
    }
}
