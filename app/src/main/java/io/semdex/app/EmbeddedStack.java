package io.semdex.app;

import io.semdex.ingest.IngestJob;
import io.semdex.ingest.IngestJobConfig;
import io.semdex.query.QueryService;
import io.semdex.query.QueryServiceConfig;
import java.nio.file.Path;
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
    private final JobClient job;
    private final QueryService service;
    private final IngestJobConfig jobConfig;

    private EmbeddedStack(EmbeddedKafka kafka, JobClient job, QueryService service, IngestJobConfig jobConfig) {
        this.kafka = kafka;
        this.job = job;
        this.service = service;
        this.jobConfig = jobConfig;
    }

    /**
     * @param host address the query service binds to
     * @param port query service port, 0 for any free one
     */
    public record Options(Path dataDir, String host, int port, String modelPreset, int parallelism, Duration checkpointInterval) {}

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
                    jobConfig.indexRoot(), options.modelPreset(), kafka.bootstrapServers(), jobConfig.topic(), 100));
            return new EmbeddedStack(kafka, job, service, jobConfig);
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

    @Override
    public void close() {
        LOG.info("Shutting down: query service, Flink job, Kafka broker");
        service.close();
        cancel(job);
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
