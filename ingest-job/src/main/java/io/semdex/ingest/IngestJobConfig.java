package io.semdex.ingest;

import io.semdex.core.DocumentJson;
import io.semdex.core.TextAnalysis;
import io.semdex.embed.ModelPresets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything the ingest job needs to run, validated when built.
 *
 * @param parallelism subtasks of the embed and sink stages; also the shard count of the index
 */
public record IngestJobConfig(
        String bootstrapServers,
        String topic,
        String deadLetterTopic,
        String groupId,
        Path indexRoot,
        String modelPreset,
        String analyzer,
        int parallelism,
        Duration checkpointInterval,
        int maxRecordBytes,
        int maxUnitTokens) {

    public static final String DEFAULT_TOPIC = "documents";

    public IngestJobConfig {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(indexRoot, "indexRoot");
        ModelPresets.get(modelPreset);
        TextAnalysis.create(analyzer).close();
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism must be >= 1, got " + parallelism);
        }
        if (checkpointInterval.toMillis() < 100) {
            throw new IllegalArgumentException("checkpoint interval must be >= 100 ms, got " + checkpointInterval);
        }
        deadLetterTopic = deadLetterTopic == null ? topic + ".dlq" : deadLetterTopic;
        groupId = groupId == null ? "semdex-ingest" : groupId;
    }

    /** Defaults for everything but where Kafka and the index are. */
    public static IngestJobConfig defaults(String bootstrapServers, Path indexRoot) {
        return new IngestJobConfig(bootstrapServers, DEFAULT_TOPIC, null, null, indexRoot, ModelPresets.DEFAULT,
                TextAnalysis.DEFAULT, 1, Duration.ofSeconds(1), DocumentJson.DEFAULT_MAX_BYTES, Splitter.DEFAULT_MAX_TOKENS);
    }

    public IngestJobConfig withParallelism(int parallelism) {
        return new IngestJobConfig(bootstrapServers, topic, deadLetterTopic, groupId, indexRoot, modelPreset, analyzer,
                parallelism, checkpointInterval, maxRecordBytes, maxUnitTokens);
    }

    public IngestJobConfig withCheckpointInterval(Duration interval) {
        return new IngestJobConfig(bootstrapServers, topic, deadLetterTopic, groupId, indexRoot, modelPreset, analyzer,
                parallelism, interval, maxRecordBytes, maxUnitTokens);
    }

    public IngestJobConfig withModelPreset(String preset) {
        return new IngestJobConfig(bootstrapServers, topic, deadLetterTopic, groupId, indexRoot, preset, analyzer,
                parallelism, checkpointInterval, maxRecordBytes, maxUnitTokens);
    }
}
