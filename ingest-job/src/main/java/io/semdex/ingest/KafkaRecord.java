package io.semdex.ingest;

import java.io.Serializable;

/** A raw record of the input topic, kept whole so a bad one can be dead-lettered as it came. */
public record KafkaRecord(byte[] key, byte[] value, String topic, int partition, long offset) implements Serializable {}
