package io.semdex.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.semdex.core.DocumentJson;
import io.semdex.core.SourceDocument;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** {@code semdex produce} against a real KRaft broker: what it sends, skips and reports. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProduceCommandIT {

    @TempDir
    static Path tmp;

    private EmbeddedKafka kafka;

    @BeforeAll
    void startKafka() {
        kafka = EmbeddedKafka.start(tmp.resolve("kafka"));
        kafka.createTopics(Map.of("docs-a", 1, "docs-b", 1, "docs-c", 1, "docs-d", 1));
    }

    @AfterAll
    void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    private static CommandRun produce(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "produce";
        System.arraycopy(args, 0, all, 1, args.length);
        return CommandRun.of(all);
    }

    @Test
    void producesADirectoryOfFilesKeyedByPathWithAProgressBarAndASummary() throws Exception {
        Path export = Files.createDirectories(tmp.resolve("faq"));
        Files.writeString(export.resolve("priority.html"), "<h1>Priority queues</h1><p>Enable prioritizedMessages.</p>");
        Files.writeString(export.resolve("notes.md"), "# Notes\n\nSome notes.");
        Files.writeString(export.resolve("LICENSE"), "license");
        Files.writeString(export.resolve("more.jsonl"), "{\"id\":\"x-1\",\"body\":\"one\"}\n{\"body\":\"no id\"}\n{\"id\":\"x-3\",\"body\":\n");

        CommandRun run = produce(export.toString(), "--bootstrap", kafka.bootstrapServers(), "--topic", "docs-a");

        assertThat(run.exit()).as(run.out()).isEqualTo(1);
        assertThat(run.err()).contains("[==============================] 5/5").contains("\r[");
        assertThat(run.out()).contains("Produced 5 records", "sent     4", "skipped  1", "LICENSE: excluded", "failed   1",
                "faq/more.jsonl:3: malformed JSON");
        Map<String, SourceDocument> sent = consume("docs-a", 4);
        assertThat(sent).containsOnlyKeys("faq/priority.html", "faq/notes.md", "x-1", "faq/more.jsonl:2");
        assertThat(sent.get("faq/priority.html").format()).isEqualTo("html");
        assertThat(sent.get("faq/priority.html").source()).isEqualTo("faq");
        assertThat(sent.get("faq/notes.md").format()).isEqualTo("markdown");
    }

    @Test
    void sendsInvalidRecordsAsTheyAreWhenAskedSoTheJobDeadLettersThem() throws Exception {
        Path file = tmp.resolve("bad.jsonl");
        Files.write(file, List.of("{\"id\":\"ok\",\"body\":\"fine\"}", "{\"id\":\"broken\",\"body\":"));
        CommandRun run = produce(file.toString(), "--bootstrap", kafka.bootstrapServers(), "--topic", "docs-b", "--send-invalid");
        assertThat(run.exit()).as(run.out()).isZero();
        assertThat(run.out()).contains("sent     2", "failed   0");
        Map<String, byte[]> raw = consumeRaw("docs-b", 2);
        assertThat(new String(raw.get("<no key>"), StandardCharsets.UTF_8)).isEqualTo("{\"id\":\"broken\",\"body\":");
    }

    @Test
    void saysWhatIsWrongWhenKafkaOrTheTopicIsMissing() throws Exception {
        Path file = Files.writeString(tmp.resolve("one.md"), "# One\n\ntext");
        CommandRun run = produce(file.toString(), "--bootstrap", kafka.bootstrapServers(), "--topic", "no-such-topic");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("Cannot produce to topic 'no-such-topic'", "does the topic exist?");
    }

    @Test
    void withoutBootstrapItTakesTheRunningDemosKafkaFromItsDataDirectoryAndSaysSo() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("demo-data"));
        new DemoAddress(kafka.bootstrapServers(), ProcessHandle.current().pid(), data.toString()).write(DemoAddress.fileIn(data));
        Path file = Files.writeString(tmp.resolve("found.md"), "# Found\n\nthe demo's broker");

        CommandRun run = produce(file.toString(), "--data", data.toString(), "--topic", "docs-c");

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.err()).contains("semdex produce: using the local demo's Kafka at " + kafka.bootstrapServers() + " (from "
                + DemoAddress.fileIn(data) + ")");
        assertThat(run.out()).contains("at " + kafka.bootstrapServers(), "sent     1");
        assertThat(consume("docs-c", 1)).containsOnlyKeys("found.md");
    }

    @Test
    void withoutBootstrapOrDataItTakesTheWellKnownFileAndIgnoresAStaleOne() throws Exception {
        Path wellKnown = tmp.resolve("cache/demo.address");
        String before = System.setProperty(DemoAddress.WELL_KNOWN_PROPERTY, wellKnown.toString());
        try {
            Path file = Files.writeString(tmp.resolve("known.md"), "# Known\n\nfrom the well-known file");
            CommandRun none = produce(file.toString(), "--topic", "docs-d");
            assertThat(none.exit()).isEqualTo(2);
            assertThat(none.err().strip()).isEqualTo("semdex produce: no running local demo: pass --bootstrap HOST:PORT, or start `semdex demo`");

            Process exited = new ProcessBuilder("true").start();
            exited.waitFor();
            new DemoAddress(kafka.bootstrapServers(), exited.pid(), tmp.toString()).write(wellKnown);
            CommandRun stale = produce(file.toString(), "--topic", "docs-d");
            assertThat(stale.exit()).isEqualTo(2);
            assertThat(stale.err()).contains("ignoring " + wellKnown + ": the demo that wrote it (pid " + exited.pid() + ") is not running",
                    "no running local demo");

            new DemoAddress(kafka.bootstrapServers(), ProcessHandle.current().pid(), tmp.toString()).write(wellKnown);
            CommandRun run = produce(file.toString(), "--topic", "docs-d");
            assertThat(run.exit()).as(run.err()).isZero();
            assertThat(run.err()).contains("semdex produce: using the local demo's Kafka at " + kafka.bootstrapServers() + " (from "
                    + wellKnown + ")");
            assertThat(consume("docs-d", 1)).containsOnlyKeys("known.md");
        } finally {
            if (before == null) {
                System.clearProperty(DemoAddress.WELL_KNOWN_PROPERTY);
            } else {
                System.setProperty(DemoAddress.WELL_KNOWN_PROPERTY, before);
            }
        }
    }

    private Map<String, SourceDocument> consume(String topic, int expected) {
        Map<String, SourceDocument> docs = new HashMap<>();
        consumeRaw(topic, expected).forEach((key, value) ->
                docs.put(key, DocumentJson.parseRecord(key.getBytes(StandardCharsets.UTF_8), value, DocumentJson.DEFAULT_MAX_BYTES).document()));
        return docs;
    }

    private Map<String, byte[]> consumeRaw(String topic, int expected) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + topic);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        Map<String, byte[]> records = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (records.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    records.put(r.key() == null ? "<no key>" : new String(r.key(), StandardCharsets.UTF_8), r.value());
                }
            }
        }
        assertThat(records).as("records on %s", topic).hasSize(expected);
        return records;
    }
}
