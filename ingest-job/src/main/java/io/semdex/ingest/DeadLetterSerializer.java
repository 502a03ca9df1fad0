package io.semdex.ingest;

import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes a dead letter as the original key and value, with the reason and the origin in headers:
 * {@code semdex.error}, {@code semdex.source} ({@code topic/partition/offset}).
 */
final class DeadLetterSerializer implements KafkaRecordSerializationSchema<DeadLetter> {

    static final String ERROR_HEADER = "semdex.error";
    static final String SOURCE_HEADER = "semdex.source";

    private final String topic;

    DeadLetterSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(DeadLetter letter, KafkaSinkContext context, Long timestamp) {
        KafkaRecord r = letter.record();
        ProducerRecord<byte[], byte[]> out = new ProducerRecord<>(topic, null, timestamp, r.key(), r.value());
        out.headers().add(ERROR_HEADER, letter.reason().getBytes(StandardCharsets.UTF_8));
        out.headers().add(SOURCE_HEADER, (r.topic() + "/" + r.partition() + "/" + r.offset()).getBytes(StandardCharsets.UTF_8));
        return out;
    }
}
