package io.semdex.ingest;

import io.semdex.core.Lane;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The interactive lane's topic ({@link Lane#INTERACTIVE}, e.g. {@code documents.interactive}):
 * created beside the input topic, with as many partitions, when it is missing. Like the input topic
 * it is the source of truth for what it holds, a log compacted by document id; its records carry
 * the broker's append time, by which the embed stage orders the two lanes.
 */
public final class InteractiveTopic {

    private static final Logger LOG = LoggerFactory.getLogger(InteractiveTopic.class);

    /** The configuration the topic is created with: a documents topic's ({@link DocumentTopics#SETTINGS}), stamped by the broker. */
    static final Map<String, String> CONFIG = withAppendTime();

    private InteractiveTopic() {}

    private static Map<String, String> withAppendTime() {
        Map<String, String> config = new HashMap<>(DocumentTopics.SETTINGS);
        config.put(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime");
        return Map.copyOf(config);
    }

    /**
     * Creates the interactive topic of {@code topic} at {@code bootstrap} when it does not exist, and
     * returns its name.
     *
     * @throws IllegalStateException when the input topic does not exist or Kafka cannot be reached
     */
    public static String ensure(String bootstrap, String topic) {
        String interactive = Lane.INTERACTIVE.topic(topic);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000))) {
            if (admin.listTopics().names().get().contains(interactive)) {
                return interactive;
            }
            int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
            short replication = (short) admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().get(0)
                    .replicas().size();
            admin.createTopics(List.of(new NewTopic(interactive, partitions, replication).configs(CONFIG))).all().get();
            LOG.info("Created the interactive lane's topic {} ({} partitions, compacted, broker append time)", interactive, partitions);
            return interactive;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TopicExistsException) {
                return interactive;
            }
            throw new IllegalStateException("cannot create the interactive topic " + interactive + " beside " + topic + " at " + bootstrap
                    + ": " + e.getCause().getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating " + interactive, e);
        }
    }
}
