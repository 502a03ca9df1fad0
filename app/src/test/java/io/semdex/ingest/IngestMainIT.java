package io.semdex.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.semdex.app.EmbeddedKafka;
import io.semdex.core.Generation;
import io.semdex.core.GenerationCounts;
import io.semdex.core.GenerationGuard;
import io.semdex.core.IndexLayout;
import io.semdex.core.Json;
import io.semdex.core.Manifest;
import io.semdex.sink.ShardWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.function.Supplier;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job jar's main class on the cluster path, run as {@code flink run} runs it but on a local
 * environment, against a real broker, the real model and real Lucene directories: it refuses a
 * topic that would forget documents, and {@code --mode batch} has the local tool's guards and exit
 * codes (a detached run refused before anything is built, an empty or shrunken generation deleted
 * instead of switched, a failed build deleted, no switch under a running streaming job).
 */
class IngestMainIT {

    @TempDir
    static Path data;

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafka.start(data.resolve("kafka"));
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    /** What one run of the main class returned and printed. */
    private record Run(int exit, String err) {}

    private static Run run(Supplier<StreamExecutionEnvironment> environments, String... args) throws Exception {
        StringWriter err = new StringWriter();
        int exit = IngestMain.run(args, environments, new PrintWriter(new StringWriter()), new PrintWriter(err, true));
        return new Run(exit, err.toString());
    }

    /** An attached local environment, as {@code flink run} without {@code -d} gives. */
    private static StreamExecutionEnvironment attached() {
        Configuration flink = new Configuration();
        flink.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        flink.set(RestOptions.BIND_PORT, "0");
        flink.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        return StreamExecutionEnvironment.createLocalEnvironment(1, flink);
    }

    /** As {@code flink run -d} gives: execute() returns once the job is submitted. */
    private static StreamExecutionEnvironment detached() {
        Configuration flink = new Configuration();
        flink.set(DeploymentOptions.TARGET, "local");
        flink.set(DeploymentOptions.ATTACHED, false);
        return new StreamExecutionEnvironment(flink);
    }

    @Test
    void everyModeRefusesATopicThatWouldForgetDocumentsWithTheFix() throws Exception {
        kafka.createTopics(Map.of("forgetful", 1));
        Path index = data.resolve("forgetful-index");
        for (String mode : List.of("stream", "batch", "handoff")) {
            Run run = run(IngestMainIT::attached, "--bootstrap", kafka.bootstrapServers(), "--topic", "forgetful", "--index", index.toString(), "--mode", mode);
            assertThat(run.exit()).as(mode + ": " + run.err()).isEqualTo(GenerationGuard.EXIT_USAGE);
            assertThat(run.err()).contains("semdex ingest job: refused: topic 'forgetful' would forget documents",
                    "--entity-name forgetful --add-config cleanup.policy=compact", "--allow-finite-retention");
        }
        assertThat(new IndexLayout(index).latestNumber()).isZero();
    }

    @Test
    void batchModeHasTheGuardsAndExitCodesOfTheLocalReindex() throws Exception {
        String topic = "guarded";
        kafka.createDocumentTopics(Map.of(topic, 1));
        Path index = data.resolve("guarded-index");
        IndexLayout layout = new IndexLayout(index);
        String[] batch = {"--bootstrap", kafka.bootstrapServers(), "--topic", topic, "--index", index.toString(), "--mode", "batch"};

        // Detached (flink run -d): refused before anything is built; it would switch before the build ran.
        Run detached = run(IngestMainIT::detached, batch);
        assertThat(detached.exit()).as(detached.err()).isEqualTo(GenerationGuard.EXIT_USAGE);
        assertThat(detached.err()).contains("--mode batch must run attached (flink run without -d)", "Nothing was built");
        assertThat(layout.latestNumber()).isZero();

        // An empty topic: built, found empty, deleted; CURRENT stays unset.
        Run empty = run(IngestMainIT::attached, batch);
        assertThat(empty.exit()).as(empty.err()).isEqualTo(GenerationGuard.EXIT_EMPTY);
        assertThat(empty.err()).contains("refused: the new generation holds no document; gen-1 deleted, CURRENT stays unset");
        assertThat(layout.current()).isEmpty();
        assertThat(layout.latestNumber()).isZero();

        List<String> ids = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            for (int i = 0; i < 12; i++) {
                ids.add("g-" + i);
                send(producer, topic, "g-" + i, "Guarded note " + i + ": the loading dock " + i + " opens at seven.");
            }
        }
        Run first = run(IngestMainIT::attached, batch);
        assertThat(first.exit()).as(first.err()).isZero();
        Generation live = layout.current().orElseThrow();
        assertThat(GenerationCounts.of(live).documents()).isEqualTo(12);

        // A build that fails is deleted, the live generation stays: whether it fails while its job is built (the model's files
        // are missing) or while it runs (the model file is not a model).
        Run unbuilt = run(IngestMainIT::attached, with(batch, "--model", "qwen3-embedding-0.6b?dir=" + data.resolve("no-such-model")));
        assertThat(unbuilt.exit()).as(unbuilt.err()).isEqualTo(GenerationGuard.EXIT_FAILED);
        assertThat(unbuilt.err()).contains("the build failed", "no-such-model", "CURRENT stays " + live.name());
        Path broken = Files.createDirectories(data.resolve("broken-model"));
        Files.writeString(broken.resolve("model.onnx"), "not a model");
        Files.writeString(broken.resolve("tokenizer.json"), "<not a tokenizer/>");
        Run failed = run(IngestMainIT::attached, with(batch, "--model", "qwen3-embedding-0.6b?dir=" + broken));
        assertThat(failed.exit()).as(failed.err()).isEqualTo(GenerationGuard.EXIT_FAILED);
        assertThat(failed.err()).contains("the build failed", "deleted, CURRENT stays " + live.name());
        assertThat(layout.latestNumber()).as("nothing of either build is left").isEqualTo(live.number());
        assertThat(layout.current()).contains(live);

        // Most documents deleted: the new generation would shrink the index to less than half; refused, unless allowed.
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            for (int i = 0; i < 9; i++) {
                send(producer, topic, ids.get(i), null);
            }
        }
        Run shrunk = run(IngestMainIT::attached, batch);
        assertThat(shrunk.exit()).as(shrunk.err()).isEqualTo(GenerationGuard.EXIT_SHRINK);
        assertThat(shrunk.err()).contains("the new generation holds 3 documents, fewer than half of the 12 in live " + live.name(),
                "CURRENT stays " + live.name(), "--allow-shrink");
        assertThat(layout.current()).contains(live);
        assertThat(layout.latestNumber()).isEqualTo(live.number());

        // A streaming job writes the live generation (it holds the shard's write lock): no switch under it.
        Manifest manifest = Manifest.read(live.manifestFile());
        try (ShardWriter writer = ShardWriter.open(live.shardDir(0), manifest.analyzer(), OptionalLong.empty())) {
            Run underJob = run(IngestMainIT::attached, with(batch, "--allow-shrink"));
            assertThat(underJob.exit()).as(underJob.err()).isEqualTo(GenerationGuard.EXIT_JOB_RUNNING);
            assertThat(underJob.err()).contains("a streaming job is writing the live generation " + live.name(), "--mode handoff");
            assertThat(layout.latestNumber()).as("nothing built").isEqualTo(live.number());
        }

        Run allowed = run(IngestMainIT::attached, with(batch, "--allow-shrink"));
        assertThat(allowed.exit()).as(allowed.err()).isZero();
        assertThat(GenerationCounts.of(layout.current().orElseThrow()).documents()).isEqualTo(3);
    }

    private static String[] with(String[] base, String... more) {
        List<String> all = new ArrayList<>(List.of(base));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    private static KafkaProducer<byte[], byte[]> producer() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String topic, String id, String body) throws Exception {
        byte[] value = body == null ? null
                : Json.MAPPER.createObjectNode().put("id", id).put("body", body).toString().getBytes(StandardCharsets.UTF_8);
        producer.send(new ProducerRecord<>(topic, id.getBytes(StandardCharsets.UTF_8), value)).get();
    }

}
