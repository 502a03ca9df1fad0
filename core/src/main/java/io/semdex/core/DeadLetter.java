package io.semdex.core;

import java.io.Serializable;
import java.util.Locale;
import java.util.Objects;

/**
 * A record that could not be indexed, bound for the dead-letter topic: its original bytes and
 * origin, the pipeline stage that refused it, and why.
 */
public record DeadLetter(RecordOrigin origin, Stage stage, String reason) implements Serializable {

    /** The pipeline stage that refused a record. */
    public enum Stage {
        PARSE, SPLIT, EMBED, INDEX;

        /** {@code parse}, {@code split}, {@code embed} or {@code index}: the {@code semdex.stage} header. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        /**
         * The Flink accumulator (a {@code LongCounter}) that counts this stage's dead letters:
         * {@code semdex.dead-letters.<stage>}.
         */
        public String accumulatorName() {
            return ACCUMULATOR_PREFIX + label();
        }
    }

    /** Prefix of the per-stage dead-letter accumulators of a job's result. */
    public static final String ACCUMULATOR_PREFIX = "semdex.dead-letters.";

    /**
     * The dead letter of a change to {@code docId} that failed at {@code stage}; a change built in
     * this process rather than read from Kafka has no origin and gets {@link RecordOrigin#unknown}.
     */
    public static DeadLetter of(RecordOrigin origin, String docId, Stage stage, String reason) {
        return new DeadLetter(origin != null ? origin : RecordOrigin.unknown(docId), stage, reason);
    }

    public DeadLetter {
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(stage, "stage");
        reason = reason == null || reason.isBlank() ? "unknown error" : reason;
    }
}
