package io.semdex.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.semdex.core.DeadLetter;
import io.semdex.core.EmbeddedDocument;
import io.semdex.core.IndexFields;
import io.semdex.core.IndexLayout;
import io.semdex.core.PublishedCommit;
import io.semdex.embed.Embedder;
import io.semdex.embed.EmbedderFactory;
import io.semdex.embed.EmbedderInfo;
import io.semdex.embed.EmbedderSpec;
import io.semdex.embed.ModelPreset;
import io.semdex.ingest.FaultInjection;
import io.semdex.ingest.IngestJob;
import io.semdex.ingest.IngestJobConfig;
import io.semdex.ingest.ParsedChange;
import io.semdex.ingest.ReindexSource;
import io.semdex.ingest.TopicOffsets;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.HeartbeatManagerOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.MultiBits;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.Bits;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-record faults at every stage, with real parts: a KRaft broker, the streaming job on a Flink
 * MiniCluster (two shards), real Lucene shards. Good records are mixed with one record that fails
 * at each stage: malformed JSON (parse), a document the splitter throws on (split, through the
 * test hook), a text the model throws on (embed, a deterministic stand-in model), and a metadata
 * keyword longer than Lucene's term limit (index). Each bad record must reach the dead-letter topic
 * exactly once for a read_committed reader, with its original bytes and its stage, every good
 * record must be indexed, and the job must not restart; with a task failure injected after dead
 * letters were written, the dead-letter topic must still hold each bad record once after recovery.
 */
class DeadLetterIT {

    private static final int GOOD = 24;
    private static final String SPLIT_FAIL = "split-fail";
    private static final String EMBED_FAIL = "EMBED-FAIL";
    private static final AtomicInteger INJECTED = new AtomicInteger();

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

    /** A bad record, what it must be dead-lettered as. */
    private record Bad(String key, byte[] value, String stage) {}

    @Test
    void aRecordThatFailsAtAnyStageIsDeadLetteredOnceWithItsBytesAndStageAndTheJobGoesOn() throws Exception {
        String topic = "faults";
        Path indexRoot = data.resolve("index-faults");
        List<Bad> bad = badRecords();
        JobClient job = start(topic, indexRoot, new Faults(null), "none", Duration.ofMillis(300));
        try {
            produce(topic, workload(bad, false));
            awaitIndexed(indexRoot, goodIds(false));
            Map<String, List<ConsumerRecord<byte[], byte[]>>> letters = awaitDeadLetters(topic + ".dlq", bad.size());
            assertDeadLettersOnce(letters, bad, topic);

            Thread.sleep(1_500); // a few more checkpoints: nothing more and nothing doubled
            assertDeadLettersOnce(readCommitted(topic + ".dlq"), bad, topic);
            assertThat(job.getJobStatus().get(10, TimeUnit.SECONDS)).as("no restart strategy: any failure would end the job")
                    .isEqualTo(JobStatus.RUNNING);
            Map<String, Object> accumulators = awaitAccumulators(job);
            for (DeadLetter.Stage stage : DeadLetter.Stage.values()) {
                assertThat(accumulators.get(stage.accumulatorName())).as(stage.accumulatorName()).isEqualTo(1L);
            }
        } finally {
            job.cancel().get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void afterATaskFailureTheDeadLetterTopicStillHoldsEachBadRecordOnce() throws Exception {
        String topic = "faults-restart";
        Path indexRoot = data.resolve("index-restart");
        List<Bad> bad = badRecords();
        int injectedBefore = INJECTED.get();
        // Checkpoints far apart: the failure comes while the dead letters' transaction is still open.
        JobClient job = start(topic, indexRoot, new Faults(kafka.bootstrapServers()), "fixed-delay", Duration.ofSeconds(3));
        try {
            produce(topic, workload(bad, true));
            awaitIndexed(indexRoot, goodIds(true));
            Map<String, List<ConsumerRecord<byte[], byte[]>>> letters = awaitDeadLetters(topic + ".dlq", bad.size());
            assertThat(INJECTED.get() - injectedBefore).as("failures injected").isEqualTo(1);
            assertDeadLettersOnce(letters, bad, topic);
            Thread.sleep(4_000); // past the next checkpoint
            assertDeadLettersOnce(readCommitted(topic + ".dlq"), bad, topic);
        } finally {
            job.cancel().get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void aBoundedReindexCommitsItsDeadLettersAtTheEndAndReportsThemPerStageInItsResult() throws Exception {
        String topic = "faults-reindex";
        kafka.createTopics(Map.of(topic, 1, topic + ".dlq", 1));
        List<Bad> bad = badRecords();
        List<ProducerRecord<byte[], byte[]>> records = workload(bad, false);
        produce(topic, records);
        IngestJobConfig config = IngestJobConfig.defaults(kafka.bootstrapServers(), data.resolve("index-reindex"))
                .withTopic(topic)
                .withParallelism(2);
        Configuration flink = new Configuration();
        flink.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        flink.set(RestOptions.BIND_PORT, "0");
        flink.set(TaskManagerOptions.NUM_TASK_SLOTS, 2);
        flink.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2, flink);
        // The real model and splitter: of the bad records only the unparsable and the unindexable one fail.
        // Up to the topic's real end: a bounded source waits for its end offset, whatever was produced.
        IngestJob.buildReindex(env, config, new ReindexSource.Topic(TopicOffsets.end(kafka.bootstrapServers(), topic)));
        JobExecutionResult result = env.execute("reindex with dead letters");

        assertThat(result.<Long>getAccumulatorResult(DeadLetter.Stage.PARSE.accumulatorName())).isEqualTo(1L);
        assertThat(result.<Long>getAccumulatorResult(DeadLetter.Stage.SPLIT.accumulatorName())).isEqualTo(0L);
        assertThat(result.<Long>getAccumulatorResult(DeadLetter.Stage.EMBED.accumulatorName())).isEqualTo(0L);
        assertThat(result.<Long>getAccumulatorResult(DeadLetter.Stage.INDEX.accumulatorName())).isEqualTo(1L);
        List<Bad> failing = bad.stream().filter(b -> b.stage().equals("parse") || b.stage().equals("index")).toList();
        // The broker writes the commit markers just after the commit returns: the records become readable a moment later.
        assertDeadLettersOnce(awaitDeadLetters(topic + ".dlq", failing.size()), failing, topic);
    }

    /**
     * Issue 22, item 5: a rotated API key of a remote embedding server is the environment's fault,
     * not the documents'. A real HTTP server that embeds, then answers 401 to every request, then
     * embeds again: while it refuses, the documents posted wait (nothing dead-lettered, nothing lost),
     * {@code /api/status} names the cause, and once it embeds again they are all indexed and the
     * status is clear.
     */
    @Test
    void aRejectedApiKeyFailsTheEmbedStageWithTheCauseInTheStatusAndDeadLettersNothing() throws Exception {
        try (RotatingKeyServer server = new RotatingKeyServer();
                EmbeddedStack stack = EmbeddedStack.start(new EmbeddedStack.Options(data.resolve("stack-401"), "127.0.0.1", 0,
                        EmbedderSpec.parse("bge-small-zh-v1.5?url=" + server.url() + "&remote-model=remote-bge&retries=0&timeout=5s"), 1,
                        Duration.ofMillis(500)))) {
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            for (int i = 0; i < 3; i++) {
                postDocument(http, stack, "before-" + i);
            }
            awaitStatus(http, stack, status -> status.path("documents").asInt() == 3, "the first 3 documents indexed");

            server.rejecting = true; // the key was rotated
            for (int i = 0; i < 5; i++) {
                postDocument(http, stack, "during-" + i); // accepted: they wait in Kafka
            }
            var failed = awaitStatus(http, stack, status -> !status.path("embedFailure").isNull(), "the embed stage's failure in /api/status");
            assertThat(failed.path("embedFailure").path("blame").asText()).isEqualTo("environment");
            assertThat(failed.path("embedFailure").path("cause").asText()).contains("HTTP 401");
            Thread.sleep(2_000); // several failed attempts and restarts
            assertThat(readCommitted(stack.bootstrapServers(), stack.deadLetterTopic())).as("dead letters while the key is refused").isEmpty();

            server.rejecting = false; // the key was put right
            var recovered = awaitStatus(http, stack, status -> status.path("documents").asInt() == 8 && status.path("embedFailure").isNull(),
                    "all 8 documents indexed and the failure cleared");
            assertThat(recovered.path("deadLetters").asLong()).isZero();
            assertThat(readCommitted(stack.bootstrapServers(), stack.deadLetterTopic())).as("dead letters after the key was put right").isEmpty();
            assertThat(server.refused.get()).isPositive();
        }
    }

    private static void postDocument(java.net.http.HttpClient http, EmbeddedStack stack, String id) throws Exception {
        var response = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(stack.url() + "/api/documents"))
                .header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"id\":\"" + id + "\",\"body\":\"Document " + id + " of the key test.\"}"))
                .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("POST of " + id + ": " + response.body()).isEqualTo(202);
    }

    private static com.fasterxml.jackson.databind.JsonNode awaitStatus(java.net.http.HttpClient http, EmbeddedStack stack,
            java.util.function.Predicate<com.fasterxml.jackson.databind.JsonNode> condition, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        com.fasterxml.jackson.databind.JsonNode status = null;
        while (System.nanoTime() < deadline) {
            status = io.semdex.core.Json.MAPPER.readTree(http.send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(stack.url() + "/api/status")).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body());
            if (condition.test(status)) {
                return status;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("not reached within 180 s: " + what + "; last status: " + status);
    }

    /**
     * An OpenAI-compatible embeddings server on loopback that embeds by hash at the default model's
     * dimensions, and answers 401 to every request while {@link #rejecting}.
     */
    private static final class RotatingKeyServer implements AutoCloseable {
        private final com.sun.net.httpserver.HttpServer server;
        private final int dimensions = EmbedderSpec.defaultModel().preset().dimensions();
        volatile boolean rejecting;
        final AtomicInteger refused = new AtomicInteger();

        RotatingKeyServer() throws java.io.IOException {
            server = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/v1/models", ex -> respond(ex, rejecting ? 401 : 200, rejecting ? unauthorized()
                    : "{\"object\":\"list\",\"data\":[{\"id\":\"remote-bge\",\"object\":\"model\"}]}"));
            server.createContext("/v1/embeddings", ex -> {
                var request = io.semdex.core.Json.MAPPER.readTree(ex.getRequestBody());
                if (rejecting) {
                    refused.incrementAndGet();
                    respond(ex, 401, unauthorized());
                    return;
                }
                var response = io.semdex.core.Json.MAPPER.createObjectNode().put("object", "list").put("model", "remote-bge");
                var items = response.putArray("data");
                int i = 0;
                for (var text : request.path("input")) {
                    var values = items.addObject().put("object", "embedding").put("index", i++).putArray("embedding");
                    Random random = new Random(text.asText().hashCode());
                    for (int d = 0; d < dimensions; d++) {
                        values.add(random.nextGaussian());
                    }
                }
                respond(ex, 200, response.toString());
            });
            server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
            server.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
        }

        private static String unauthorized() {
            return "{\"error\":{\"message\":\"Incorrect API key provided\",\"type\":\"invalid_request_error\"}}";
        }

        private static void respond(com.sun.net.httpserver.HttpExchange ex, int status, String body) throws java.io.IOException {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(status, bytes.length);
            ex.getResponseBody().write(bytes);
            ex.close();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    /** A running job's accumulators reach the JobManager with the TaskManager's heartbeats. */
    private static Map<String, Object> awaitAccumulators(JobClient job) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Map<String, Object> accumulators = Map.of();
        while (System.nanoTime() < deadline) {
            accumulators = job.getAccumulators().get(30, TimeUnit.SECONDS);
            if (accumulators.keySet().stream().filter(k -> k.startsWith(DeadLetter.ACCUMULATOR_PREFIX)).count() == DeadLetter.Stage.values().length) {
                return accumulators;
            }
            Thread.sleep(500);
        }
        return accumulators;
    }

    private static List<Bad> badRecords() {
        String longSku = "sku-" + "x".repeat(40_000);
        return List.of(
                new Bad("parse-bad", utf8("{\"id\":\"parse-bad\",\"body\":"), "parse"),
                new Bad(SPLIT_FAIL, utf8("{\"id\":\"" + SPLIT_FAIL + "\",\"body\":\"Splits badly.\"}"), "split"),
                new Bad("embed-bad", utf8("{\"id\":\"embed-bad\",\"body\":\"The model cannot read " + EMBED_FAIL + ".\"}"), "embed"),
                new Bad("index-bad", utf8("{\"id\":\"index-bad\",\"body\":\"A product.\",\"fields\":{\"sku\":\"" + longSku + "\"}}"), "index"));
    }

    private static Set<String> goodIds(boolean withTrigger) {
        Set<String> ids = new TreeSet<>();
        for (int i = 0; i < GOOD; i++) {
            ids.add("good-" + i);
        }
        if (withTrigger) {
            ids.add("trigger");
        }
        return ids;
    }

    /** Good records with the bad ones spread among them; the trigger of the injected failure last. */
    private static List<ProducerRecord<byte[], byte[]>> workload(List<Bad> bad, boolean withTrigger) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        Random random = new Random(7);
        int b = 0;
        for (int i = 0; i < GOOD; i++) {
            String id = "good-" + i;
            records.add(new ProducerRecord<>("", utf8(id), utf8("{\"id\":\"" + id + "\",\"title\":\"Good " + i
                    + "\",\"body\":\"Good document number " + i + " about " + (random.nextBoolean() ? "queues" : "索引") + ".\","
                    + "\"fields\":{\"sku\":\"S-" + i + "\"}}")));
            if (i % 5 == 2 && b < bad.size()) {
                records.add(new ProducerRecord<>("", utf8(bad.get(b).key()), bad.get(b).value()));
                b++;
            }
        }
        if (withTrigger) {
            records.add(new ProducerRecord<>("", utf8("trigger"), utf8("{\"id\":\"trigger\",\"body\":\"Fails the sink's task once.\"}")));
        }
        return records;
    }

    private static JobClient start(String topic, Path indexRoot, Faults faults, String restartStrategy, Duration checkpoints)
            throws Exception {
        kafka.createTopics(Map.of(topic, 1, topic + ".dlq", 1));
        IngestJobConfig config = IngestJobConfig.defaults(kafka.bootstrapServers(), indexRoot)
                .withTopic(topic)
                .withParallelism(2)
                .withCheckpointInterval(checkpoints);
        Path checkpointDir = data.resolve("checkpoints-" + topic);
        Files.createDirectories(checkpointDir);
        Configuration flink = new Configuration();
        flink.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        flink.set(RestOptions.BIND_PORT, "0");
        flink.set(TaskManagerOptions.NUM_TASK_SLOTS, 2);
        flink.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        flink.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpointDir.toUri().toString());
        flink.set(RestartStrategyOptions.RESTART_STRATEGY, restartStrategy);
        flink.set(HeartbeatManagerOptions.HEARTBEAT_INTERVAL, Duration.ofMillis(500)); // brings running accumulators sooner
        if (restartStrategy.equals("fixed-delay")) {
            flink.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 5);
            flink.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2, flink);
        IngestJob.build(env, config, faults);
        return env.executeAsync("dead letters: " + topic);
    }

    private static void assertDeadLettersOnce(Map<String, List<ConsumerRecord<byte[], byte[]>>> letters, List<Bad> bad, String topic) {
        assertThat(letters.keySet()).as("dead-lettered keys").containsExactlyInAnyOrderElementsOf(bad.stream().map(Bad::key).toList());
        for (Bad b : bad) {
            List<ConsumerRecord<byte[], byte[]>> copies = letters.get(b.key());
            assertThat(copies).as("dead letters of " + b.key()).hasSize(1);
            ConsumerRecord<byte[], byte[]> letter = copies.get(0);
            assertThat(letter.value()).as("original value of " + b.key()).isEqualTo(b.value());
            assertThat(header(letter, "semdex.stage")).as("stage of " + b.key()).isEqualTo(b.stage());
            assertThat(header(letter, "semdex.source")).as("origin of " + b.key()).startsWith(topic + "/0/");
            assertThat(header(letter, "semdex.error")).as("reason of " + b.key()).isNotBlank();
        }
    }

    private static Map<String, List<ConsumerRecord<byte[], byte[]>>> awaitDeadLetters(String dlq, int expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        Map<String, List<ConsumerRecord<byte[], byte[]>>> letters = Map.of();
        while (System.nanoTime() < deadline) {
            letters = readCommitted(dlq);
            if (letters.values().stream().mapToInt(List::size).sum() >= expected) {
                return letters;
            }
            Thread.sleep(500);
        }
        return letters;
    }

    /** Every committed record of the dead-letter topic, by key. */
    private static Map<String, List<ConsumerRecord<byte[], byte[]>>> readCommitted(String dlq) {
        return readCommitted(kafka.bootstrapServers(), dlq);
    }

    private static Map<String, List<ConsumerRecord<byte[], byte[]>>> readCommitted(String bootstrap, String dlq) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        Map<String, List<ConsumerRecord<byte[], byte[]>>> out = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(dlq, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            while (consumer.position(tp) < end) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    out.computeIfAbsent(new String(r.key(), StandardCharsets.UTF_8), k -> new ArrayList<>()).add(r);
                }
            }
        }
        return out;
    }

    private static void awaitIndexed(Path indexRoot, Set<String> want) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        Set<String> got = Set.of();
        while (System.nanoTime() < deadline) {
            got = publishedDocIds(indexRoot);
            if (got.equals(want)) {
                return;
            }
            Thread.sleep(500);
        }
        assertThat(got).as("published documents").isEqualTo(want);
    }

    private static Set<String> publishedDocIds(Path indexRoot) throws Exception {
        Set<String> ids = new TreeSet<>();
        var generation = new IndexLayout(indexRoot).current().orElseThrow();
        for (int shard = 0; shard < 2; shard++) {
            Path dir = generation.shardDir(shard);
            if (PublishedCommit.read(dir).isEmpty()) {
                continue;
            }
            try (FSDirectory directory = FSDirectory.open(dir)) {
                var commit = PublishedCommit.find(directory, PublishedCommit.read(dir).getAsLong());
                if (commit.isEmpty()) {
                    return Set.of(); // superseded while we looked; the caller polls again
                }
                try (DirectoryReader reader = DirectoryReader.open(commit.get())) {
                    Bits live = MultiBits.getLiveDocs(reader);
                    StoredFields stored = reader.storedFields();
                    for (int i = 0; i < reader.maxDoc(); i++) {
                        if (live == null || live.get(i)) {
                            ids.add(stored.document(i).get(IndexFields.DOC_ID));
                        }
                    }
                }
            }
        }
        return ids;
    }

    private static void produce(String topic, List<ProducerRecord<byte[], byte[]>> records) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 * 1024 * 1024);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (ProducerRecord<byte[], byte[]> r : records) {
                producer.send(new ProducerRecord<>(topic, r.key(), r.value())).get(30, TimeUnit.SECONDS); // acknowledged, in order
            }
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        var h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The test's hooks: the splitter fails on {@value #SPLIT_FAIL}, the stand-in model on texts with
     * {@value #EMBED_FAIL}; with {@code failAfterDeadLetters}, the sink's task fails once on the
     * trigger document, after the dead letters reached the broker.
     */
    private record Faults(String failAfterDeadLettersAt) implements FaultInjection {
        @Override
        public void beforeSplit(ParsedChange change) {
            if (change.docId().equals(SPLIT_FAIL)) {
                throw new IllegalStateException("scripted splitter failure");
            }
        }

        @Override
        public EmbedderFactory embedder(EmbedderFactory configured) {
            return slot -> new StandInModel();
        }

        @Override
        public MapFunction<EmbeddedDocument, EmbeddedDocument> beforeSink() {
            return failAfterDeadLettersAt == null ? null : new FailOnTrigger(failAfterDeadLettersAt);
        }
    }

    /** Fails its task once, on the trigger document, when the dead-letter topic has received (not committed) 4 records. */
    private static final class FailOnTrigger extends RichMapFunction<EmbeddedDocument, EmbeddedDocument> {
        private final String bootstrapServers;

        FailOnTrigger(String bootstrapServers) {
            this.bootstrapServers = bootstrapServers;
        }

        @Override
        public EmbeddedDocument map(EmbeddedDocument doc) throws Exception {
            if (doc.docId().equals("trigger") && getRuntimeContext().getTaskInfo().getAttemptNumber() == 0) {
                awaitWritten();
                INJECTED.incrementAndGet();
                throw new IllegalStateException("injected failure after the dead letters were written");
            }
            return doc;
        }

        private void awaitWritten() throws InterruptedException {
            Properties props = new Properties();
            props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                TopicPartition tp = new TopicPartition("faults-restart.dlq", 0);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (consumer.endOffsets(List.of(tp)).get(tp) < 4 && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
            }
        }
    }

    /** The default model's id and dimensions with hash-seeded vectors; throws on {@value #EMBED_FAIL}. */
    private static final class StandInModel implements Embedder {
        private final ModelPreset preset = EmbedderSpec.defaultModel().preset();

        @Override
        public List<float[]> embedDocuments(List<String> texts) {
            return embedTexts(texts);
        }

        @Override
        public List<float[]> embedQueries(List<String> queries) {
            return embedTexts(queries);
        }

        @Override
        public List<float[]> embedTexts(List<String> texts) {
            List<float[]> out = new ArrayList<>();
            for (String text : texts) {
                if (text.contains(EMBED_FAIL)) {
                    throw new IllegalArgumentException("the stand-in model cannot read '" + text + "'");
                }
                Random random = new Random(text.hashCode());
                float[] v = new float[preset.dimensions()];
                double norm = 0;
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) random.nextGaussian();
                    norm += v[i] * v[i];
                }
                for (int i = 0; i < v.length; i++) {
                    v[i] /= (float) Math.sqrt(norm);
                }
                out.add(v);
            }
            return out;
        }

        @Override
        public EmbedderInfo info() {
            return new EmbedderInfo(preset.id(), preset.dimensions(), "stand-in", "cpu()", preset.maxTokens(),
                    Math.min(preset.minDimensions(), preset.dimensions()));
        }

        @Override
        public ModelPreset preset() {
            return preset;
        }

        @Override
        public int countTokens(String text) {
            return text.length();
        }

        @Override
        public void close() {}
    }
}
