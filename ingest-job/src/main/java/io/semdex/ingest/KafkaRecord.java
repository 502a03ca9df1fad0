package io.semdex.ingest;

import io.semdex.core.RecordOrigin;
import java.io.Serializable;

/** A raw record of the input topic, kept whole so a bad one can be dead-lettered as it came. */
public record KafkaRecord(byte[] key, byte[] value, String topic, int partition, long offset) implements Serializable {

    /** The record as it travels with its change, for dead-lettering at any stage. */
    public RecordOrigin origin() {
        return new RecordOrigin(key, value, topic, partition, offset);
    }
}
