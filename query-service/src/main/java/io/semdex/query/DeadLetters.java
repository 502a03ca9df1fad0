package io.semdex.query;

import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How many records the ingest job has dead-lettered: the records held by the dead-letter topic,
 * read from its offsets (the job's own counter lives in Flink's metrics, not in this process).
 * Asked at most every 5 seconds.
 */
final class DeadLetters implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetters.class);
    private static final long MAX_AGE_NANOS = 5_000_000_000L;

    private final Admin admin;
    private final String topic;
    private OptionalLong cached = OptionalLong.empty();
    private long cachedAt;
    private boolean warned;

    DeadLetters(String bootstrapServers, String topic) {
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000, AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000));
        this.topic = topic;
    }

    /** Records in the dead-letter topic; empty when Kafka cannot say (the topic is missing, the broker is down). */
    synchronized OptionalLong count() {
        long now = System.nanoTime();
        if (cachedAt != 0 && now - cachedAt < MAX_AGE_NANOS) {
            return cached;
        }
        cachedAt = now;
        try {
            int partitions = admin.describeTopics(java.util.List.of(topic)).allTopicNames().get(3, TimeUnit.SECONDS)
                    .get(topic).partitions().size();
            Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int p = 0; p < partitions; p++) {
                earliest.put(new TopicPartition(topic, p), OffsetSpec.earliest());
                latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> from = admin.listOffsets(earliest).all().get(3, TimeUnit.SECONDS);
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> to = admin.listOffsets(latest).all().get(3, TimeUnit.SECONDS);
            long n = 0;
            for (TopicPartition tp : to.keySet()) {
                n += to.get(tp).offset() - from.get(tp).offset();
            }
            cached = OptionalLong.of(n);
        } catch (Exception e) {
            if (!warned) {
                LOG.warn("Cannot count dead letters in {}: {}", topic, e.getMessage());
                warned = true;
            }
            cached = OptionalLong.empty();
        }
        return cached;
    }

    @Override
    public void close() {
        admin.close();
    }
}
