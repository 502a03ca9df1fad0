package io.semdex.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.semdex.core.ContentHash;
import io.semdex.core.DocumentJson;
import io.semdex.core.EmbeddedDocument;
import io.semdex.core.Generation;
import io.semdex.core.IndexFields;
import io.semdex.core.IndexLayout;
import io.semdex.core.Lane;
import io.semdex.core.PublishedCommit;
import io.semdex.core.PublishedUnits;
import io.semdex.core.SourceDocument;
import io.semdex.core.Unit;
import io.semdex.embed.EmbedOperator;
import io.semdex.embed.Embedder;
import io.semdex.embed.EmbedderSpec;
import io.semdex.embed.Slot;
import io.semdex.embed.Vectors;
import io.semdex.ingest.FaultInjection;
import io.semdex.ingest.IngestJob;
import io.semdex.ingest.IngestJobConfig;
import io.semdex.ingest.Splitter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.util.Bits;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Exactly-once under failure, with real parts: while 5,000 documents with updates, deletes,
 * re-adds and stale versions stream through a KRaft broker into the job on a Flink MiniCluster
 * (two shards, the real model), on both lanes at once (a third of the changes on the interactive
 * topic, each document's changes spread over both), the task holding the embed operator and the
 * sink is failed at random points across several checkpoints, while model calls are in flight and
 * the documents waiting for them are held in the embed stage's checkpointed state. After recovery
 * the published index must hold exactly the expected set: every live document once at the version
 * accepted last (stale versions dropped within their lane), no deleted one, no orphan unit.
 */
class ExactlyOnceIT {

    private static final int DOCUMENTS = 5_000;
    private static final int CHANGES = 2_000;
    private static final int FAILURES_PER_RUN = 3;
    private static final AtomicInteger INJECTED = new AtomicInteger();
    private static final String[] WORDS = ("queue broker topic message offset partition shard index commit checkpoint "
            + "vector cosine search ranking token sentence paragraph 文档 索引 向量 检索 消息 分区").split(" ");

    @TempDir
    static Path data;

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.start(data.resolve("kafka"));
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {11, 23, 37})
    void afterInjectedFailuresTheIndexHoldsEveryLiveDocumentOnceAtItsLatestVersion(long seed) throws Exception {
        Random random = new Random(seed);
        String topic = "documents-" + seed;
        // Created here with the producer's timestamps (the demo's interactive topic takes the broker's): the workload sets
        // each record's acceptance time, so which change is the newest does not depend on the machine's speed.
        kafka.createTopics(Map.of(topic, 4, Lane.INTERACTIVE.topic(topic), 4, topic + ".dlq", 1));
        Path indexRoot = data.resolve("index-" + seed);

        Map<String, SourceDocument> expected = new TreeMap<>();
        List<ProducerRecord<byte[], byte[]>> records = workload(random, topic, expected);

        IngestJobConfig config = IngestJobConfig.defaults(kafka.bootstrapServers(), indexRoot)
                .withTopic(topic)
                .withParallelism(2)
                .withCheckpointInterval(Duration.ofMillis(300));
        // Subtask 0 sees about half of the ~7,000 changes, more with replays: three points below 800
        // documents each are all reached, at different places relative to the checkpoints.
        long[] failAfter = new long[FAILURES_PER_RUN];
        for (int i = 0; i < failAfter.length; i++) {
            failAfter[i] = 100 + random.nextInt(700);
        }
        int injectedBefore = INJECTED.get();

        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2, flinkConfig(data.resolve("checkpoints-" + seed)));
        IngestJob.build(env, config, new FailAt(failAfter));
        JobClient job = env.executeAsync("exactly-once seed " + seed);
        try {
            produce(records);
            Map<String, List<String>> want = new TreeMap<>();
            Splitter splitter = Splitter.withDefaults();
            expected.forEach((id, doc) -> want.put(id, splitter.split(doc).stream().map(Unit::text).toList()));

            Map<String, List<String>> got = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(600);
            while (System.nanoTime() < deadline) {
                got = publishedUnits(indexRoot);
                if (got.equals(want)) {
                    break;
                }
                Thread.sleep(1_000);
            }
            assertThat(INJECTED.get() - injectedBefore).as("failures injected").isEqualTo(FAILURES_PER_RUN);
            assertThat(got).as("published index after recovery").isEqualTo(want);
            assertReusedOrNotEveryVectorIsTheModels(indexRoot, random);
            // The last restore took documents back from the embed stage's state: they were waiting for the model at the checkpoint.
            assertThat((Long) job.getAccumulators().get(30, TimeUnit.SECONDS).get(EmbedOperator.REQUEUED))
                    .as("documents held in the embed stage's checkpoint and queued again on restore").isPositive();
        } finally {
            job.cancel().get(30, TimeUnit.SECONDS);
        }
    }

    /**
     * Upserts of every document, then updates, deletes, re-adds and stale versions; each record on a
     * lane drawn at random and accepted one millisecond after the one before. {@code expected} gets
     * what the index must hold: per lane, a version older than the lane's newest is dropped (the
     * stale-version filter); of what remains, the change accepted last wins across the lanes.
     */
    private static List<ProducerRecord<byte[], byte[]>> workload(Random random, String topic, Map<String, SourceDocument> expected) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        Map<String, Integer> versions = new HashMap<>();
        Map<String, Long> newestPerLane = new HashMap<>(); // "lane/id" -> newest updated time seen on that lane
        Instant base = Instant.parse("2026-11-01T00:00:00Z");
        long acceptedAt = System.currentTimeMillis();
        for (int i = 0; i < DOCUMENTS + CHANGES; i++) {
            String id;
            SourceDocument doc;
            if (i < DOCUMENTS) {
                id = "doc-" + i;
                versions.put(id, 1);
                doc = document(random, id, 1, base);
            } else {
                id = "doc-" + random.nextInt(DOCUMENTS);
                int version = versions.get(id);
                int kind = random.nextInt(10);
                if (kind < 5) { // a newer version
                    versions.put(id, version + 1);
                    doc = document(random, id, version + 1, base);
                } else if (kind < 7) { // a delete; a later newer version re-adds it
                    doc = null;
                } else if (version > 1) { // a stale version, which must change nothing
                    doc = document(random, id, version - 1, base);
                } else {
                    continue;
                }
            }
            Lane lane = random.nextInt(3) == 0 ? Lane.INTERACTIVE : Lane.BULK;
            acceptedAt++;
            records.add(new ProducerRecord<>(lane.topic(topic), null, acceptedAt, id.getBytes(StandardCharsets.UTF_8),
                    doc == null ? null : DocumentJson.toBytes(doc)));
            String laneKey = lane + "/" + id;
            if (doc != null) {
                Long newest = newestPerLane.get(laneKey);
                long updated = doc.updatedMillis();
                if (newest != null && updated < newest) {
                    continue; // dropped by its lane's stale-version filter
                }
                newestPerLane.put(laneKey, newest == null ? updated : Math.max(newest, updated));
            }
            // Accepted after every change before it, on either lane: it is the document's newest.
            if (doc == null) {
                expected.remove(id);
            } else {
                expected.put(id, doc);
            }
        }
        return records;
    }

    private static SourceDocument document(Random random, String id, int version, Instant base) {
        StringBuilder body = new StringBuilder();
        int paragraphs = 1 + random.nextInt(3);
        for (int p = 0; p < paragraphs; p++) {
            if (p > 0) {
                body.append("\n\n");
            }
            body.append(id).append(" version ").append(version).append(" part ").append(p).append(':');
            for (int w = 0; w < 4 + random.nextInt(8); w++) {
                body.append(' ').append(WORDS[random.nextInt(WORDS.length)]);
            }
            body.append('.');
        }
        return new SourceDocument(id, null, body.toString(), "text", null, "test", null,
                base.plusSeconds(version * 60L), List.of(), Map.of());
    }

    private static void produce(List<ProducerRecord<byte[], byte[]>> records) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            records.forEach(producer::send);
        }
    }

    /**
     * Each published unit carries the key of its text under the model's fingerprint, and its vector is the model's for
     * that text, whether it was embedded or reused from a shard's commit (one a restore rolled back included): checked
     * for every unit's key and, against the model run again, for a sample of the vectors.
     */
    private static void assertReusedOrNotEveryVectorIsTheModels(Path indexRoot, Random random) throws Exception {
        EmbedderSpec model = EmbedderSpec.defaultModel();
        String fingerprint = model.fingerprint();
        Generation live = new IndexLayout(indexRoot).current().orElseThrow();
        List<String> texts = new ArrayList<>();
        List<float[]> vectors = new ArrayList<>();
        for (int shard = 0; shard < 2; shard++) {
            PublishedCommit.readPublished(live.shardDir(shard), reader -> {
                for (LeafReaderContext leaf : reader.leaves()) {
                    Bits liveDocs = leaf.reader().getLiveDocs();
                    StoredFields stored = leaf.reader().storedFields();
                    FloatVectorValues values = leaf.reader().getFloatVectorValues(IndexFields.VECTOR);
                    KnnVectorValues.DocIndexIterator iterator = values.iterator();
                    for (int doc = 0; doc < leaf.reader().maxDoc(); doc++) {
                        if (liveDocs == null || liveDocs.get(doc)) {
                            var fields = stored.document(doc);
                            String text = fields.get(IndexFields.TEXT);
                            assertThat(fields.get(IndexFields.VECTOR_KEY)).as("vector key of " + fields.get(IndexFields.UNIT_ID))
                                    .isEqualTo(ContentHash.of(fingerprint, text)); // no title or headings: the model reads the text
                            assertThat(iterator.advance(doc)).isEqualTo(doc);
                            texts.add(text);
                            vectors.add(values.vectorValue(iterator.index()).clone());
                        }
                    }
                }
                return texts.size();
            });
        }
        List<Integer> sample = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            sample.add(random.nextInt(texts.size()));
        }
        try (Embedder embedder = model.open(Slot.SINGLE)) {
            List<float[]> again = embedder.embedDocuments(sample.stream().map(texts::get).toList());
            for (int i = 0; i < sample.size(); i++) {
                assertThat(Vectors.dot(again.get(i), vectors.get(sample.get(i)))).as(texts.get(sample.get(i))).isGreaterThan(0.9999);
            }
        }
    }

    /** Every unit text per document, in ordinal order, as a reader of the published commits sees it; a duplicate unit fails. */
    private static Map<String, List<String>> publishedUnits(Path indexRoot) throws Exception {
        return PublishedUnits.textsByDocument(PublishedUnits.read(indexRoot));
    }

    private static Configuration flinkConfig(Path checkpoints) throws Exception {
        Files.createDirectories(checkpoints);
        Configuration flink = new Configuration();
        flink.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        flink.set(RestOptions.BIND_PORT, "0");
        flink.set(TaskManagerOptions.NUM_TASK_SLOTS, 2);
        flink.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        flink.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
        flink.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        flink.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 20);
        flink.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
        return flink;
    }

    /** Fails the first subtask of the sink's task once per attempt, after a given number of documents. */
    private record FailAt(long[] failAfter) implements FaultInjection {
        @Override
        public MapFunction<EmbeddedDocument, EmbeddedDocument> beforeSink() {
            return new FailingMap(failAfter);
        }
    }

    private static final class FailingMap extends RichMapFunction<EmbeddedDocument, EmbeddedDocument> {
        private final long[] failAfter;
        private long seen;

        FailingMap(long[] failAfter) {
            this.failAfter = failAfter;
        }

        @Override
        public EmbeddedDocument map(EmbeddedDocument doc) {
            int attempt = getRuntimeContext().getTaskInfo().getAttemptNumber();
            if (getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0 && attempt < failAfter.length && ++seen == failAfter[attempt]) {
                INJECTED.incrementAndGet();
                throw new IllegalStateException("injected failure " + (attempt + 1) + " after " + seen + " documents");
            }
            return doc;
        }
    }
}
