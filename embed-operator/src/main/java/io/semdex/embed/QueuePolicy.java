package io.semdex.embed;

import java.io.Serializable;

/**
 * How much of the bulk lane the embedding operator takes in before its bulk input waits: units
 * admitted but not yet handed to the model. They are the pool each round of model calls is sorted by
 * length and cut from, so a larger pool pads less; they are also what the operator holds in its
 * checkpoints. The interactive lane is never held back.
 *
 * @param bulkUnits units of the bulk lane waiting for the model, beyond which the bulk input waits for the model to
 *     take a call (and beyond twice which, for the lane to drain below that)
 */
public record QueuePolicy(int bulkUnits) implements Serializable {

    /** About two seconds of work on two CPU cores. */
    public static final QueuePolicy CPU_DEFAULT = new QueuePolicy(256);
    /** Enough to fill several GPU batches. */
    public static final QueuePolicy GPU_DEFAULT = new QueuePolicy(4096);

    public QueuePolicy {
        if (bulkUnits < 1) {
            throw new IllegalArgumentException("bulkUnits must be >= 1, got " + bulkUnits);
        }
    }

    /** The default for where an opened embedder runs: a GPU or a remote server takes the larger pool. */
    public static QueuePolicy defaultFor(EmbedderInfo info) {
        return info.device().startsWith("gpu") || info.engine().equals("openai") ? GPU_DEFAULT : CPU_DEFAULT;
    }
}
