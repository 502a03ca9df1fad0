package io.semdex.ingest;

import io.semdex.core.RecordOrigin;
import java.io.Serializable;

/**
 * A raw record of an input topic, kept whole so a bad one can be dead-lettered as it came.
 *
 * @param timestamp the Kafka record timestamp, epoch milliseconds; 0 for an export line
 */
public record KafkaRecord(byte[] key, byte[] value, String topic, int partition, long offset, long timestamp) implements Serializable {

    /** A record with no timestamp: an export line. */
    public KafkaRecord(byte[] key, byte[] value, String topic, int partition, long offset) {
        this(key, value, topic, partition, offset, 0L);
    }

    /** The record as it travels with its change, for dead-lettering at any stage and for ordering the lanes. */
    public RecordOrigin origin() {
        return new RecordOrigin(key, value, topic, partition, offset, timestamp);
    }
}
