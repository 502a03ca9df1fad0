package io.semdex.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.semdex.core.Generation;
import io.semdex.core.Handoff;
import io.semdex.core.IndexLayout;
import io.semdex.core.Manifest;
import io.semdex.core.TextAnalysis;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code semdex switch}, the cluster hand-over's last step, on a real broker: it refuses while no
 * generation is READY and while the catch-up group has not read the topic to its end, and
 * switches once it has. (The catch-up job itself is the one the embedded stack runs, see ModelSwitchIT.)
 */
class SwitchCommandIT {

    @TempDir
    Path data;

    @Test
    void switchesToTheReadyGenerationOnlyOnceItsCatchUpGroupHasReadTheWholeTopic() throws Exception {
        IndexLayout layout = new IndexLayout(data.resolve("index"));
        Generation live = layout.create(1, manifest("bge-small-zh-v1.5", 512, 1));
        layout.switchTo(live);
        try (EmbeddedKafka kafka = EmbeddedKafka.start(data.resolve("kafka"))) {
            kafka.createTopics(Map.of("documents", 2));
            String[] args = {"switch", "--index", layout.root().toString(), "--bootstrap", kafka.bootstrapServers(), "--wait", "0"};

            CommandRun none = CommandRun.of(args);
            assertThat(none.exit()).as(none.err()).isEqualTo(SwitchCommand.EXIT_NONE_READY);
            assertThat(none.err()).contains("no generation above the live one is marked READY");

            Properties props = new Properties();
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
                for (int i = 0; i < 6; i++) {
                    producer.send(new ProducerRecord<>("documents", i % 2, null, ("{\"id\":\"d" + i + "\"}").getBytes()));
                }
            }
            Generation ready = layout.create(2, manifest("all-minilm-l6-v2", 384, 2));
            new Handoff("documents", Map.of(0, 1L, 1, 1L)).write(ready);

            CommandRun behind = CommandRun.of(args);
            assertThat(behind.exit()).as(behind.err()).isEqualTo(SwitchCommand.EXIT_BEHIND);
            assertThat(behind.err()).contains("semdex-ingest-gen-2", "4 records behind");
            assertThat(layout.current()).contains(live);

            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
                admin.alterConsumerGroupOffsets("semdex-ingest-gen-2", Map.of(
                        new TopicPartition("documents", 0), new OffsetAndMetadata(3),
                        new TopicPartition("documents", 1), new OffsetAndMetadata(3))).all().get();
            }
            // Caught up, but gen-2 holds no document: refused as semdex reindex refuses it, CURRENT and READY stay.
            CommandRun empty = CommandRun.of(args);
            assertThat(empty.exit()).as(empty.err()).isEqualTo(ReindexCommand.EXIT_EMPTY);
            assertThat(empty.err()).contains("refused: the new generation holds no document; gen-2 stays READY, CURRENT stays gen-1",
                    "--allow-shrink");
            assertThat(layout.current()).contains(live);
            assertThat(Handoff.newestReady(layout)).isPresent();

            String[] allowed = java.util.Arrays.copyOf(args, args.length + 1);
            allowed[args.length] = "--allow-shrink";
            CommandRun switched = CommandRun.of(allowed);
            assertThat(switched.exit()).as(switched.err()).isZero();
            assertThat(switched.out()).contains("gen-2 switched in (model all-minilm-l6-v2, 384 dimensions, 2 shards");
            assertThat(layout.current()).contains(ready);
        }
    }

    private static Manifest manifest(String model, int dimensions, int shards) {
        return new Manifest(model, dimensions, "cosine", TextAnalysis.DEFAULT, shards, Instant.now(), "kafka:documents", null, model);
    }

}
