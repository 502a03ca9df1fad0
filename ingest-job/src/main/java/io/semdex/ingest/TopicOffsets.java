package io.semdex.ingest;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/** Where a topic ends now: the offsets a batch reindex reads up to and a catch-up starts from. */
public final class TopicOffsets {

    private TopicOffsets() {}

    /** The end offset of every partition of {@code topic}, by partition number. */
    public static Map<Integer, Long> end(String bootstrap, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
            Map<TopicPartition, OffsetSpec> request = new HashMap<>();
            for (int p = 0; p < partitions; p++) {
                request.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
            Map<Integer, Long> offsets = new HashMap<>();
            admin.listOffsets(request).all().get().forEach((tp, info) -> offsets.put(tp.partition(), info.offset()));
            return offsets;
        }
    }

    /** The end offsets of {@code topic}, or none when the topic does not exist (an interactive lane never created). */
    public static Map<Integer, Long> endIfExists(String bootstrap, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            if (!admin.listTopics().names().get().contains(topic)) {
                return Map.of();
            }
        }
        return end(bootstrap, topic);
    }

    /**
     * Sets consumer group {@code group}'s committed offsets of {@code topic} to {@code offsets}: where
     * a streaming job started without a savepoint begins. (Flink's Kafka source assigns partitions
     * itself and joins no group, so this works while none of its jobs runs, and a running one's next
     * checkpoint commits its own offsets over it.)
     */
    public static void commit(String bootstrap, String topic, String group, Map<Integer, Long> offsets) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        offsets.forEach((partition, offset) -> commit.put(new TopicPartition(topic, partition), new OffsetAndMetadata(offset)));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.alterConsumerGroupOffsets(group, commit).all().get();
        }
    }

    /**
     * Records of {@code topic} that consumer group {@code group} has not committed yet: from its
     * committed offset (or, where it has none, {@code startOffsets}, else 0) to each partition's end.
     */
    public static long behind(String bootstrap, String topic, String group, Map<Integer, Long> startOffsets) throws Exception {
        Map<Integer, Long> end = end(bootstrap, topic);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
            long behind = 0;
            for (var partition : end.entrySet()) {
                OffsetAndMetadata done = committed.get(new TopicPartition(topic, partition.getKey()));
                long position = done != null ? done.offset() : startOffsets.getOrDefault(partition.getKey(), 0L);
                behind += Math.max(0, partition.getValue() - position);
            }
            return behind;
        }
    }

    /** {@link #behind} for a topic that may not exist (an interactive lane never created): 0 when it does not. */
    public static long behindIfExists(String bootstrap, String topic, String group, Map<Integer, Long> startOffsets) throws Exception {
        return endIfExists(bootstrap, topic).isEmpty() ? 0 : behind(bootstrap, topic, group, startOffsets);
    }
}
