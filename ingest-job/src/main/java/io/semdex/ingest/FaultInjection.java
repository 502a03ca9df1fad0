package io.semdex.ingest;

import io.semdex.core.EmbeddedDocument;
import io.semdex.embed.EmbedderFactory;
import java.io.Serializable;
import org.apache.flink.api.common.functions.MapFunction;

/**
 * Failure tests' way into the job: hooks that may throw, or replace the model, to prove how the job
 * contains a failure. Production jobs run with {@link #NONE}, which adds no stage and changes nothing.
 */
public interface FaultInjection extends Serializable {

    FaultInjection NONE = null;

    /**
     * A stage that runs between the embed operator and the sink, in their task; throwing there fails
     * the task. Null (the default) adds no stage.
     */
    default MapFunction<EmbeddedDocument, EmbeddedDocument> beforeSink() {
        return null;
    }

    /** Called in the split stage before each upsert is split; throwing there is a split failure of that document. */
    default void beforeSplit(ParsedChange change) {}

    /** The embedder the job runs instead of {@code configured} (same model id and dimensions); {@code configured} by default. */
    default EmbedderFactory embedder(EmbedderFactory configured) {
        return configured;
    }
}
