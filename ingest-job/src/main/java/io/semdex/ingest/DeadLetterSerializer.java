package io.semdex.ingest;

import io.semdex.core.DeadLetter;
import io.semdex.core.RecordOrigin;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes a dead letter as the original key and value, with headers {@code semdex.error} (the
 * reason), {@code semdex.stage} ({@code parse|split|embed|index}) and {@code semdex.source} (the
 * origin, {@code topic/partition/offset}). A value over {@link #MAX_VALUE_BYTES} is cut to that size
 * and marked with {@code semdex.truncated} (its original length): an over-size record is a reason to
 * dead-letter, so its dead letter must fit any broker's default limit, or the dead-letter sink would
 * fail the job on the very record it reports. The whole record stays readable in the input topic at
 * its source offset.
 */
final class DeadLetterSerializer implements KafkaRecordSerializationSchema<DeadLetter> {

    static final String ERROR_HEADER = "semdex.error";
    static final String STAGE_HEADER = "semdex.stage";
    static final String SOURCE_HEADER = "semdex.source";
    static final String TRUNCATED_HEADER = "semdex.truncated";

    /** Well under Kafka's default 1 MiB request and message limits, headers and key included. */
    static final int MAX_VALUE_BYTES = 256 * 1024;
    private static final int MAX_KEY_BYTES = 4 * 1024;
    private static final int MAX_REASON_CHARS = 4 * 1024;

    private final String topic;

    DeadLetterSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(DeadLetter letter, KafkaSinkContext context, Long timestamp) {
        RecordOrigin r = letter.origin();
        byte[] key = r.key() == null || r.key().length <= MAX_KEY_BYTES ? r.key() : Arrays.copyOf(r.key(), MAX_KEY_BYTES);
        byte[] value = r.value();
        boolean truncated = value != null && value.length > MAX_VALUE_BYTES;
        ProducerRecord<byte[], byte[]> out = new ProducerRecord<>(topic, null, timestamp, key,
                truncated ? Arrays.copyOf(value, MAX_VALUE_BYTES) : value);
        String reason = letter.reason().length() <= MAX_REASON_CHARS ? letter.reason() : letter.reason().substring(0, MAX_REASON_CHARS) + "…";
        out.headers().add(ERROR_HEADER, reason.getBytes(StandardCharsets.UTF_8));
        out.headers().add(STAGE_HEADER, letter.stage().label().getBytes(StandardCharsets.UTF_8));
        out.headers().add(SOURCE_HEADER, r.describe().getBytes(StandardCharsets.UTF_8));
        if (truncated) {
            out.headers().add(TRUNCATED_HEADER, Integer.toString(value.length).getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }
}
