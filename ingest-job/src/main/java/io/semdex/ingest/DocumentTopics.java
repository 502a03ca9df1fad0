package io.semdex.ingest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * The documents topics ({@code documents}, and its interactive lane {@code documents.interactive})
 * as what every reindex and model switch rebuilds from: compacted logs keyed by document id, where a
 * delete is a tombstone (a null value), as Kafka Streams keeps a table. Compaction keeps the latest
 * record of every key for good, so a reindex a year later still reads every live document; a topic
 * with time or size retention forgets every document not written since, and a reindex then
 * silently drops them.
 *
 * <p>The settings ({@link #SETTINGS}), and why:
 * <ul>
 *   <li>{@code cleanup.policy=compact}: the latest version of every document stays; older versions
 *       go. {@code retention.ms} and {@code retention.bytes} do not apply to a compacted log.
 *   <li>{@code delete.retention.ms} = {@link #TOMBSTONE_RETENTION} (30 days; Kafka's default is one
 *       day): how long a tombstone outlives the cleaning of its segment. A reader that is behind
 *       (a streaming job stopped over a long weekend, restored from a checkpoint) must read the
 *       tombstone within that time, or it never learns of the delete and its generation keeps the
 *       document. Tombstones are a key each, so a month costs little; a job stopped for longer must
 *       be followed by a reindex (which can never see a deleted document: compaction removed its
 *       versions before it removed the tombstone).
 *   <li>{@code min.compaction.lag.ms} stays 0: a reader only ever needs the latest version of a
 *       document, which compaction never removes, so there is nothing to protect from it.
 *   <li>Segments keep Kafka's defaults (1 GiB, 7 days): compaction never touches the active
 *       segment, so a small segment only makes cleaning run more often. A test sets them tiny to
 *       make compaction happen at once.
 * </ul>
 * The dead-letter topic is not one of these: every bad record must stay, with or without a key.
 *
 * <pre>{@code
 * try (Admin admin = Admin.create(...)) {
 *     DocumentTopics.create(admin, Map.of("documents", 4), (short) 3);
 *     List<String> problems = DocumentTopics.problems(admin, List.of("documents"));
 * }
 * }</pre>
 */
public final class DocumentTopics {

    /** How long a tombstone outlives the cleaning of its segment: the longest a reader may fall behind and still see every delete. */
    public static final Duration TOMBSTONE_RETENTION = Duration.ofDays(30);

    /** What every documents topic is created with. */
    public static final Map<String, String> SETTINGS = Map.of(
            TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
            TopicConfig.DELETE_RETENTION_MS_CONFIG, Long.toString(TOMBSTONE_RETENTION.toMillis()));

    /** The flag that runs a job or a reindex on a topic that forgets, anyway. */
    public static final String OVERRIDE = "--allow-finite-retention";

    private DocumentTopics() {}

    /** An admin client for {@code bootstrap} that gives up after {@code timeout} instead of Kafka's minute. */
    public static Admin admin(String bootstrap, Duration timeout) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), 30_000)));
    }

    /**
     * Creates the topics of {@code partitionsByTopic} that do not exist yet with {@link #SETTINGS}.
     *
     * @return the topics created
     */
    public static List<String> create(Admin admin, Map<String, Integer> partitionsByTopic, short replicationFactor)
            throws InterruptedException {
        try {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> missing = new ArrayList<>();
            partitionsByTopic.forEach((name, partitions) -> {
                if (!existing.contains(name)) {
                    missing.add(new NewTopic(name, partitions, replicationFactor).configs(SETTINGS));
                }
            });
            try {
                admin.createTopics(missing).all().get();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) { // created by someone else meanwhile: checked like any other
                    throw e;
                }
            }
            return missing.stream().map(NewTopic::name).toList();
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot create topics " + partitionsByTopic.keySet() + ": " + e.getCause().getMessage(), e);
        }
    }

    /**
     * Gives the topics among {@code topics} that would forget live documents {@link #SETTINGS}, in
     * place: for a broker semdex runs itself (the demo's), where the fix is its own to make.
     *
     * @return one line per topic changed, saying what it had
     */
    public static List<String> repair(Admin admin, Collection<String> topics) throws InterruptedException {
        Map<String, Problem> problems = problemsByTopic(admin, topics);
        List<String> changed = new ArrayList<>();
        for (Map.Entry<String, Problem> problem : problems.entrySet()) {
            if (problem.getValue().missing()) {
                continue;
            }
            ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, problem.getKey());
            List<AlterConfigOp> ops = SETTINGS.entrySet().stream()
                    .map(s -> new AlterConfigOp(new ConfigEntry(s.getKey(), s.getValue()), AlterConfigOp.OpType.SET))
                    .toList();
            try {
                admin.incrementalAlterConfigs(Map.of(topic, ops)).all().get();
            } catch (ExecutionException e) {
                throw new IllegalStateException("cannot make topic '" + problem.getKey() + "' a compacted log: " + e.getCause().getMessage(), e);
            }
            changed.add(problem.getValue().reason());
        }
        return changed;
    }

    /**
     * What is wrong with each of {@code topics}, in words that say the fix: one line per topic that
     * is missing or would forget live documents; empty when every one keeps them.
     *
     * @param bootstrap named in the fix
     */
    public static List<String> problems(Admin admin, Collection<String> topics, String bootstrap) throws InterruptedException {
        return problemsByTopic(admin, topics).entrySet().stream()
                .map(p -> p.getValue().reason() + "; " + (p.getValue().missing() ? create(p.getKey(), bootstrap) : fix(p.getKey(), bootstrap)))
                .toList();
    }

    /**
     * Refuses, with the fix in the message, to go on with topics that would forget live documents:
     * what the job and {@code semdex reindex} call before they read.
     *
     * @param allowFiniteRetention when true, only warns (the caller says the problems to its user)
     * @return the problems found (empty when none); with {@code allowFiniteRetention} the caller says them as warnings
     * @throws IllegalStateException listing every problem and its fix, when any and not allowed
     */
    public static List<String> requireDurable(String bootstrap, Collection<String> topics, boolean allowFiniteRetention)
            throws InterruptedException {
        List<String> problems;
        try (Admin admin = admin(bootstrap, Duration.ofSeconds(30))) {
            problems = problems(admin, topics, bootstrap);
        }
        if (!problems.isEmpty() && !allowFiniteRetention) {
            throw new IllegalStateException(String.join("\n", problems) + "\n(or pass " + OVERRIDE
                    + " to run anyway: a later reindex or model switch then rebuilds only what the topic still holds)");
        }
        return problems;
    }

    /** What is wrong with a topic: it is missing, or it would forget documents. */
    private record Problem(String reason, boolean missing) {}

    /** Topic name → what is wrong with it, for the topics that are missing or would forget live documents. */
    private static Map<String, Problem> problemsByTopic(Admin admin, Collection<String> topics) throws InterruptedException {
        Map<String, Problem> problems = new LinkedHashMap<>();
        Map<String, Config> configs;
        try {
            Set<String> existing = admin.listTopics().names().get();
            for (String topic : topics) {
                if (!existing.contains(topic)) {
                    problems.put(topic, new Problem("topic '" + topic + "' does not exist", true));
                }
            }
            List<ConfigResource> resources = topics.stream().filter(existing::contains)
                    .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
            configs = admin.describeConfigs(resources).all().get().entrySet().stream()
                    .collect(Collectors.toMap(e -> e.getKey().name(), Map.Entry::getValue));
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot read the configuration of topics " + topics + ": " + e.getCause().getMessage(), e);
        }
        configs.forEach((topic, config) -> {
            String forgets = forgets(config);
            if (forgets != null) {
                problems.put(topic, new Problem("topic '" + topic + "' would forget documents: " + forgets, false));
            }
        });
        return problems;
    }

    /** What makes a topic with {@code config} drop records that may be the only copy of a live document, or null when nothing does. */
    static String forgets(Config config) {
        String policy = value(config, TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE);
        if (!List.of(policy.replace(" ", "").split(",")).contains(TopicConfig.CLEANUP_POLICY_DELETE)) {
            return null; // compact alone: the latest record of every key stays for good
        }
        long retentionMs = Long.parseLong(value(config, TopicConfig.RETENTION_MS_CONFIG, "604800000"));
        long retentionBytes = Long.parseLong(value(config, TopicConfig.RETENTION_BYTES_CONFIG, "-1"));
        if (retentionMs < 0 && retentionBytes < 0) {
            return null; // kept for ever, every version of every document
        }
        List<String> limits = new ArrayList<>();
        if (retentionMs >= 0) {
            limits.add("retention.ms=" + retentionMs + " (" + readable(retentionMs) + ")");
        }
        if (retentionBytes >= 0) {
            limits.add("retention.bytes=" + retentionBytes);
        }
        return "cleanup.policy=" + policy + " with " + String.join(" and ", limits) + " deletes every record beyond that, and a"
                + " reindex or model switch rebuilds only what the topic still holds";
    }

    private static String readable(long millis) {
        if (millis > 0 && millis % 86_400_000 == 0) {
            return millis / 86_400_000 + (millis == 86_400_000 ? " day" : " days");
        }
        return millis > 0 && millis % 3_600_000 == 0 ? millis / 3_600_000 + " h" : millis + " ms";
    }

    private static String value(Config config, String key, String otherwise) {
        ConfigEntry entry = config.get(key);
        return entry == null || entry.value() == null ? otherwise : entry.value();
    }

    /** The command that makes the existing {@code topic} a compacted log with {@link #SETTINGS}. */
    private static String fix(String topic, String bootstrap) {
        String settings = SETTINGS.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
        return "make it a compacted log keyed by document id: kafka-configs.sh --bootstrap-server " + bootstrap
                + " --alter --entity-type topics --entity-name " + topic + " --add-config " + settings;
    }

    /** The command that creates {@code topic} with {@link #SETTINGS}. */
    private static String create(String topic, String bootstrap) {
        return "create it as a compacted log keyed by document id: kafka-topics.sh --bootstrap-server " + bootstrap + " --create --topic "
                + topic + " --partitions N " + SETTINGS.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(e -> "--config " + e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
    }
}
