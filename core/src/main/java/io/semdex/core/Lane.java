package io.semdex.core;

import java.util.Locale;

/**
 * The two roads by which document changes reach the index, each its own compacted Kafka topic keyed
 * by document id. Single writes that someone waits for (the HTTP API, {@code semdex produce
 * --interactive}) take the interactive lane, so a bulk load queued on the other lane cannot hold
 * them up; the embed stage reads both and prefers none over the other beyond what
 * {@link LastWriteWins} says about a document written on both.
 */
public enum Lane {
    /** Exports and other producers: the input topic itself, e.g. {@code documents}. */
    BULK,
    /** Writes someone is waiting for: the input topic's name with {@value #INTERACTIVE_SUFFIX}, e.g. {@code documents.interactive}. */
    INTERACTIVE;

    /** What the interactive lane's topic name adds to the input topic's. */
    public static final String INTERACTIVE_SUFFIX = ".interactive";

    /** This lane's topic, for the input topic {@code topic}. */
    public String topic(String topic) {
        return this == BULK ? topic : topic + INTERACTIVE_SUFFIX;
    }

    /** {@code bulk} or {@code interactive}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
