package io.semdex.ingest;

import io.semdex.core.DeadLetter;
import io.semdex.core.EmbeddedDocument;
import io.semdex.core.Generation;
import io.semdex.core.Handoff;
import io.semdex.core.IndexOptions;
import io.semdex.core.IndexLayout;
import io.semdex.core.Manifest;
import io.semdex.core.SplitDocument;
import io.semdex.embed.EmbedOperator;
import io.semdex.embed.EmbedderSpec;
import io.semdex.embed.ModelPreset;
import io.semdex.embed.ModelPresets;
import io.semdex.embed.EmbedderFactory;
import io.semdex.sink.IndexCheck;
import io.semdex.sink.LuceneSink;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.kafka.common.TopicPartition;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The streaming job graph: Kafka → parse → split → keyBy(document id) → embed → index check →
 * Lucene shard per subtask. Offsets live in Flink checkpoints, and shards commit on checkpoints.
 *
 * <p>A record that fails at parse, split, embed or index goes to the dead-letter topic through one
 * transactional Kafka sink, committed with the checkpoints, so a read_committed reader sees each bad
 * record once even across restarts; each stage counts its dead letters in the accumulator
 * {@code semdex.dead-letters.<stage>} ({@link DeadLetter.Stage#accumulatorName()}).
 */
public final class IngestJob {

    private static final Logger LOG = LoggerFactory.getLogger(IngestJob.class);

    /**
     * How long a dead-letter transaction may stay open: below the broker's default
     * {@code transaction.max.timeout.ms} (15 minutes), which would refuse the Kafka sink's own default of one hour.
     */
    static final int DEAD_LETTER_TRANSACTION_TIMEOUT_MS = 10 * 60 * 1000;

    private IngestJob() {}

    /**
     * Adds the streaming job to {@code env} and returns the generation it writes: the live one,
     * reading Kafka from the committed offsets. The index root gets a first generation, with its
     * manifest, when it has none.
     *
     * @throws IllegalStateException when the live generation was built with another model or shard count
     */
    public static Generation build(StreamExecutionEnvironment env, IngestJobConfig config) {
        return build(env, config, FaultInjection.NONE);
    }

    /** As {@link #build(StreamExecutionEnvironment, IngestJobConfig)}, with failures injected before the sink (tests). */
    public static Generation build(StreamExecutionEnvironment env, IngestJobConfig config, FaultInjection faults) {
        IndexLayout layout = new IndexLayout(config.indexRoot());
        Generation generation = layout.currentOrCreate(manifest(config, "kafka:" + config.topic(), config.indexOptions()));
        streamInto(env, config, generation, OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST), config.groupId(), faults);
        return generation;
    }

    /**
     * Adds a streaming job that catches a reindexed generation up: it reads the topic from the
     * offsets its {@link Handoff} names, into that generation, and goes on from there as the live
     * pipeline once the generation is switched in.
     */
    public static void buildCatchUp(StreamExecutionEnvironment env, IngestJobConfig config, Generation generation, Handoff handoff) {
        Map<TopicPartition, Long> from = new HashMap<>();
        handoff.offsets().forEach((partition, offset) -> from.put(new TopicPartition(config.topic(), partition), offset));
        streamInto(env, config, generation, OffsetsInitializer.offsets(from, OffsetResetStrategy.EARLIEST),
                config.groupId() + "-" + generation.name(), FaultInjection.NONE);
    }

    /**
     * Adds a bounded job, in BATCH mode, that builds a new generation ({@code gen-N+1}, not live)
     * from {@code source}; run it to the end, then switch to the generation or hand it off.
     */
    public static Generation buildReindex(StreamExecutionEnvironment env, IngestJobConfig config, ReindexSource source) {
        IndexLayout layout = new IndexLayout(config.indexRoot());
        String described = switch (source) {
            case ReindexSource.Topic t -> "kafka:" + config.topic() + " up to " + t.endOffsets();
            case ReindexSource.Export e -> "export:" + e.path();
        };
        IndexOptions options = config.indexOptions().withForceMerge(true);
        Generation generation = layout.createNext(manifest(config, described, options));
        try {
            reindexGraph(env, config, source, generation);
        } catch (RuntimeException | Error e) {
            deleteQuietly(generation); // a generation whose job could not even be built is of no use
            throw e;
        }
        LOG.info("Reindex job: {} → {} ({} shards, model {}), BATCH mode", described, generation.dir(), config.parallelism(),
                config.modelPreset());
        return generation;
    }

    private static void deleteQuietly(Generation generation) {
        try {
            io.semdex.core.DirectoryTree.delete(generation.dir());
        } catch (IOException e) {
            LOG.warn("Could not remove {}: {}", generation.dir(), e.getMessage());
        }
    }

    private static void reindexGraph(StreamExecutionEnvironment env, IngestJobConfig config, ReindexSource source, Generation generation) {
        env.setRuntimeMode(RuntimeExecutionMode.BATCH);
        DataStream<KafkaRecord> records = switch (source) {
            case ReindexSource.Topic t -> {
                Map<TopicPartition, Long> end = new HashMap<>();
                t.endOffsets().forEach((partition, offset) -> end.put(new TopicPartition(config.topic(), partition), offset));
                yield env.fromSource(KafkaSource.<KafkaRecord>builder()
                                .setBootstrapServers(config.bootstrapServers())
                                .setTopics(config.topic())
                                .setGroupId(config.groupId() + "-reindex-" + generation.name())
                                .setStartingOffsets(OffsetsInitializer.earliest())
                                .setBounded(OffsetsInitializer.offsets(end))
                                .setDeserializer(new KafkaRecordSchema())
                                .build(), WatermarkStrategy.noWatermarks(), "kafka: " + config.topic() + " (bounded)")
                        .uid("kafka-source");
            }
            case ReindexSource.Export e -> {
                // The files are listed here, once, and read by number in the subtasks with the code that `semdex produce` uses.
                List<String> files;
                try {
                    files = ExportFiles.scan(Path.of(e.path()), e.options()).files().stream().map(Path::toString).toList();
                } catch (IOException ex) {
                    throw new UncheckedIOException("cannot list " + e.path(), ex);
                }
                // A sequence source cannot be empty: an export without files gets the number 0, which reads nothing.
                yield env.fromSequence(0, Math.max(0, files.size() - 1))
                        .name("export: " + e.path() + " (" + files.size() + " files)")
                        .uid("export-files")
                        .flatMap(new ExportRecords(e.path(), e.options(), files))
                        .name("export records")
                        .uid("export-records");
            }
        };
        // BATCH mode sorts each keyed input by key, then by timestamp, and the sort is not stable: records
        // of one document with equal timestamps (Kafka's are milliseconds) could be applied out of order,
        // a delete before the update it follows. The position in the partition (or the export) is the order.
        records = records.assignTimestampsAndWatermarks(
                        WatermarkStrategy.<KafkaRecord>noWatermarks().withTimestampAssigner((record, timestamp) -> record.offset()))
                .name("order by position")
                .uid("order-by-position");
        pipeline(records, config, generation, Manifest.read(generation.manifestFile()), FaultInjection.NONE,
                config.groupId() + "-reindex-" + generation.name());
    }

    private static Manifest manifest(IngestJobConfig config, String source, IndexOptions options) {
        EmbedderSpec spec = EmbedderSpec.parse(config.modelPreset());
        ModelPreset preset = spec.preset();
        return new Manifest(preset.id(), preset.dimensions(), "cosine", config.analyzer(), config.parallelism(), Instant.now(),
                source, options, config.modelPreset(), spec.calibration().orElse(null));
    }

    private static void streamInto(StreamExecutionEnvironment env, IngestJobConfig config, Generation generation,
            OffsetsInitializer start, String groupId, FaultInjection faults) {
        Manifest manifest = Manifest.read(generation.manifestFile());
        env.enableCheckpointing(config.checkpointInterval().toMillis());
        KafkaSource<KafkaRecord> source = KafkaSource.<KafkaRecord>builder()
                .setBootstrapServers(config.bootstrapServers())
                .setTopics(config.topic())
                .setGroupId(groupId)
                .setStartingOffsets(start)
                .setDeserializer(new KafkaRecordSchema())
                .build();
        DataStream<KafkaRecord> records = env.fromSource(source, WatermarkStrategy.noWatermarks(), "kafka: " + config.topic())
                .uid("kafka-source");
        pipeline(records, config, generation, manifest, faults, groupId + "-" + generation.name());
        LOG.info("Ingest job: topic {} → {} ({} shards, model {}), checkpoints every {} ms",
                config.topic(), generation.dir(), config.parallelism(), config.modelPreset(), config.checkpointInterval().toMillis());
    }

    /**
     * parse → drop stale versions → split → keyBy(document id) → embed → index check → Lucene shard
     * per subtask, with every stage's dead letters in one exactly-once Kafka sink.
     *
     * @param jobName unique per job and generation: names the dead-letter sink's Kafka transactions
     */
    private static void pipeline(DataStream<KafkaRecord> records, IngestJobConfig config, Generation generation, Manifest manifest,
            FaultInjection faults, String jobName) {
        // One spec for the splitter's tokenizer, the embedder and the stored vectors' fingerprint.
        EmbedderSpec spec = EmbedderSpec.parse(config.modelPreset());
        ModelPreset preset = spec.preset();
        manifest.requireCompatible(preset.id(), preset.dimensions());
        if (manifest.shardCount() != config.parallelism()) {
            throw new IllegalStateException(String.format(
                    "%s has %d shards but the job runs with parallelism %d: keep the parallelism, or reindex into a new generation",
                    generation.name(), manifest.shardCount(), config.parallelism()));
        }

        SingleOutputStreamOperator<ParsedChange> changes = records
                .process(new ParseFunction(config.maxRecordBytes()))
                .name("parse")
                .uid("parse");

        SingleOutputStreamOperator<SplitDocument> split = changes
                .keyBy(ParsedChange::docId)
                .process(new VersionFilter())
                .name("drop stale versions")
                .uid("version-filter")
                .process(new SplitFunction(Splitter.forModel(spec, config.maxUnitTokens()), faults))
                .name("split")
                .uid("split");

        EmbedderFactory embedder = faults != null ? faults.embedder(spec) : spec;
        SingleOutputStreamOperator<EmbeddedDocument> embedded = EmbedOperator
                // The spec fingerprints its model file in the embed task, where the file is; a test's stand-in gets it here.
                .embed(split.keyBy(SplitDocument::docId), embedder, embedder == spec ? null : spec.fingerprint(), null)
                .name("embed: " + preset.id())
                .uid("embed")
                .setParallelism(config.parallelism());

        DataStream<EmbeddedDocument> toIndex = embedded;
        if (faults != null && faults.beforeSink() != null) {
            toIndex = embedded.map(faults.beforeSink()).name("fault injection").setParallelism(config.parallelism());
        }
        SingleOutputStreamOperator<EmbeddedDocument> checked = toIndex
                .process(new IndexCheck(manifest.dimensions()))
                .name("index check")
                .uid("index-check")
                .setParallelism(config.parallelism());

        checked.sinkTo(LuceneSink.builder()
                        .indexRoot(config.indexRoot())
                        .generation(generation.number())
                        .analyzer(config.analyzer())
                        .indexOptions(manifest.indexOptions())
                        .build())
                .name("lucene: " + generation.name())
                .uid("lucene-sink")
                .setParallelism(config.parallelism());

        if (config.bootstrapServers() != null) { // else (a reindex from an export) each stage has logged its dead letters
            changes.getSideOutput(ParseFunction.DEAD_LETTERS)
                    .union(split.getSideOutput(SplitFunction.DEAD_LETTERS),
                            embedded.getSideOutput(EmbedOperator.DEAD_LETTERS),
                            checked.getSideOutput(IndexCheck.DEAD_LETTERS))
                    .sinkTo(deadLetterSink(config, jobName))
                    .name("dead letters: " + config.deadLetterTopic())
                    .uid("dead-letter-sink");
        }
    }

    /**
     * One transactional sink for every stage's dead letters: its transactions commit with the
     * checkpoints (or at the end of a bounded run), so after a restart the records dead-lettered
     * since the last checkpoint are aborted and written again, never doubled for read_committed readers.
     */
    static KafkaSink<DeadLetter> deadLetterSink(IngestJobConfig config, String jobName) {
        return KafkaSink.<DeadLetter>builder()
                .setBootstrapServers(config.bootstrapServers())
                .setRecordSerializer(new DeadLetterSerializer(config.deadLetterTopic()))
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(deadLetterTransactionalIdPrefix(config, jobName))
                .setProperty("transaction.timeout.ms", Integer.toString(DEAD_LETTER_TRANSACTION_TIMEOUT_MS))
                .build();
    }

    /**
     * The dead-letter sink's transactional id prefix: the job's name and a tag of its index root.
     * It must stay the same across restarts of one pipeline (a restored sink aborts the transactions
     * its prefix left open) and differ between pipelines, and Flink keys its sinks' writer-to-committer
     * channels by prefix for the whole JVM: two pipelines with the default group id in one process
     * (two embedded stacks, or two jobs in one task manager) would otherwise share, and cross, them.
     */
    static String deadLetterTransactionalIdPrefix(IngestJobConfig config, String jobName) {
        String root = config.indexRoot().toAbsolutePath().normalize().toString();
        return "semdex-dlq-" + jobName + "-" + String.format("%08x", root.hashCode());
    }
}
