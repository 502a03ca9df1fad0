package io.semdex.app;

import io.semdex.core.DirectoryTree;
import io.semdex.core.Generation;
import io.semdex.core.Handoff;
import io.semdex.core.IndexLayout;
import io.semdex.ingest.IngestJob;
import io.semdex.ingest.IngestJobConfig;
import io.semdex.query.AccessPolicy;
import io.semdex.query.QueryService;
import io.semdex.query.QueryServiceConfig;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything semdex needs, in this JVM: a KRaft Kafka broker, the ingest job on a Flink
 * MiniCluster, and the query service. {@code semdex demo} runs it; integration tests run the same.
 * All state lives under one data directory: {@code kafka/}, {@code checkpoints/}, {@code index/}.
 */
public final class EmbeddedStack implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedStack.class);

    private final EmbeddedKafka kafka;
    private final QueryService service;
    private final IngestJobConfig jobConfig;
    private final Configuration flink;
    private final Path checkpoints;
    private final ScheduledExecutorService handoffs;
    private volatile JobClient job;

    private EmbeddedStack(EmbeddedKafka kafka, JobClient job, QueryService service, IngestJobConfig jobConfig, Configuration flink,
            Path checkpoints) {
        this.kafka = kafka;
        this.job = job;
        this.service = service;
        this.jobConfig = jobConfig;
        this.flink = flink;
        this.checkpoints = checkpoints;
        this.handoffs = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "semdex-generation-handoff");
            t.setDaemon(true);
            return t;
        });
        handoffs.scheduleWithFixedDelay(this::adoptReadyGeneration, 1, 1, TimeUnit.SECONDS);
    }

    /**
     * @param host address the query service binds to
     * @param port query service port, 0 for any free one
     * @param access API key, CORS, rate limit and body limit of the query service
     */
    public record Options(Path dataDir, String host, int port, String modelPreset, int parallelism, Duration checkpointInterval,
            AccessPolicy access) {

        /** With the default access policy: no key, no CORS, no rate limit. */
        public Options(Path dataDir, String host, int port, String modelPreset, int parallelism, Duration checkpointInterval) {
            this(dataDir, host, port, modelPreset, parallelism, checkpointInterval, AccessPolicy.DEFAULT);
        }
    }

    public static EmbeddedStack start(Options options) throws Exception {
        Path data = options.dataDir().toAbsolutePath();
        EmbeddedKafka kafka = EmbeddedKafka.start(data.resolve("kafka"));
        JobClient job = null;
        try {
            IngestJobConfig jobConfig = IngestJobConfig.defaults(kafka.bootstrapServers(), data.resolve("index"))
                    .withModelPreset(options.modelPreset())
                    .withParallelism(options.parallelism())
                    .withCheckpointInterval(options.checkpointInterval());
            kafka.createTopics(Map.of(jobConfig.topic(), Math.max(2, options.parallelism()), jobConfig.deadLetterTopic(), 1));

            Configuration flink = new Configuration();
            flink.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
            flink.set(RestOptions.BIND_PORT, "0");
            flink.set(TaskManagerOptions.NUM_TASK_SLOTS, Math.max(2, options.parallelism()));
            flink.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
            Path checkpoints = data.resolve("checkpoints");
            flink.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
            // Kept when the job is cancelled or the process dies, so the next start resumes from it.
            flink.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION, ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
            var resumeFrom = Checkpoints.latest(checkpoints);
            resumeFrom.ifPresent(cp -> {
                flink.set(StateRecoveryOptions.SAVEPOINT_PATH, cp.toString());
                LOG.info("Resuming from checkpoint {}", cp);
            });
            StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(options.parallelism(), flink);
            IngestJob.build(env, jobConfig);
            job = env.executeAsync("semdex ingest");
            LOG.info("Flink job {} submitted to the embedded MiniCluster", job.getJobID());

            QueryService service = QueryService.start(new QueryServiceConfig(options.host(), options.port(),
                    jobConfig.indexRoot(), options.modelPreset(), kafka.bootstrapServers(), jobConfig.topic(), 100)
                    .withAccess(options.access()));
            return new EmbeddedStack(kafka, job, service, jobConfig, flink, checkpoints);
        } catch (Exception | Error e) {
            if (job != null) {
                cancel(job);
            }
            kafka.close();
            throw e;
        }
    }

    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    public String topic() {
        return jobConfig.topic();
    }

    public String deadLetterTopic() {
        return jobConfig.deadLetterTopic();
    }

    public QueryService service() {
        return service;
    }

    /** Base URL of the query service, e.g. {@code http://127.0.0.1:8080}. */
    public String url() {
        var address = service.address();
        return "http://" + address.getHostString() + ":" + address.getPort();
    }

    /**
     * Takes over a generation that {@code semdex reindex} built and marked READY: a second
     * streaming job replays the topic into it from the offsets the reindex started at; once that
     * job's committed offsets reach the end of the topic, CURRENT switches to it, and the old job
     * stops. The query service moves over on its next refresh, with no failed request.
     */
    private synchronized void adoptReadyGeneration() {
        try {
            IndexLayout layout = new IndexLayout(jobConfig.indexRoot());
            int live = layout.current().map(Generation::number).orElse(0);
            for (int n = layout.latestNumber(); n > live; n--) {
                Generation candidate = layout.generation(n);
                Optional<Handoff> handoff = Handoff.read(candidate);
                if (handoff.isPresent()) {
                    adopt(layout, candidate, handoff.get());
                    return;
                }
            }
        } catch (Exception e) {
            LOG.error("Taking over a reindexed generation failed; the live generation stays: {}", e.getMessage(), e);
        }
    }

    private void adopt(IndexLayout layout, Generation generation, Handoff handoff) throws Exception {
        long start = System.nanoTime();
        LOG.info("{} is ready: replaying {} from {} into it before switching", generation.name(), jobConfig.topic(), handoff.offsets());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(jobConfig.parallelism(), flink);
        IngestJob.buildCatchUp(env, jobConfig, generation, handoff);
        JobClient catchUp = env.executeAsync("semdex ingest " + generation.name());
        String group = jobConfig.groupId() + "-" + generation.name();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            while (!caughtUp(admin, group, handoff)) {
                Thread.sleep(250);
            }
        }
        layout.switchTo(generation);
        JobClient old = job;
        job = catchUp;
        cancel(old);
        deleteCheckpoints(old);
        List<Generation> removed = layout.prune(2);
        LOG.info("Switched to {} after {} ms of catch-up; removed {}", generation.name(), (System.nanoTime() - start) / 1_000_000,
                removed.stream().map(Generation::name).toList());
    }

    /** True when the group's committed offsets (committed on completed checkpoints) reach every partition's end. */
    private boolean caughtUp(Admin admin, String group, Handoff handoff) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        int partitions = admin.describeTopics(List.of(jobConfig.topic())).allTopicNames().get().get(jobConfig.topic()).partitions().size();
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            latest.put(new TopicPartition(jobConfig.topic(), p), OffsetSpec.latest());
        }
        for (var end : admin.listOffsets(latest).all().get().entrySet()) {
            OffsetAndMetadata done = committed.get(end.getKey());
            long position = done != null ? done.offset() : handoff.offsets().getOrDefault(end.getKey().partition(), 0L);
            if (position < end.getValue().offset()) {
                return false;
            }
        }
        return true;
    }

    /** An old job's retained checkpoints point into the old generation: a later start must not resume from them. */
    private void deleteCheckpoints(JobClient old) {
        Path dir = checkpoints.resolve(old.getJobID().toHexString()); // absent when it never completed one
        try {
            DirectoryTree.delete(dir);
        } catch (java.io.IOException e) {
            LOG.warn("Could not remove the old job's checkpoints in {}: {}", dir, e.getMessage());
        }
    }

    @Override
    public void close() {
        LOG.info("Shutting down: query service, Flink job, Kafka broker");
        handoffs.shutdownNow();
        service.close();
        synchronized (this) {
            cancel(job);
        }
        kafka.close();
    }

    private static void cancel(JobClient job) {
        try {
            job.cancel().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("Cancelling the Flink job did not finish cleanly: {}", e.getMessage());
        }
    }
}
