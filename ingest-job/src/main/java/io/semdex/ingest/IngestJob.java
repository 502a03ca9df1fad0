package io.semdex.ingest;

import io.semdex.core.DocumentChange;
import io.semdex.core.EmbeddedDocument;
import io.semdex.core.Generation;
import io.semdex.core.IndexLayout;
import io.semdex.core.Manifest;
import io.semdex.core.SplitDocument;
import io.semdex.embed.EmbedOperator;
import io.semdex.embed.EmbedderSpec;
import io.semdex.embed.ModelPreset;
import io.semdex.embed.ModelPresets;
import io.semdex.sink.LuceneSink;
import java.time.Instant;
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
 * The streaming job graph: Kafka → parse (bad records to the dead-letter topic) → split →
 * keyBy(document id) → embed → Lucene shard per subtask. Offsets live in Flink checkpoints, and
 * shards commit on checkpoints.
 */
public final class IngestJob {

    private static final Logger LOG = LoggerFactory.getLogger(IngestJob.class);

    private IngestJob() {}

    /**
     * Adds the job to {@code env} and returns the generation it writes. The index root gets a first
     * generation, with its manifest, when it has none.
     *
     * @throws IllegalStateException when the live generation was built with another model or shard count
     */
    public static Generation build(StreamExecutionEnvironment env, IngestJobConfig config) {
        ModelPreset preset = ModelPresets.get(config.modelPreset());
        IndexLayout layout = new IndexLayout(config.indexRoot());
        Generation generation = layout.currentOrCreate(new Manifest(preset.id(), preset.dimensions(), "cosine",
                config.analyzer(), config.parallelism(), Instant.now(), "kafka:" + config.topic()));
        Manifest manifest = Manifest.read(generation.manifestFile());
        manifest.requireCompatible(preset.id(), preset.dimensions());
        if (manifest.shardCount() != config.parallelism()) {
            throw new IllegalStateException(String.format(
                    "%s has %d shards but the job runs with parallelism %d: keep the parallelism, or reindex into a new generation",
                    generation.name(), manifest.shardCount(), config.parallelism()));
        }

        env.enableCheckpointing(config.checkpointInterval().toMillis());

        KafkaSource<KafkaRecord> source = KafkaSource.<KafkaRecord>builder()
                .setBootstrapServers(config.bootstrapServers())
                .setTopics(config.topic())
                .setGroupId(config.groupId())
                .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
                .setDeserializer(new KafkaRecordSchema())
                .build();

        SingleOutputStreamOperator<DocumentChange> changes = env
                .fromSource(source, WatermarkStrategy.noWatermarks(), "kafka: " + config.topic())
                .uid("kafka-source")
                .process(new ParseFunction(config.maxRecordBytes()))
                .name("parse")
                .uid("parse");

        changes.getSideOutput(ParseFunction.DEAD_LETTERS)
                .sinkTo(KafkaSink.<DeadLetter>builder()
                        .setBootstrapServers(config.bootstrapServers())
                        .setRecordSerializer(new DeadLetterSerializer(config.deadLetterTopic()))
                        .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                        .build())
                .name("dead letters: " + config.deadLetterTopic())
                .uid("dead-letter-sink");

        SingleOutputStreamOperator<SplitDocument> split = changes
                .map(new SplitFunction(new Splitter(config.maxUnitTokens(), TokenCounter.approximate())))
                .name("split")
                .uid("split");

        SingleOutputStreamOperator<EmbeddedDocument> embedded = EmbedOperator
                .embed(split.keyBy(SplitDocument::docId), EmbedderSpec.parse(config.modelPreset()))
                .name("embed: " + preset.id())
                .uid("embed")
                .setParallelism(config.parallelism());

        embedded.sinkTo(LuceneSink.builder()
                        .indexRoot(config.indexRoot())
                        .generation(generation.number())
                        .analyzer(config.analyzer())
                        .build())
                .name("lucene: " + generation.name())
                .uid("lucene-sink")
                .setParallelism(config.parallelism());

        LOG.info("Ingest job: topic {} → {} ({} shards, model {}), checkpoints every {} ms",
                config.topic(), generation.dir(), config.parallelism(), preset.id(), config.checkpointInterval().toMillis());
        return generation;
    }
}
