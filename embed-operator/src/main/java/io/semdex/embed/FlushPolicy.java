package io.semdex.embed;

import java.io.Serializable;
import java.time.Duration;

/**
 * When the embedding operator runs its buffered units through the model: once {@code maxUnits}
 * units wait, once the oldest has waited {@code maxDelay}, and always before a checkpoint barrier,
 * a watermark, and at the end of input.
 *
 * @param maxUnits units to embed that trigger a flush; a larger buffer gives the batcher more
 *     inputs of similar length to pack
 * @param maxDelay longest time a document waits in the buffer
 */
public record FlushPolicy(int maxUnits, Duration maxDelay) implements Serializable {

    /** About one second of work on two CPU cores. */
    public static final FlushPolicy CPU_DEFAULT = new FlushPolicy(256, Duration.ofMillis(100));
    /** Enough to fill several GPU batches. */
    public static final FlushPolicy GPU_DEFAULT = new FlushPolicy(4096, Duration.ofMillis(100));

    public FlushPolicy {
        if (maxUnits < 1) {
            throw new IllegalArgumentException("maxUnits must be >= 1, got " + maxUnits);
        }
        if (maxDelay == null || maxDelay.isNegative() || maxDelay.isZero()) {
            throw new IllegalArgumentException("maxDelay must be > 0, got " + maxDelay);
        }
    }

    /** The default for where an opened embedder runs: a GPU or a remote server takes the larger buffer. */
    public static FlushPolicy defaultFor(EmbedderInfo info) {
        return info.device().startsWith("gpu") || info.engine().equals("openai") ? GPU_DEFAULT : CPU_DEFAULT;
    }
}
