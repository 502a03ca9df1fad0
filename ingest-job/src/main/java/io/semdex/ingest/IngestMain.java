package io.semdex.ingest;

import io.semdex.core.DirectoryTree;
import io.semdex.core.Generation;
import io.semdex.core.GenerationCounts;
import io.semdex.core.GenerationGuard;
import io.semdex.core.Handoff;
import io.semdex.core.IndexLayout;
import io.semdex.core.Manifest;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.DeploymentOptions;
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
 *
 * <p>Every mode first checks that the topic keeps every live document ({@link DocumentTopics});
 * {@code batch} and {@code handoff} guard the switch as {@code semdex reindex} does, with its exit
 * codes ({@link GenerationGuard}): a failed build is deleted (1), a detached run is refused (2), an
 * empty or shrunken generation is deleted instead of switched or handed over (3, 4), and {@code batch}
 * refuses to switch under a streaming job that writes the live generation (5).
 */
public final class IngestMain {

    private static final Logger LOG = LoggerFactory.getLogger(IngestMain.class);

    private IngestMain() {}

    public static void main(String[] args) throws Exception {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        int exit = run(args, StreamExecutionEnvironment::getExecutionEnvironment, out, err);
        if (exit != 0) {
            // Ends `flink run` too: a refusal is one line on stderr and an exit code, not Flink's stack trace of the main method.
            System.exit(exit);
        }
    }

    /**
     * Runs what the command line asks for in the environment {@code environments} gives (the
     * cluster's under {@code flink run}); returns the exit code.
     */
    static int run(String[] args, Supplier<StreamExecutionEnvironment> environments, PrintWriter out, PrintWriter err) throws Exception {
        Request request = read(args, out, err);
        if (request.options() == null) {
            return request.exitCode();
        }
        IngestOptions options = request.options();
        IngestJobConfig config = options.job();
        // What can be refused without Kafka is refused first.
        Handoff.Ready ready = options.mode() == IngestOptions.Mode.CATCH_UP ? newestReady(config) : null;
        StreamExecutionEnvironment env = environments.get();
        env.configure(flinkSettings(options));
        env.setParallelism(config.parallelism());
        if (options.mode() == IngestOptions.Mode.BATCH || options.mode() == IngestOptions.Mode.HANDOFF) {
            String refusal = batchRefusal(env, options);
            if (refusal != null) {
                err.println("semdex ingest job: refused: " + refusal + ". Nothing was built.");
                return refusal.startsWith("a streaming job") ? GenerationGuard.EXIT_JOB_RUNNING : GenerationGuard.EXIT_USAGE;
            }
        }
        try {
            // Both lanes' topics are what a later reindex rebuilds from; the interactive one is created here when missing.
            InteractiveTopic.ensure(config.bootstrapServers(), config.topic());
            for (String problem : DocumentTopics.requireDurable(config.bootstrapServers(), List.of(config.topic(), config.interactiveTopic()),
                    options.allowFiniteRetention())) {
                LOG.warn("{} ({} given: going on)", problem, DocumentTopics.OVERRIDE);
            }
        } catch (IllegalStateException e) {
            err.println("semdex ingest job: refused: " + e.getMessage());
            return GenerationGuard.EXIT_USAGE;
        }
        return switch (options.mode()) {
            case STREAM -> {
                Generation generation = IngestJob.build(env, config);
                LOG.info("Submitting '{}' into {}", options.jobName(), generation.dir());
                env.execute(options.jobName());
                yield 0;
            }
            case BATCH -> reindex(env, options, true, err);
            case HANDOFF -> reindex(env, options, false, err);
            case CATCH_UP -> {
                catchUp(env, options, ready);
                yield 0;
            }
        };
    }

    /**
     * Streams into the newest READY generation from the offsets its build read up to, with the model,
     * analyzer and shard count its manifest records, committing offsets as group
     * {@code GROUP-gen-N}; once that group has caught up, {@code semdex switch} makes it live.
     */
    private static void catchUp(StreamExecutionEnvironment env, IngestOptions options, Handoff.Ready ready) throws Exception {
        Generation generation = ready.generation();
        IngestJobConfig config = options.job().following(Manifest.read(generation.manifestFile()));
        env.setParallelism(config.parallelism());
        IngestJob.buildCatchUp(env, config, generation, ready.handoff());
        LOG.info("Submitting '{} {}': {} from {} into {} (model {}, {} shards), offsets committed as group {}", options.jobName(),
                generation.name(), config.topic(), ready.handoff().offsets(), generation.dir(), config.model(),
                config.parallelism(), config.groupId() + "-" + generation.name());
        env.execute(options.jobName() + " " + generation.name());
    }

    private static Handoff.Ready newestReady(IngestJobConfig config) {
        IndexLayout layout = new IndexLayout(config.indexRoot());
        return Handoff.newestReady(layout).orElseThrow(() -> new IllegalStateException("no generation above the live one is"
                + " marked READY in " + layout.root() + ": build one with --mode handoff first"));
    }

    /**
     * Why a batch build must not start, or null: a detached run (it would switch or mark READY before
     * anything is built), or, for {@code batch}, a streaming job writing the live generation.
     */
    private static String batchRefusal(StreamExecutionEnvironment env, IngestOptions options) {
        boolean switchNow = options.mode() == IngestOptions.Mode.BATCH;
        if (!env.getConfiguration().get(DeploymentOptions.ATTACHED)) {
            return (switchNow ? "--mode batch" : "--mode handoff") + " must run attached (flink run without -d): it "
                    + (switchNow ? "switches CURRENT" : "marks the new generation READY") + " when the build has finished, and a"
                    + " detached run returns as soon as the job is submitted";
        }
        if (!switchNow) {
            return null;
        }
        Optional<Generation> live = new IndexLayout(options.job().indexRoot()).current();
        return live.flatMap(GenerationGuard::writtenShard)
                .map(shard -> "a streaming job is writing the live generation " + live.get().name() + " (" + shard.getFileName()
                        + " is held by a writer), and a switch under it would leave it writing " + live.get().name()
                        + ": stop it first (flink stop), or hand over with --mode handoff, --mode catch-up and semdex switch")
                .orElse(null);
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
            return new Request(null, GenerationGuard.EXIT_USAGE);
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

    /** Builds gen-N+1 up to the topic's end and switches to it ({@code batch}) or marks it READY ({@code handoff}), guarded. */
    private static int reindex(StreamExecutionEnvironment env, IngestOptions options, boolean switchNow, PrintWriter err) throws Exception {
        IngestJobConfig config = options.job();
        IndexLayout layout = new IndexLayout(config.indexRoot());
        Optional<Generation> live = layout.current();
        Map<Integer, Long> end = TopicOffsets.end(config.bootstrapServers(), config.topic());
        Map<Integer, Long> interactiveEnd = TopicOffsets.endIfExists(config.bootstrapServers(), config.interactiveTopic());
        long start = System.nanoTime();
        Generation generation = null;
        GenerationCounts built;
        try {
            generation = IngestJob.buildReindex(env, config, new ReindexSource.Topic(end, interactiveEnd)); // deletes what it made if it fails
            env.execute(options.jobName() + " " + generation.name());
            built = GenerationCounts.of(generation);
        } catch (Exception | Error e) {
            String what = generation == null ? "the new generation" : generation.name();
            if (generation != null) {
                DirectoryTree.delete(generation.dir()); // half a generation is of no use to anyone; the live one is untouched
            }
            err.println("semdex ingest job: the build failed (" + e.getMessage() + "); " + what + " deleted, "
                    + live.map(g -> "CURRENT stays " + g.name()).orElse("CURRENT stays unset"));
            LOG.error("The build of {} failed; deleted it", what, e);
            return GenerationGuard.EXIT_FAILED;
        }
        Optional<GenerationCounts> liveCounts = live.isPresent() ? Optional.of(GenerationCounts.of(live.get())) : Optional.empty();
        Optional<GenerationGuard.Refusal> refusal = GenerationGuard.shrink(built, live, liveCounts, options.allowShrink());
        if (refusal.isPresent()) {
            DirectoryTree.delete(generation.dir());
            err.printf("semdex ingest job: refused: %s; %s deleted, %s (--allow-shrink to %s anyway)%n", refusal.get().reason(),
                    generation.name(), live.map(g -> "CURRENT stays " + g.name()).orElse("CURRENT stays unset"),
                    switchNow ? "switch" : "hand over");
            err.flush();
            return refusal.get().exitCode();
        }
        if (!switchNow) {
            new Handoff(config.topic(), end, interactiveEnd).write(generation);
            LOG.info("{} built from {} up to {} in {} ms ({} documents) and marked READY: run the job with --mode catch-up, then"
                    + " semdex switch", generation.name(), config.topic(), end, (System.nanoTime() - start) / 1_000_000, built.documents());
            return 0;
        }
        layout.switchTo(generation);
        // The streaming job, submitted again without a savepoint, goes on from where the build stopped.
        // From older committed offsets it would replay records the build saw with no memory of their
        // versions: a stale version sent after a delete would bring the deleted document back.
        TopicOffsets.commit(config.bootstrapServers(), config.topic(), config.groupId(), end);
        if (!interactiveEnd.isEmpty()) {
            TopicOffsets.commit(config.bootstrapServers(), config.interactiveTopic(), config.groupId(), interactiveEnd);
        }
        List<Generation> removed = layout.prune(options.keepGenerations());
        LOG.info("{} built from {} up to {} in {} ms ({} documents) and switched in; consumer group {} set to go on from there;"
                + " removed {}", generation.name(), config.topic(), end, (System.nanoTime() - start) / 1_000_000, built.documents(),
                config.groupId(), removed.stream().map(Generation::name).toList());
        return 0;
    }
}
