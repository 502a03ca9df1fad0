package io.semdex.query;

import static org.assertj.core.api.Assertions.assertThat;

import io.semdex.app.EmbeddedKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The query service's dead-letter count against a real broker, written the way the job writes dead
 * letters: in transactions, some aborted. Offsets would count the aborted records and the
 * transaction markers too; the count must be the committed records only, and go on from where it stopped.
 */
class DeadLettersIT {

    @TempDir
    Path data;

    @Test
    void countsCommittedRecordsOnlyAndGoesOnFromWhereItStopped() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(data.resolve("kafka"))) {
            kafka.createTopics(Map.of("documents.dlq", 2));
            try (KafkaProducer<byte[], byte[]> producer = producer(kafka.bootstrapServers());
                    DeadLetters deadLetters = new DeadLetters(kafka.bootstrapServers(), "documents.dlq")) {
                assertThat(deadLetters.count()).isEqualTo(OptionalLong.of(0));
                producer.initTransactions();
                transaction(producer, 3, true);
                transaction(producer, 2, false);
                transaction(producer, 1, true);
                Thread.sleep(5_100); // past the cached answer
                assertThat(deadLetters.count()).isEqualTo(OptionalLong.of(4));
                transaction(producer, 5, false);
                transaction(producer, 2, true);
                Thread.sleep(5_100);
                assertThat(deadLetters.count()).isEqualTo(OptionalLong.of(6));
            }
        }
    }

    private static void transaction(KafkaProducer<byte[], byte[]> producer, int records, boolean commit) {
        producer.beginTransaction();
        for (int i = 0; i < records; i++) {
            producer.send(new ProducerRecord<>("documents.dlq", i % 2, ("k" + i).getBytes(StandardCharsets.UTF_8),
                    "{}".getBytes(StandardCharsets.UTF_8)));
        }
        if (commit) {
            producer.commitTransaction();
        } else {
            producer.flush();
            producer.abortTransaction();
        }
    }

    private static KafkaProducer<byte[], byte[]> producer(String bootstrapServers) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "dead-letters-it");
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }
}
