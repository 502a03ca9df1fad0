package io.semdex.ingest;

import java.io.Serializable;

/** A record that could not be indexed, with the reason, bound for the dead-letter topic. */
public record DeadLetter(KafkaRecord record, String reason) implements Serializable {}
