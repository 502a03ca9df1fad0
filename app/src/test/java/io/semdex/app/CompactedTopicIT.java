package io.semdex.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.semdex.core.Generation;
import io.semdex.core.IndexFields;
import io.semdex.core.IndexLayout;
import io.semdex.core.Json;
import io.semdex.core.Manifest;
import io.semdex.core.PublishedCommit;
import io.semdex.ingest.DocumentTopics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.util.Bits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The documents topic is the source of truth of every reindex: a compacted log keyed by document
 * id keeps the latest version of every live document for good. On a real broker with tiny segments
 * and a cleaner that runs at once, compaction removes old versions, tombstones and whole segments;
 * a reindex afterwards rebuilds exactly the live set, and deleted documents stay deleted. A topic
 * that would forget documents (the broker's default, delete after 7 days) is refused with the fix.
 */
class CompactedTopicIT {

    private static final String TOPIC = "documents";
    private static final int DOCUMENTS = 60;
    private static final int VERSIONS = 5;
    private static final int DELETED = 15;
    private static final int RECREATED = 5;

    @TempDir
    Path data;

    @Test
    void afterCompactionHasDeletedOldSegmentsAReindexRebuildsExactlyTheLiveDocuments() throws Exception {
        Path logDir = data.resolve("kafka");
        try (EmbeddedKafka kafka = EmbeddedKafka.start(logDir, Map.of("log.cleaner.backoff.ms", "200",
                "log.segment.delete.delay.ms", "0", "log.retention.check.interval.ms", "500"))) {
            kafka.createDocumentTopics(Map.of(TOPIC, 1));
            try (Admin admin = admin(kafka)) {
                // Tiny segments and an eager cleaner, so that compaction happens within the test; tombstones go at once. The
                // cleaner waits (min.compaction.lag.ms) until everything is written, so that the segments can be counted first.
                admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, TOPIC), List.of(
                        set("segment.ms", "50"), set("min.cleanable.dirty.ratio", "0.01"), set("delete.retention.ms", "0"),
                        set("min.compaction.lag.ms", "3600000")))).all().get();
                assertThat(DocumentTopics.problems(admin, List.of(TOPIC), kafka.bootstrapServers())).isEmpty();
            }

            Set<String> live = new TreeSet<>();
            Set<String> deleted = new TreeSet<>();
            int written = 0;
            try (KafkaProducer<byte[], byte[]> producer = producer(kafka)) {
                for (int version = 1; version <= VERSIONS; version++) {
                    for (int d = 0; d < DOCUMENTS; d++) {
                        send(producer, id(d), "Warehouse " + d + " ships crates of item " + d + " on weekday " + version + ".");
                        written++;
                        Thread.sleep(version == VERSIONS ? 0 : 1); // every few records land in a segment of their own (segment.ms)
                    }
                    live.clear();
                    for (int d = 0; d < DOCUMENTS; d++) {
                        live.add(id(d));
                    }
                }
                for (int d = 0; d < DELETED; d++) {
                    send(producer, id(d), null);
                    written++;
                    live.remove(id(d));
                    deleted.add(id(d));
                    Thread.sleep(1);
                }
                for (int d = 0; d < RECREATED; d++) { // deleted, then written again: live, with its new text
                    send(producer, id(d), "Warehouse " + d + " reopened and ships crates of item " + d + " again.");
                    written++;
                    live.add(id(d));
                    deleted.remove(id(d));
                    Thread.sleep(1);
                }
                // One more record after a pause rolls the active segment, so that everything before it can be cleaned.
                Thread.sleep(200);
                send(producer, id(DOCUMENTS - 1), "Warehouse " + (DOCUMENTS - 1) + " ships crates of item " + (DOCUMENTS - 1)
                        + " on weekday " + VERSIONS + ".");
                written++;
            }
            int segmentsBefore = segmentFiles(logDir);
            assertThat(segmentsBefore).as("segments written").isGreaterThan(10);
            try (Admin admin = admin(kafka)) {
                admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, TOPIC), List.of(
                        set("min.compaction.lag.ms", "0")))).all().get();
            }

            // The cleaner compacts: old versions go, and cleaned segments are merged, the old files deleted. Then, once the log is
            // dirty again, a second cleaning removes the tombstones too (delete.retention.ms=0): the deleted documents leave no trace.
            List<ConsumerRecord<byte[], byte[]>> compacted = awaitRecords(kafka, live.size() + deleted.size() + 1);
            long tombstones = compacted.stream().filter(r -> r.value() == null).count();
            int segmentsAfter = segmentFiles(logDir);
            Thread.sleep(500);
            try (KafkaProducer<byte[], byte[]> producer = producer(kafka)) {
                for (int d = DELETED; d < DELETED + 10; d++) {
                    send(producer, id(d), "Warehouse " + d + " ships crates of item " + d + " on weekday " + VERSIONS + ".");
                    written++;
                }
                Thread.sleep(200);
                send(producer, id(DOCUMENTS - 1), "Warehouse " + (DOCUMENTS - 1) + " ships crates of item " + (DOCUMENTS - 1)
                        + " on weekday " + VERSIONS + ".");
                written++;
            }
            List<ConsumerRecord<byte[], byte[]>> remaining = awaitRecords(kafka, live.size() + 1);
            Set<String> keysLeft = new TreeSet<>();
            remaining.forEach(r -> keysLeft.add(new String(r.key(), StandardCharsets.UTF_8)));
            System.out.printf("compaction: %d records written, %d segment files before, %d after the first cleaning (%d deleted);"
                    + " %d records left then (%d tombstones), %d after the second cleaning, for %d live documents%n", written,
                    segmentsBefore, segmentsAfter, segmentsBefore - segmentsAfter, compacted.size(), tombstones, remaining.size(),
                    live.size());
            assertThat(segmentsAfter).as("segment files after compaction").isLessThan(segmentsBefore / 2);
            assertThat(tombstones).as("tombstones after the first cleaning").isEqualTo(deleted.size());
            assertThat(remaining.size()).as("records left after the second cleaning").isLessThanOrEqualTo(live.size() + 1);
            assertThat(remaining).as("no tombstone is left").allSatisfy(r -> assertThat(r.value()).isNotNull());
            assertThat(keysLeft).as("the latest record of every live document stays, and no deleted one").isEqualTo(live);

            Path index = data.resolve("index");
            CommandRun reindex = CommandRun.of("reindex", "--index", index.toString(), "--bootstrap", kafka.bootstrapServers(),
                    "--topic", TOPIC, "--switch");
            assertThat(reindex.exit()).as(reindex.err()).isZero();
            Generation rebuilt = new IndexLayout(index).current().orElseThrow();
            Set<String> indexed = documentIds(rebuilt);
            System.out.printf("reindex after compaction: %d live documents rebuilt (expected %d), %d deleted documents indexed%n",
                    indexed.size(), live.size(), indexed.stream().filter(deleted::contains).count());
            assertThat(indexed).isEqualTo(live);
            assertThat(indexed).doesNotContainAnyElementsOf(deleted);
        }
    }

    @Test
    void aTopicThatWouldForgetDocumentsIsRefusedWithTheFixUnlessAllowed() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(data.resolve("kafka"))) {
            kafka.createTopics(Map.of("plain", 1)); // the broker's defaults: cleanup.policy=delete, retention.ms=604800000
            Path index = data.resolve("index");
            CommandRun refused = CommandRun.of("reindex", "--index", index.toString(), "--bootstrap", kafka.bootstrapServers(),
                    "--topic", "plain", "--switch");
            assertThat(refused.exit()).as(refused.err()).isEqualTo(ReindexCommand.EXIT_USAGE);
            assertThat(refused.err()).contains("topic 'plain' would forget documents: cleanup.policy=delete with retention.ms=604800000"
                            + " (7 days)", "kafka-configs.sh --bootstrap-server " + kafka.bootstrapServers()
                            + " --alter --entity-type topics --entity-name plain --add-config cleanup.policy=compact,delete.retention.ms=2592000000",
                    "--allow-finite-retention");
            assertThat(index.resolve("gen-1")).doesNotExist();

            // Allowed: past the check (and refused later only because the topic is empty).
            CommandRun allowed = CommandRun.of("reindex", "--index", index.toString(), "--bootstrap", kafka.bootstrapServers(),
                    "--topic", "plain", "--switch", "--allow-finite-retention");
            assertThat(allowed.err()).contains("warning: topic 'plain' would forget documents");
            assertThat(allowed.exit()).as(allowed.err()).isEqualTo(ReindexCommand.EXIT_EMPTY);

            // Fixed as the message says: accepted.
            try (Admin admin = admin(kafka)) {
                admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, "plain"),
                        DocumentTopics.SETTINGS.entrySet().stream().map(e -> set(e.getKey(), e.getValue())).toList())).all().get();
                assertThat(DocumentTopics.problems(admin, List.of("plain", "missing"), kafka.bootstrapServers())).containsExactly(
                        "topic 'missing' does not exist; create it as a compacted log keyed by document id: kafka-topics.sh"
                                + " --bootstrap-server " + kafka.bootstrapServers() + " --create --topic missing --partitions N"
                                + " --config cleanup.policy=compact --config delete.retention.ms=2592000000");
            }
        }
    }

    @Test
    void theDemosBrokerMakesItsOwnOlderTopicACompactedLog() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(data.resolve("kafka"))) {
            kafka.createTopics(Map.of(TOPIC, 2)); // as a data directory from before the topic was compacted has it
            List<String> changed = kafka.createDocumentTopics(Map.of(TOPIC, 2));
            assertThat(changed).singleElement().asString().contains("topic 'documents' would forget documents");
            try (Admin admin = admin(kafka)) {
                assertThat(DocumentTopics.problems(admin, List.of(TOPIC), kafka.bootstrapServers())).isEmpty();
            }
            assertThat(kafka.createDocumentTopics(Map.of(TOPIC, 2))).isEmpty();
        }
    }

    private static String id(int d) {
        return "doc-" + d;
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String id, String body) throws Exception {
        byte[] value = body == null ? null
                : Json.MAPPER.createObjectNode().put("id", id).put("body", body).toString().getBytes(StandardCharsets.UTF_8);
        producer.send(new ProducerRecord<>(TOPIC, id.getBytes(StandardCharsets.UTF_8), value)).get();
    }

    private static AlterConfigOp set(String key, String value) {
        return new AlterConfigOp(new ConfigEntry(key, value), AlterConfigOp.OpType.SET);
    }

    private static Admin admin(EmbeddedKafka kafka) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
    }

    private static KafkaProducer<byte[], byte[]> producer(EmbeddedKafka kafka) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** The topic's records once compaction has left at most {@code most} of them (waiting up to two minutes). */
    private static List<ConsumerRecord<byte[], byte[]>> awaitRecords(EmbeddedKafka kafka, int most) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        List<ConsumerRecord<byte[], byte[]>> records = readAll(kafka);
        while (records.size() > most && System.nanoTime() < deadline) {
            Thread.sleep(500);
            records = readAll(kafka);
        }
        assertThat(records.size()).as("records left after compaction").isLessThanOrEqualTo(most);
        return records;
    }

    /** Every record the topic holds now, from its first offset to its end. */
    private static List<ConsumerRecord<byte[], byte[]>> readAll(EmbeddedKafka kafka) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition partition = new TopicPartition(TOPIC, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            List<ConsumerRecord<byte[], byte[]>> records = new java.util.ArrayList<>();
            while (consumer.position(partition) < end) {
                consumer.poll(Duration.ofMillis(500)).forEach(records::add);
            }
            return records;
        }
    }

    /** Segment files ({@code *.log}) of the topic's partitions in the broker's log directory. */
    private static int segmentFiles(Path logDir) throws IOException {
        try (Stream<Path> files = Files.walk(logDir)) {
            return (int) files.filter(p -> p.getParent().getFileName().toString().startsWith(TOPIC + "-"))
                    .filter(p -> p.getFileName().toString().endsWith(".log")).count();
        }
    }

    /** The document ids a generation's published commits hold. */
    private static Set<String> documentIds(Generation generation) throws IOException {
        Set<String> ids = new TreeSet<>();
        int shards = Manifest.read(generation.manifestFile()).shardCount();
        for (int shard = 0; shard < shards; shard++) {
            PublishedCommit.readPublished(generation.shardDir(shard), reader -> {
                for (LeafReaderContext leaf : reader.leaves()) {
                    SortedDocValues values = leaf.reader().getSortedDocValues(IndexFields.DOC_ID);
                    Bits alive = leaf.reader().getLiveDocs();
                    for (int doc = values == null ? DocIdSetIterator.NO_MORE_DOCS : values.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS;
                            doc = values.nextDoc()) {
                        if (alive == null || alive.get(doc)) {
                            ids.add(values.lookupOrd(values.ordValue()).utf8ToString());
                        }
                    }
                }
                return ids.size();
            });
        }
        return ids;
    }
}
