package io.semdex.ingest;

import io.semdex.core.DeadLetter;
import io.semdex.core.EmbeddedDocument;
import io.semdex.core.Generation;
import io.semdex.core.Handoff;
import io.semdex.core.IndexOptions;
import io.semdex.core.IndexLayout;
import io.semdex.core.Manifest;
import io.semdex.core.SplitDocument;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import io.semdex.embed.EmbedOperator;
import io.semdex.embed.EmbedderSpec;
import io.semdex.embed.ModelPreset;
import io.semdex.embed.EmbedderFactory;
import io.semdex.sink.IndexCheck;
import io.semdex.sink.LuceneSink;
import io.semdex.sink.ShardVectors;
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
 * The streaming job graph: two lanes, each Kafka → parse → drop stale versions → split →
 * keyBy(document id), meeting at the embed stage → index check → Lucene shard per subtask. The bulk
 * lane reads the input topic ({@code documents}), the interactive lane its interactive topic
 * ({@code documents.interactive}, where the HTTP API writes); they share no task before the embed
 * stage, so a bulk load backed up in Kafka and in the network buffers cannot hold up an interactive
 * write, and the embed stage ({@link EmbedOperator}) takes the interactive lane's documents first and
 * decides, per document, which lane's change is the newest. Offsets live in Flink checkpoints, and
 * shards commit on checkpoints; checkpoints are unaligned (unless the Flink configuration says
 * otherwise), so a barrier does not queue behind the bulk lane's backpressured buffers.
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
     * manifest, when it has none, and the input topic its interactive lane's topic when it has none.
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
        InteractiveTopic.ensure(config.bootstrapServers(), config.topic());
        OffsetsInitializer committed = OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
        streamInto(env, config, generation, committed, committed, config.groupId(), faults);
        return generation;
    }

    /**
     * Adds a streaming job that catches a reindexed generation up: it reads the topic from the
     * offsets its {@link Handoff} names, into that generation, and goes on from there as the live
     * pipeline once the generation is switched in.
     */
    public static void buildCatchUp(StreamExecutionEnvironment env, IngestJobConfig config, Generation generation, Handoff handoff) {
        InteractiveTopic.ensure(config.bootstrapServers(), config.topic());
        // A handoff written before the interactive lane existed names no offsets of it: that lane is replayed whole.
        streamInto(env, config, generation, OffsetsInitializer.offsets(partitions(config.topic(), handoff.offsets()), OffsetResetStrategy.EARLIEST),
                OffsetsInitializer.offsets(partitions(config.interactiveTopic(), handoff.interactiveOffsets()), OffsetResetStrategy.EARLIEST),
                config.groupId() + "-" + generation.name(), FaultInjection.NONE);
    }

    private static Map<TopicPartition, Long> partitions(String topic, Map<Integer, Long> offsets) {
        Map<TopicPartition, Long> byPartition = new HashMap<>();
        offsets.forEach((partition, offset) -> byPartition.put(new TopicPartition(topic, partition), offset));
        return byPartition;
    }

    /**
     * Adds a bounded job, in BATCH mode, that builds a new generation ({@code gen-N+1}, not live)
     * from {@code source}; run it to the end, then switch to the generation or hand it off.
     */
    public static Generation buildReindex(StreamExecutionEnvironment env, IngestJobConfig config, ReindexSource source) {
        IndexLayout layout = new IndexLayout(config.indexRoot());
        String described = switch (source) {
            case ReindexSource.Topic t -> "kafka:" + config.topic() + " up to " + t.endOffsets()
                    + (t.interactiveEndOffsets().isEmpty() ? "" : " and " + config.interactiveTopic() + " up to " + t.interactiveEndOffsets());
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
                config.model());
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
        DataStream<KafkaRecord> bulk;
        DataStream<KafkaRecord> interactive = null;
        switch (source) {
            case ReindexSource.Topic t -> {
                bulk = boundedTopic(env, config, config.topic(), t.endOffsets(), generation, "kafka-source");
                if (!t.interactiveEndOffsets().isEmpty()) {
                    interactive = boundedTopic(env, config, config.interactiveTopic(), t.interactiveEndOffsets(), generation,
                            "kafka-source-interactive");
                }
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
                bulk = env.fromSequence(0, Math.max(0, files.size() - 1))
                        .name("export: " + e.path() + " (" + files.size() + " files)")
                        .uid("export-files")
                        .flatMap(new ExportRecords(e.path(), e.options(), files))
                        .name("export records")
                        .uid("export-records");
            }
        }
        pipeline(inPositionOrder(bulk, ""), interactive == null ? null : inPositionOrder(interactive, "-interactive"), config, generation,
                Manifest.read(generation.manifestFile()), FaultInjection.NONE, config.groupId() + "-reindex-" + generation.name(), false);
    }

    /** One lane's topic from its beginning up to {@code end}, for a reindex. */
    private static DataStream<KafkaRecord> boundedTopic(StreamExecutionEnvironment env, IngestJobConfig config, String topic,
            Map<Integer, Long> end, Generation generation, String uid) {
        return env.fromSource(KafkaSource.<KafkaRecord>builder()
                        .setBootstrapServers(config.bootstrapServers())
                        .setTopics(topic)
                        .setGroupId(config.groupId() + "-reindex-" + generation.name())
                        .setStartingOffsets(OffsetsInitializer.earliest())
                        .setBounded(OffsetsInitializer.offsets(partitions(topic, end)))
                        .setDeserializer(new KafkaRecordSchema())
                        .build(), WatermarkStrategy.noWatermarks(), "kafka: " + topic + " (bounded)")
                .uid(uid);
    }

    /**
     * BATCH mode sorts each keyed input by key, then by timestamp, and the sort is not stable: records
     * of one document with equal timestamps (Kafka's are milliseconds) could be applied out of order,
     * a delete before the update it follows. The position in the partition (or the export) is the
     * order within a lane; between the lanes the embed stage orders by acceptance time, which each
     * record carries in its origin.
     */
    private static DataStream<KafkaRecord> inPositionOrder(DataStream<KafkaRecord> records, String lane) {
        return records.assignTimestampsAndWatermarks(
                        WatermarkStrategy.<KafkaRecord>noWatermarks().withTimestampAssigner((record, timestamp) -> record.offset()))
                .name("order by position")
                .uid("order-by-position" + lane);
    }

    private static Manifest manifest(IngestJobConfig config, String source, IndexOptions options) {
        EmbedderSpec spec = config.model();
        ModelPreset preset = spec.preset();
        return new Manifest(preset.id(), preset.dimensions(), "cosine", config.analyzer(), config.parallelism(), Instant.now(),
                source, options, spec.text(), spec.calibration().orElse(null));
    }

    private static void streamInto(StreamExecutionEnvironment env, IngestJobConfig config, Generation generation,
            OffsetsInitializer bulkStart, OffsetsInitializer interactiveStart, String groupId, FaultInjection faults) {
        Manifest manifest = Manifest.read(generation.manifestFile());
        env.enableCheckpointing(config.checkpointInterval().toMillis());
        if (env.getConfiguration().getOptional(CheckpointingOptions.ENABLE_UNALIGNED).isEmpty()) {
            // Barriers overtake the bulk lane's backpressured buffers (stored with the checkpoint) instead of queuing behind
            // them; with aligned checkpoints the interactive lane would also be blocked while the embed stage waits for them.
            Configuration unaligned = new Configuration();
            unaligned.set(CheckpointingOptions.ENABLE_UNALIGNED, true);
            env.configure(unaligned);
        }
        DataStream<KafkaRecord> bulk = env.fromSource(topicSource(config, config.topic(), groupId, bulkStart), WatermarkStrategy.noWatermarks(),
                        "kafka: " + config.topic())
                .uid("kafka-source");
        DataStream<KafkaRecord> interactive = env.fromSource(topicSource(config, config.interactiveTopic(), groupId, interactiveStart),
                        WatermarkStrategy.noWatermarks(), "kafka: " + config.interactiveTopic())
                .uid("kafka-source-interactive");
        pipeline(bulk, interactive, config, generation, manifest, faults, groupId + "-" + generation.name(), true);
        LOG.info("Ingest job: topics {} and {} → {} ({} shards, model {}), checkpoints every {} ms ({})", config.topic(),
                config.interactiveTopic(), generation.dir(), config.parallelism(), config.model(), config.checkpointInterval().toMillis(),
                env.getConfiguration().get(CheckpointingOptions.ENABLE_UNALIGNED) ? "unaligned" : "aligned");
    }

    private static KafkaSource<KafkaRecord> topicSource(IngestJobConfig config, String topic, String groupId, OffsetsInitializer start) {
        return KafkaSource.<KafkaRecord>builder()
                .setBootstrapServers(config.bootstrapServers())
                .setTopics(topic)
                .setGroupId(groupId)
                .setStartingOffsets(start)
                .setDeserializer(new KafkaRecordSchema())
                .build();
    }

    /**
     * Each lane: parse → drop stale versions → split → keyBy(document id); then the lanes' embed
     * stage → index check → Lucene shard per subtask, with every stage's dead letters in one
     * exactly-once Kafka sink.
     *
     * @param interactive the interactive lane's records, or null where there is none (a reindex of an export)
     * @param jobName unique per job and generation: names the dead-letter sink's Kafka transactions
     * @param streaming whether the job runs for ever (its interactive lane then sends each record on at once)
     */
    private static void pipeline(DataStream<KafkaRecord> bulk, DataStream<KafkaRecord> interactive, IngestJobConfig config,
            Generation generation, Manifest manifest, FaultInjection faults, String jobName, boolean streaming) {
        // One spec for the splitter's tokenizer, the embedder and the stored vectors' fingerprint.
        EmbedderSpec spec = config.model();
        ModelPreset preset = spec.preset();
        manifest.requireCompatible(preset.id(), preset.dimensions());
        if (manifest.shardCount() != config.parallelism()) {
            throw new IllegalStateException(String.format(
                    "%s has %d shards but the job runs with parallelism %d: keep the parallelism, or reindex into a new generation",
                    generation.name(), manifest.shardCount(), config.parallelism()));
        }
        Splitter splitter = Splitter.forModel(spec, config.maxUnitTokens());
        LaneStages bulkLane = lane(bulk, config, splitter, faults, "");
        LaneStages interactiveLane = interactive != null ? lane(interactive, config, splitter, faults, "-interactive") : null;
        if (interactiveLane != null && streaming) {
            // A few records a second: each goes on at once instead of waiting up to 100 ms in each network buffer.
            interactiveLane.changes().setBufferTimeout(0);
            interactiveLane.split().setBufferTimeout(0);
        }
        KeyedStream<SplitDocument, String> interactiveDocuments = interactiveLane != null
                ? interactiveLane.split().keyBy(SplitDocument::docId)
                : bulkLane.split().filter(d -> false).name("no interactive lane").keyBy(SplitDocument::docId);

        EmbedderFactory embedder = faults != null ? faults.embedder(spec) : spec;
        SingleOutputStreamOperator<EmbeddedDocument> embedded = EmbedOperator
                // The spec fingerprints its model file in the embed task, where the file is; a test's stand-in gets the spec's here.
                .embed(bulkLane.split().keyBy(SplitDocument::docId), interactiveDocuments, embedder,
                        embedder.fingerprintsItself() ? null : spec.fingerprint(), null, new EmbedFailureFile(config.indexRoot()),
                        new ShardVectors(config.indexRoot(), generation.number()))
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
            DataStream<DeadLetter> deadLetters = bulkLane.deadLetters();
            if (interactiveLane != null) {
                deadLetters = deadLetters.union(interactiveLane.deadLetters());
            }
            deadLetters.union(embedded.getSideOutput(EmbedOperator.DEAD_LETTERS), checked.getSideOutput(IndexCheck.DEAD_LETTERS))
                    .sinkTo(deadLetterSink(config, jobName))
                    .name("dead letters: " + config.deadLetterTopic())
                    .uid("dead-letter-sink");
        }
    }

    /** One lane up to the embed stage: its split documents, and its parse and split stages' dead letters. */
    private record LaneStages(SingleOutputStreamOperator<ParsedChange> changes, SingleOutputStreamOperator<SplitDocument> split,
            DataStream<DeadLetter> deadLetters) {}

    /** parse → drop stale versions → split, with uids suffixed by the lane ({@code ""} for the bulk lane, as before there were two). */
    private static LaneStages lane(DataStream<KafkaRecord> records, IngestJobConfig config, Splitter splitter, FaultInjection faults, String suffix) {
        String lane = suffix.isEmpty() ? "" : " (" + suffix.substring(1) + ")";
        SingleOutputStreamOperator<ParsedChange> changes = records
                .process(new ParseFunction(config.maxRecordBytes()))
                .name("parse" + lane)
                .uid("parse" + suffix);
        SingleOutputStreamOperator<SplitDocument> split = changes
                .keyBy(ParsedChange::docId)
                .process(new VersionFilter())
                .name("drop stale versions" + lane)
                .uid("version-filter" + suffix)
                .process(new SplitFunction(splitter, faults))
                .name("split" + lane)
                .uid("split" + suffix);
        return new LaneStages(changes, split, changes.getSideOutput(ParseFunction.DEAD_LETTERS).union(split.getSideOutput(SplitFunction.DEAD_LETTERS)));
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
