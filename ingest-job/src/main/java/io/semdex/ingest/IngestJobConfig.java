package io.semdex.ingest;

import io.semdex.core.DocumentJson;
import io.semdex.core.IndexOptions;
import io.semdex.core.Lane;
import io.semdex.core.Manifest;
import io.semdex.core.TextAnalysis;
import io.semdex.embed.EmbedderSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything the ingest job needs to run, validated when built.
 *
 * @param bootstrapServers Kafka; may be null only for a reindex from an export (dead letters are then only logged)
 * @param model what the job splits and embeds with; its text is what the generation's manifest records
 * @param parallelism subtasks of the embed and sink stages; also the shard count of the index
 */
public record IngestJobConfig(
        String bootstrapServers,
        String topic,
        String deadLetterTopic,
        String groupId,
        Path indexRoot,
        EmbedderSpec model,
        String analyzer,
        int parallelism,
        Duration checkpointInterval,
        int maxRecordBytes,
        int maxUnitTokens,
        IndexOptions indexOptions) {

    public static final String DEFAULT_TOPIC = "documents";

    public IngestJobConfig {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(indexRoot, "indexRoot");
        Objects.requireNonNull(model, "model");
        TextAnalysis.create(analyzer).close();
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism must be >= 1, got " + parallelism);
        }
        if (maxUnitTokens < 8) {
            throw new IllegalArgumentException("maxUnitTokens must be >= 8, got " + maxUnitTokens);
        }
        if (checkpointInterval.toMillis() < 100) {
            throw new IllegalArgumentException("checkpoint interval must be >= 100 ms, got " + checkpointInterval);
        }
        deadLetterTopic = deadLetterTopic == null ? topic + ".dlq" : deadLetterTopic;
        groupId = groupId == null ? "semdex-ingest" : groupId;
        indexOptions = indexOptions == null ? IndexOptions.DEFAULT : indexOptions;
    }

    /** The interactive lane's topic: the input topic's name with {@code .interactive} ({@link Lane#INTERACTIVE}). */
    public String interactiveTopic() {
        return Lane.INTERACTIVE.topic(topic);
    }

    /** Defaults for everything but where Kafka and the index are. */
    public static IngestJobConfig defaults(String bootstrapServers, Path indexRoot) {
        return new IngestJobConfig(bootstrapServers, DEFAULT_TOPIC, null, null, indexRoot, EmbedderSpec.defaultModel(),
                TextAnalysis.DEFAULT, 1, Duration.ofSeconds(1), DocumentJson.DEFAULT_MAX_BYTES, Splitter.DEFAULT_MAX_TOKENS, IndexOptions.DEFAULT);
    }

    public IngestJobConfig withParallelism(int parallelism) {
        return new IngestJobConfig(bootstrapServers, topic, deadLetterTopic, groupId, indexRoot, model, analyzer,
                parallelism, checkpointInterval, maxRecordBytes, maxUnitTokens, indexOptions);
    }

    public IngestJobConfig withCheckpointInterval(Duration interval) {
        return new IngestJobConfig(bootstrapServers, topic, deadLetterTopic, groupId, indexRoot, model, analyzer,
                parallelism, interval, maxRecordBytes, maxUnitTokens, indexOptions);
    }

    public IngestJobConfig withIndexOptions(IndexOptions options) {
        return new IngestJobConfig(bootstrapServers, topic, deadLetterTopic, groupId, indexRoot, model, analyzer,
                parallelism, checkpointInterval, maxRecordBytes, maxUnitTokens, options);
    }

    public IngestJobConfig withTopic(String topic) {
        return new IngestJobConfig(bootstrapServers, topic, topic + ".dlq", groupId, indexRoot, model, analyzer,
                parallelism, checkpointInterval, maxRecordBytes, maxUnitTokens, indexOptions);
    }

    /** The unit budget in tokens of the model's tokenizer; lowered where the model's input is shorter. */
    public IngestJobConfig withMaxUnitTokens(int tokens) {
        return new IngestJobConfig(bootstrapServers, topic, deadLetterTopic, groupId, indexRoot, model, analyzer,
                parallelism, checkpointInterval, maxRecordBytes, tokens, indexOptions);
    }

    /**
     * This configuration for a job that writes the generation {@code manifest} describes: its model
     * spec, analyzer and shard count (as parallelism), whatever this one says; so a catch-up job, or
     * a restart after a model switch, embeds exactly as the generation was built. The manifest's spec
     * is parsed here, where it comes off the disk.
     *
     * @throws IllegalArgumentException when the manifest's spec does not parse (e.g. a preset this version does not know)
     */
    public IngestJobConfig following(Manifest manifest) {
        return new IngestJobConfig(bootstrapServers, topic, deadLetterTopic, groupId, indexRoot,
                EmbedderSpec.parse(manifest.modelSpecOrId()), manifest.analyzer() == null ? analyzer : manifest.analyzer(),
                manifest.shardCount(), checkpointInterval, maxRecordBytes, maxUnitTokens, indexOptions);
    }

    public IngestJobConfig withModel(EmbedderSpec model) {
        return new IngestJobConfig(bootstrapServers, topic, deadLetterTopic, groupId, indexRoot, model, analyzer,
                parallelism, checkpointInterval, maxRecordBytes, maxUnitTokens, indexOptions);
    }
}
