package io.semdex.ingest;

import io.semdex.core.Generation;
import io.semdex.core.Handoff;
import io.semdex.core.IndexLayout;
import io.semdex.core.Manifest;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.ParseResult;

/**
 * The main class of the job jar, for a Flink cluster:
 *
 * <pre>
 * flink run -d semdex-ingest-job-0.1.0-SNAPSHOT-job.jar \
 *     --bootstrap kafka:9092 --index /data/index --parallelism 2 --checkpoints file:///data/checkpoints
 * </pre>
 *
 * <p>{@code --mode stream} (default) submits the streaming job into the live generation.
 * {@code --mode batch} reads the topic's end offsets, builds {@code gen-N+1} up to them in BATCH
 * mode, waits for the job (run it attached, without {@code -d}) and switches {@code CURRENT} to
 * it; stop the streaming job first, then start it again on the new generation. Without stopping it:
 * {@code --mode handoff} builds the generation and marks it READY, {@code --mode catch-up} streams
 * into it from there with its own model and shard count, and {@code semdex switch} makes it live
 * once that job has caught up (docs/cluster.md). {@code --help} prints every option ({@link IngestOptions#usage()}).
 */
public final class IngestMain {

    private static final Logger LOG = LoggerFactory.getLogger(IngestMain.class);

    private IngestMain() {}

    public static void main(String[] args) throws Exception {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        Request request = read(args, out, err);
        if (request.options() == null) {
            if (request.exitCode() != 0) {
                // Ends `flink run` too: a wrong argument is one line on stderr, not Flink's stack trace of the main method.
                System.exit(request.exitCode());
            }
            return;
        }
        IngestOptions options = request.options();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.configure(flinkSettings(options));
        env.setParallelism(options.job().parallelism());
        switch (options.mode()) {
            case STREAM -> {
                Generation generation = IngestJob.build(env, options.job());
                LOG.info("Submitting '{}' into {}", options.jobName(), generation.dir());
                env.execute(options.jobName());
            }
            case BATCH -> reindex(env, options, true);
            case HANDOFF -> reindex(env, options, false);
            case CATCH_UP -> catchUp(env, options);
        }
    }

    /**
     * Streams into the newest READY generation from the offsets its build read up to, with the model,
     * analyzer and shard count its manifest records, committing offsets as group
     * {@code GROUP-gen-N}; once that group has caught up, {@code semdex switch} makes it live.
     */
    private static void catchUp(StreamExecutionEnvironment env, IngestOptions options) throws Exception {
        IndexLayout layout = new IndexLayout(options.job().indexRoot());
        var ready = Handoff.newestReady(layout).orElseThrow(() -> new IllegalStateException("no generation above the live one is"
                + " marked READY in " + layout.root() + ": build one with --mode handoff first"));
        Generation generation = ready.generation();
        IngestJobConfig config = options.job().following(Manifest.read(generation.manifestFile()));
        env.setParallelism(config.parallelism());
        IngestJob.buildCatchUp(env, config, generation, ready.handoff());
        LOG.info("Submitting '{} {}': {} from {} into {} (model {}, {} shards), offsets committed as group {}", options.jobName(),
                generation.name(), config.topic(), ready.handoff().offsets(), generation.dir(), config.modelPreset(),
                config.parallelism(), config.groupId() + "-" + generation.name());
        env.execute(options.jobName() + " " + generation.name());
    }

    /** What the command line asks for: the options to run with, or (options null) the exit code after {@code --help} or an error. */
    record Request(IngestOptions options, int exitCode) {}

    /**
     * Reads the command line: {@code --help} prints the usage to {@code out} (exit code 0); an unknown
     * option or a bad value prints one line naming the key and a hint to {@code err} (exit code 2).
     */
    static Request read(String[] args, PrintWriter out, PrintWriter err) {
        try {
            ParseResult parsed = IngestOptions.parseArgs(args);
            if (parsed.isUsageHelpRequested()) {
                out.print(IngestOptions.usage());
                out.flush();
                return new Request(null, 0);
            }
            return new Request(IngestOptions.from(parsed), 0);
        } catch (IllegalArgumentException e) {
            err.println("semdex ingest job: " + e.getMessage());
            err.println("Run with --help for the options.");
            return new Request(null, 2);
        }
    }

    /** What the options say about checkpoints; the rest comes from the cluster's configuration. */
    static Configuration flinkSettings(IngestOptions options) {
        Configuration settings = new Configuration();
        if (options.checkpoints() != null) {
            settings.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
            settings.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, options.checkpoints());
        }
        // A cancelled or crashed job's last checkpoint stays, so it can be resumed with `flink run -s`.
        settings.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION, ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        return settings;
    }

    private static void reindex(StreamExecutionEnvironment env, IngestOptions options, boolean switchNow) throws Exception {
        IngestJobConfig config = options.job();
        Map<Integer, Long> end = TopicOffsets.end(config.bootstrapServers(), config.topic());
        Map<Integer, Long> interactiveEnd = TopicOffsets.endIfExists(config.bootstrapServers(), config.interactiveTopic());
        Generation generation = IngestJob.buildReindex(env, config, new ReindexSource.Topic(end, interactiveEnd));
        long start = System.nanoTime();
        env.execute(options.jobName() + " " + generation.name());
        if (!switchNow) {
            new Handoff(config.topic(), end, interactiveEnd).write(generation);
            LOG.info("{} built from {} up to {} in {} ms and marked READY: run the job with --mode catch-up, then semdex switch",
                    generation.name(), config.topic(), end, (System.nanoTime() - start) / 1_000_000);
            return;
        }
        IndexLayout layout = new IndexLayout(config.indexRoot());
        layout.switchTo(generation);
        // The streaming job, submitted again without a savepoint, goes on from where the build stopped.
        // From older committed offsets it would replay records the build saw with no memory of their
        // versions: a stale version sent after a delete would bring the deleted document back.
        TopicOffsets.commit(config.bootstrapServers(), config.topic(), config.groupId(), end);
        if (!interactiveEnd.isEmpty()) {
            TopicOffsets.commit(config.bootstrapServers(), config.interactiveTopic(), config.groupId(), interactiveEnd);
        }
        List<Generation> removed = layout.prune(options.keepGenerations());
        LOG.info("{} built from {} up to {} in {} ms and switched in; consumer group {} set to go on from there; removed {}",
                generation.name(), config.topic(), end, (System.nanoTime() - start) / 1_000_000, config.groupId(),
                removed.stream().map(Generation::name).toList());
    }
}
