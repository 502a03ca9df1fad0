package io.semdex.embed;

import java.io.Serializable;

/**
 * Where the embedding operator says that it cannot go on for a reason no document is to blame for
 * (rejected credentials, an unknown model, a model failing on every input, transient failures
 * beyond the retry budget), before the task fails with that cause; and that it can again, after its
 * first successful model call. The ingest job writes it beside the index, where {@code /api/status}
 * reads it.
 */
public interface FailureReport extends Serializable {

    /** The task is about to fail because of {@code cause}, blamed as {@code blame}. */
    void failed(FailurePolicy.Blame blame, String cause);

    /** A model call succeeded: any failure reported earlier is over. */
    void cleared();
}
