package io.semdex.query;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How many records the ingest job has dead-lettered: the committed records of the dead-letter
 * topic, counted by a {@code read_committed} consumer that goes on from where it last stopped (the
 * job's own counters live in Flink, not in this process). The job writes dead letters in Kafka
 * transactions, so offsets alone would over-count: transaction markers and aborted records take
 * offsets too. Asked at most every 5 seconds; one call reads for at most {@value #READ_BUDGET_MILLIS} ms
 * and the next goes on from there.
 */
final class DeadLetters implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetters.class);
    private static final long MAX_AGE_NANOS = 5_000_000_000L;
    private static final long READ_BUDGET_MILLIS = 2_000;

    private final String topic;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Set<TopicPartition> assigned = new HashSet<>();
    private long counted;
    private OptionalLong cached = OptionalLong.empty();
    private long cachedAt;
    private boolean warned;

    DeadLetters(String bootstrapServers, String topic) {
        this.topic = topic;
        this.consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000,
                ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000,
                ConsumerConfig.CLIENT_ID_CONFIG, "semdex-query-dead-letters"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** Committed records in the dead-letter topic; empty when Kafka cannot say (the topic is missing, the broker is down). */
    synchronized OptionalLong count() {
        long now = System.nanoTime();
        if (cachedAt != 0 && now - cachedAt < MAX_AGE_NANOS) {
            return cached;
        }
        cachedAt = now;
        try {
            List<PartitionInfo> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(3));
            if (partitions == null || partitions.isEmpty()) {
                throw new IllegalStateException("topic " + topic + " does not exist");
            }
            Set<TopicPartition> all = new HashSet<>();
            partitions.forEach(p -> all.add(new TopicPartition(topic, p.partition())));
            if (!all.equals(assigned)) {
                List<TopicPartition> added = new ArrayList<>(all);
                added.removeAll(assigned);
                consumer.assign(all);
                consumer.seekToBeginning(added);
                assigned.clear();
                assigned.addAll(all);
            }
            // read_committed: the end offsets are the last stable offsets, beyond which nothing is committed yet.
            Map<TopicPartition, Long> end = consumer.endOffsets(all, Duration.ofSeconds(3));
            long deadline = System.nanoTime() + READ_BUDGET_MILLIS * 1_000_000;
            while (!caughtUp(end) && System.nanoTime() < deadline) {
                counted += consumer.poll(Duration.ofMillis(200)).count();
            }
            cached = OptionalLong.of(counted);
            warned = false;
        } catch (Exception e) {
            if (!warned) {
                LOG.warn("Cannot count dead letters in {}: {}", topic, e.getMessage());
                warned = true;
            }
            cached = OptionalLong.empty();
        }
        return cached;
    }

    private boolean caughtUp(Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey(), Duration.ofSeconds(3)) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public synchronized void close() {
        consumer.close(Duration.ofSeconds(3));
    }
}
