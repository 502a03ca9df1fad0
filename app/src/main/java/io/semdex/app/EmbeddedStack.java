package io.semdex.app;

import io.semdex.core.DirectoryTree;
import io.semdex.core.Generation;
import io.semdex.core.Handoff;
import io.semdex.core.IndexLayout;
import io.semdex.core.Manifest;
import io.semdex.embed.EmbedOperator;
import io.semdex.embed.Embedder;
import io.semdex.embed.EmbedderSpec;
import io.semdex.embed.SharedEmbedders;
import io.semdex.embed.Slot;
import io.semdex.ingest.DocumentTopics;
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
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
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
    /** What the running job embeds with and how many shards it writes; a handoff to a generation of another model changes it. */
    private volatile IngestJobConfig jobConfig;
    private final Configuration flink;
    private final Path checkpoints;
    private final ScheduledExecutorService handoffs;
    /*
     * The steps of a stop and their limits, within one StopBudget (25 s): each step also leaves what
     * the steps after it need, so a step that overruns shortens only those that can wait less.
     */
    /** How long a stop waits for the job to read what Kafka holds before it takes the savepoint. */
    private static final Duration CATCH_UP_PATIENCE = Duration.ofSeconds(5);
    /** How long the savepoint may take before the job is cancelled instead (its last checkpoint then counts). */
    private static final Duration SAVEPOINT_PATIENCE = Duration.ofSeconds(10);
    /** How long a cancel may take (after a failed savepoint, or of a catch-up job a stop interrupts). */
    private static final Duration CANCEL_PATIENCE = Duration.ofSeconds(5);
    /** How long the query service may finish the requests it is answering. */
    private static final Duration HTTP_PATIENCE = Duration.ofSeconds(3);
    /** Kept for the broker's shutdown, the last step. */
    private static final Duration KAFKA_PATIENCE = Duration.ofSeconds(2);

    private volatile JobClient job;
    private volatile boolean stopped;
    /** The generation the running job took over from a reindex; null while the first job runs. */
    private volatile Generation adopted;

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
        handoffs.schedule(this::removeSupersededCheckpoints, 1, TimeUnit.SECONDS);
    }

    /**
     * How often the demo's job checkpoints: a document is searchable once the checkpoint after it
     * completes, so this bounds how fresh a write is.
     */
    public static final Duration DEMO_CHECKPOINT_INTERVAL = Duration.ofMillis(500);

    /**
     * @param host address the query service binds to
     * @param port query service port, 0 for any free one
     * @param model what the job embeds with and the query service embeds queries with, unless the
     *     index's live generation was built with another model (then that one)
     * @param access API key, CORS, rate limit and body limit of the query service
     */
    public record Options(Path dataDir, String host, int port, EmbedderSpec model, int parallelism, Duration checkpointInterval,
            AccessPolicy access) {

        /** With the default access policy: no key, no CORS, no rate limit. */
        public Options(Path dataDir, String host, int port, EmbedderSpec model, int parallelism, Duration checkpointInterval) {
            this(dataDir, host, port, model, parallelism, checkpointInterval, AccessPolicy.DEFAULT);
        }
    }

    public static EmbeddedStack start(Options options) throws Exception {
        Path data = options.dataDir().toAbsolutePath();
        EmbeddedKafka kafka = EmbeddedKafka.start(data.resolve("kafka"));
        JobClient job = null;
        try {
            IngestJobConfig jobConfig = liveGenerationOf(IngestJobConfig.defaults(kafka.bootstrapServers(), data.resolve("index"))
                    .withModel(options.model())
                    .withParallelism(options.parallelism())
                    .withCheckpointInterval(options.checkpointInterval()));
            for (String changed : kafka.createDocumentTopics(Map.of(jobConfig.topic(), Math.max(2, jobConfig.parallelism())))) {
                LOG.warn("{}: made it a compacted log keyed by document id, so that it keeps every live document", changed);
            }
            kafka.createTopics(Map.of(jobConfig.deadLetterTopic(), 1));
            DocumentTopics.requireDurable(kafka.bootstrapServers(), List.of(jobConfig.topic()), false);

            Configuration flink = new Configuration();
            flink.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
            flink.set(RestOptions.BIND_PORT, "0");
            flink.set(TaskManagerOptions.NUM_TASK_SLOTS, Math.max(2, jobConfig.parallelism()));
            // The embed tasks run in this JVM beside the query service: one model instance serves both.
            flink.set(EmbedOperator.SHARE_MODEL, true);
            checkpointMode(flink);
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
            StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(jobConfig.parallelism(), flink);
            IngestJob.build(env, jobConfig);
            job = env.executeAsync("semdex ingest");
            LOG.info("Flink job {} submitted to the embedded MiniCluster", job.getJobID());

            QueryService service = QueryService.start(new QueryServiceConfig(options.host(), options.port(),
                    jobConfig.indexRoot(), jobConfig.model(), kafka.bootstrapServers(), jobConfig.topic(), 100)
                    .withAccess(options.access()));
            return new EmbeddedStack(kafka, job, service, jobConfig, flink, checkpoints);
        } catch (Exception | Error e) {
            if (job != null) {
                cancel(job, CANCEL_PATIENCE);
            }
            kafka.close();
            throw e;
        }
    }

    /**
     * The job's checkpoints are unaligned (its default, {@link IngestJob}); {@code -Dsemdex.checkpoints=aligned}
     * or {@code =debloat} (aligned, with Flink's buffer debloating) runs the alternatives, for measuring
     * the choice with {@code semdex bench pipeline}.
     */
    private static void checkpointMode(Configuration flink) {
        String mode = System.getProperty("semdex.checkpoints", "unaligned");
        switch (mode) {
            case "unaligned" -> { }
            case "aligned" -> flink.set(CheckpointingOptions.ENABLE_UNALIGNED, false);
            case "debloat" -> {
                flink.set(CheckpointingOptions.ENABLE_UNALIGNED, false);
                flink.set(TaskManagerOptions.BUFFER_DEBLOAT_ENABLED, true);
            }
            default -> throw new IllegalArgumentException("semdex.checkpoints must be unaligned, aligned or debloat, got '" + mode + "'");
        }
        if (!mode.equals("unaligned")) {
            LOG.info("Checkpoints: {} (semdex.checkpoints)", mode);
        }
    }

    /**
     * {@code config}, or, when the index's live generation was built with another model or shard
     * count (a reindex switched models), the configuration that generation's manifest describes: the
     * index decides what its job embeds with, so a restart after a model switch goes on with the new model.
     */
    private static IngestJobConfig liveGenerationOf(IngestJobConfig config) {
        Optional<Generation> live = new IndexLayout(config.indexRoot()).current();
        if (live.isEmpty()) {
            return config;
        }
        Manifest manifest = Manifest.read(live.get().manifestFile());
        EmbedderSpec asked = config.model();
        if (manifest.sameModel(asked.preset().id(), asked.preset().dimensions()) && manifest.shardCount() == config.parallelism()) {
            return config;
        }
        LOG.warn("The live generation {} was built with model '{}' ({} dimensions) in {} shards, not '{}' with parallelism {}:"
                        + " running with the generation's (semdex reindex --model switches models)",
                live.get().name(), manifest.modelSpecOrId(), manifest.dimensions(), manifest.shardCount(), config.model(),
                config.parallelism());
        return config.following(manifest);
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

    /** The running ingest job's accumulators: the embed stage's units embedded and reused, dead letters per stage. */
    public Map<String, Object> jobAccumulators() throws Exception {
        return job.getAccumulators().get(30, TimeUnit.SECONDS);
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
     *
     * <p>A hand-over that cannot finish (the new model does not open, the catch-up job ends or makes
     * no progress for {@link #CATCH_UP_STALL}) is given up: the generation is marked FAILED with the
     * reason ({@code /api/status} shows it, the log says it), and the live generation and its job go on.
     */
    private synchronized void adoptReadyGeneration() {
        try {
            IndexLayout layout = new IndexLayout(jobConfig.indexRoot());
            var ready = Handoff.newestReady(layout);
            if (ready.isPresent()) {
                adopt(layout, ready.get().generation(), ready.get().handoff());
            }
        } catch (InterruptedException e) {
            LOG.info("Stopped while taking over a reindexed generation; it stays READY for the next start");
        } catch (Exception e) {
            LOG.error("Taking over a reindexed generation failed; the live generation stays: {}", e.getMessage(), e);
        }
    }

    /** How long a catch-up job may make no progress before its hand-over is given up. */
    static final Duration CATCH_UP_STALL = Duration.ofMinutes(2);

    private void adopt(IndexLayout layout, Generation generation, Handoff handoff) throws Exception {
        long start = System.nanoTime();
        IngestJobConfig next;
        Embedder model;
        try {
            // The new generation may have another model, dimension count and shard count: its manifest says which.
            next = jobConfig.following(Manifest.read(generation.manifestFile()));
            // Opened first, here: the catch-up job's tasks and the query service share this instance (one JVM), and a model that
            // cannot be opened fails the hand-over now, not in a job that would restart for ever.
            model = SharedEmbedders.acquire(next.model(), Slot.SINGLE);
        } catch (RuntimeException e) {
            giveUp(generation, "its model cannot be opened: " + e.getMessage());
            return;
        }
        try (model) {
            LOG.info("{} is ready: replaying {} from {} into it before switching (model {}, {} shards)", generation.name(),
                    jobConfig.topic(), handoff.offsets(), next.model(), next.parallelism());
            Configuration settings = new Configuration(flink);
            settings.set(TaskManagerOptions.NUM_TASK_SLOTS, Math.max(2, next.parallelism()));
            StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(next.parallelism(), settings);
            IngestJob.buildCatchUp(env, next, generation, handoff);
            JobClient catchUp = env.executeAsync("semdex ingest " + generation.name());
            String group = jobConfig.groupId() + "-" + generation.name();
            String stuck;
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
                stuck = awaitCatchUp(admin, catchUp, group, handoff);
            } catch (Exception e) {
                cancel(catchUp, CANCEL_PATIENCE); // a stop while catching up: the generation stays READY for the next start
                throw e;
            }
            if (stuck != null) {
                cancel(catchUp, CANCEL_PATIENCE);
                giveUp(generation, stuck);
                return;
            }
            layout.switchTo(generation);
            JobClient old = job;
            job = catchUp;
            jobConfig = next;
            adopted = generation;
            cancel(old, Duration.ofSeconds(30));
            deleteCheckpoints(old);
        }
        List<Generation> removed = layout.prune(2);
        LOG.info("Switched to {} after {} ms of catch-up; removed {}", generation.name(), (System.nanoTime() - start) / 1_000_000,
                removed.stream().map(Generation::name).toList());
    }

    /**
     * Waits until the catch-up job's committed offsets reach the end of the topic; returns null then,
     * or why it never will: the job ended, or its offsets did not move for {@link #CATCH_UP_STALL}.
     */
    private String awaitCatchUp(Admin admin, JobClient catchUp, String group, Handoff handoff) throws Exception {
        long lastMove = System.nanoTime();
        long lastPosition = -1;
        while (true) {
            Progress progress = progress(admin, group, handoff);
            if (progress.behind() == 0) {
                return null;
            }
            JobStatus status = catchUp.getJobStatus().get(30, TimeUnit.SECONDS);
            if (status.isGloballyTerminalState()) {
                return "its catch-up job ended " + status + " " + progress.behind() + " records short of the end of the topic";
            }
            if (progress.position() != lastPosition) {
                lastPosition = progress.position();
                lastMove = System.nanoTime();
            } else if (System.nanoTime() - lastMove > CATCH_UP_STALL.toNanos()) {
                return "its catch-up job read nothing for " + CATCH_UP_STALL.toSeconds() + " s (" + status + ", " + progress.behind()
                        + " records behind)";
            }
            Thread.sleep(250);
        }
    }

    /** Marks {@code generation}'s hand-over failed, so it is not tried again every second; the live generation goes on. */
    private void giveUp(Generation generation, String reason) {
        Handoff.fail(generation, reason);
        LOG.error("Giving up the hand-over of {}: {}; {} stays live and its job goes on (/api/status says so; a new reindex builds a"
                + " new generation)", generation.name(), reason, new IndexLayout(jobConfig.indexRoot()).current().map(Generation::name)
                .orElse("nothing"));
    }

    /**
     * How far a consumer group is: records of both lanes' topics between its committed offsets (or,
     * where it has none, the handoff's start offsets, else 0) and the topics' ends, and the sum of its
     * committed offsets, which moves while it reads.
     */
    private record Progress(long behind, long position) {}

    private Progress progress(Admin admin, String group, Handoff handoff) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        long position = 0;
        for (var done : committed.values()) {
            position += done.offset();
        }
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (String topic : List.of(jobConfig.topic(), jobConfig.interactiveTopic())) {
            int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
            for (int p = 0; p < partitions; p++) {
                latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
        }
        long behind = 0;
        for (var end : admin.listOffsets(latest).all().get().entrySet()) {
            OffsetAndMetadata done = committed.get(end.getKey());
            Map<Integer, Long> start = handoff == null ? Map.of()
                    : end.getKey().topic().equals(jobConfig.topic()) ? handoff.offsets() : handoff.interactiveOffsets();
            long read = done != null ? done.offset() : start.getOrDefault(end.getKey().partition(), 0L);
            behind += Math.max(0, end.getValue().offset() - read);
        }
        return new Progress(behind, position);
    }

    /**
     * Each stop or restart leaves a job's folder of checkpoints behind. They are removed once the
     * running job has completed a checkpoint of its own, not before: until then, the one it resumed
     * from is what the next start needs if this job fails first.
     */
    private void removeSupersededCheckpoints() {
        try {
            if (Checkpoints.removeSupersededBy(checkpoints, job.getJobID().toHexString())) {
                return;
            }
        } catch (RuntimeException e) {
            LOG.warn("Could not remove earlier jobs' checkpoints in {}: {}", checkpoints, e.getMessage());
            return;
        }
        if (!handoffs.isShutdown()) {
            handoffs.schedule(this::removeSupersededCheckpoints, 1, TimeUnit.SECONDS);
        }
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

    /**
     * Stops in order, within {@link StopBudget#DEFAULT}: documents are refused (503) from the first
     * moment; the job reads what Kafka holds (up to {@link #CATCH_UP_PATIENCE}) and stops with a
     * savepoint (up to {@link #SAVEPOINT_PATIENCE}, else it is cancelled and its last checkpoint
     * counts), whose completion publishes every shard, so the index holds everything it has read and
     * the next start resumes right after it; then the query service lets its searches finish and
     * closes, and the broker shuts down. What the job had not read yet stays in Kafka for the next start.
     */
    @Override
    public void close() {
        stop(StopBudget.start(StopBudget.DEFAULT));
    }

    /** As {@link #close()}, within what is left of {@code budget} (started when the stop was asked for). */
    void stop(StopBudget budget) {
        if (stopped) {
            return;
        }
        stopped = true;
        long start = System.nanoTime();
        LOG.info("Stopping: documents are refused from now on; searches go on until the index is final");
        service.stopAccepting();
        handoffs.shutdownNow(); // a catch-up in progress is cancelled; its generation stays READY for the next start
        try {
            handoffs.awaitTermination(budget.step(CANCEL_PATIENCE, SAVEPOINT_PATIENCE.plus(HTTP_PATIENCE).plus(KAFKA_PATIENCE)).toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            stopJob(job, budget);
        }
        service.close(budget.step(HTTP_PATIENCE, KAFKA_PATIENCE));
        LOG.info("Query service stopped; shutting down the Kafka broker");
        closeKafka(budget.remaining());
        LOG.info("Stopped in {} ms", (System.nanoTime() - start) / 1_000_000);
    }

    /** Shuts the broker down, waiting at most {@code patience}: its log recovers at the next start if it is cut short. */
    private void closeKafka(Duration patience) {
        Thread shutdown = new Thread(kafka::close, "semdex-kafka-shutdown");
        shutdown.setDaemon(true);
        shutdown.start();
        try {
            shutdown.join(Math.max(1, patience.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (shutdown.isAlive()) {
            LOG.warn("The Kafka broker did not shut down within {} ms; going on (its log recovers at the next start)", patience.toMillis());
        }
    }

    /** Lets the job catch up with the topic for a moment, then stops it with a savepoint (or, failing that, cancels it). */
    private void stopJob(JobClient job, StopBudget budget) {
        long start = System.nanoTime();
        String group = currentGroup();
        long behind = -1;
        Duration catchUp = budget.step(CATCH_UP_PATIENCE, SAVEPOINT_PATIENCE.plus(HTTP_PATIENCE).plus(KAFKA_PATIENCE));
        int timeout = (int) Math.max(1000, catchUp.toMillis()); // the API timeout may not be below the request timeout
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeout, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeout))) {
            long deadline = start + catchUp.toNanos();
            while ((behind = progress(admin, group, null).behind()) > 0 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
        } catch (Exception e) {
            LOG.warn("Could not compare the job's offsets with the topic's end: {}", e.getMessage());
        }
        if (behind == 0) {
            LOG.info("The job has read every accepted document; stopping it with a savepoint");
        } else {
            LOG.info("The job is {} records behind after {} ms; stopping it with a savepoint now, it reads them at the next start",
                    behind < 0 ? "an unknown number of" : behind, (System.nanoTime() - start) / 1_000_000);
        }
        Path target = checkpoints.resolve(job.getJobID().toHexString());
        Duration savepoint = budget.step(SAVEPOINT_PATIENCE, CANCEL_PATIENCE.plus(HTTP_PATIENCE).plus(KAFKA_PATIENCE));
        try {
            String path = job.stopWithSavepoint(false, target.toUri().toString(), SavepointFormatType.CANONICAL)
                    .get(Math.max(1, savepoint.toMillis()), TimeUnit.MILLISECONDS);
            LOG.info("Flink job stopped with savepoint {} in {} ms", path, (System.nanoTime() - start) / 1_000_000);
        } catch (Exception e) {
            LOG.warn("Stopping the Flink job with a savepoint failed within {} ms ({}); cancelling it: the next start resumes from its"
                    + " last checkpoint", savepoint.toMillis(), e.getMessage());
            cancel(job, budget.step(CANCEL_PATIENCE, HTTP_PATIENCE.plus(KAFKA_PATIENCE)));
        }
    }

    /** The consumer group whose offsets the running job commits: that of the generation it took over, if it took one over. */
    private String currentGroup() {
        Generation generation = adopted;
        return generation == null ? jobConfig.groupId() : jobConfig.groupId() + "-" + generation.name();
    }

    private static void cancel(JobClient job, Duration patience) {
        try {
            job.cancel().get(Math.max(1, patience.toMillis()), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.warn("Cancelling the Flink job did not finish cleanly within {} ms: {}", patience.toMillis(), e.getMessage());
        }
    }
}
