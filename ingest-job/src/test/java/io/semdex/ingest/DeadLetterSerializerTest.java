package io.semdex.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.semdex.core.DeadLetter;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

class DeadLetterSerializerTest {

    private final DeadLetterSerializer serializer = new DeadLetterSerializer("documents.dlq");

    @Test
    void keepsTheRecordAsItCameWithTheReasonAndOriginInHeaders() {
        byte[] value = "{\"id\":\"a\",\"body\":".getBytes(StandardCharsets.UTF_8);
        ProducerRecord<byte[], byte[]> out = serializer.serialize(
                new DeadLetter(new KafkaRecord("a".getBytes(StandardCharsets.UTF_8), value, "documents", 1, 42).origin(), DeadLetter.Stage.PARSE, "malformed JSON"), null, 7L);
        assertThat(out.topic()).isEqualTo("documents.dlq");
        assertThat(out.value()).isEqualTo(value);
        assertThat(header(out, DeadLetterSerializer.ERROR_HEADER)).isEqualTo("malformed JSON");
        assertThat(header(out, DeadLetterSerializer.SOURCE_HEADER)).isEqualTo("documents/1/42");
        assertThat(header(out, DeadLetterSerializer.STAGE_HEADER)).isEqualTo("parse");
        assertThat(out.key()).isEqualTo("a".getBytes(StandardCharsets.UTF_8));
        assertThat(out.headers().lastHeader(DeadLetterSerializer.TRUNCATED_HEADER)).isNull();
    }

    @Test
    void anOverSizeRecordIsCutSoItsDeadLetterFitsTheBrokersDefaultLimit() {
        byte[] value = new byte[5 * 1024 * 1024];
        ProducerRecord<byte[], byte[]> out = serializer.serialize(
                new DeadLetter(new KafkaRecord(null, value, "documents", 0, 9).origin(), DeadLetter.Stage.PARSE, "record is 5242880 bytes; the limit is 4194304"), null, null);
        assertThat(out.value()).hasSize(DeadLetterSerializer.MAX_VALUE_BYTES);
        assertThat(header(out, DeadLetterSerializer.TRUNCATED_HEADER)).isEqualTo("5242880");
        assertThat(out.value().length + 1024).isLessThan(1024 * 1024);
    }

    private static String header(ProducerRecord<byte[], byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
