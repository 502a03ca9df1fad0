package io.semdex.ingest;

import io.semdex.core.EmbeddedDocument;
import java.io.Serializable;
import org.apache.flink.api.common.functions.MapFunction;

/**
 * Failure tests' way into the job: a stage that runs between the embed operator and the sink, in
 * their task, and may throw to fail it. Production jobs run with {@link #NONE}, which adds no stage.
 */
public interface FaultInjection extends Serializable {

    FaultInjection NONE = null;

    /** Called for every document that reaches the sink's task; throwing fails the task. */
    MapFunction<EmbeddedDocument, EmbeddedDocument> beforeSink();
}
