package io.semdex.app;

import io.semdex.app.eval.GenerationCalibrator;
import io.semdex.core.DirectoryTree;
import io.semdex.core.Generation;
import io.semdex.core.GenerationCounts;
import io.semdex.core.GenerationGuard;
import io.semdex.core.Handoff;
import io.semdex.core.IndexLayout;
import io.semdex.core.IndexOptions;
import io.semdex.core.Lane;
import io.semdex.core.Manifest;
import io.semdex.embed.EmbedderSpec;
import io.semdex.embed.ModelPresets;
import io.semdex.ingest.DocumentTopics;
import io.semdex.ingest.ExportFiles;
import io.semdex.ingest.IngestJob;
import io.semdex.ingest.IngestJobConfig;
import io.semdex.ingest.ReindexSource;
import io.semdex.ingest.TopicOffsets;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code semdex reindex}: builds a new generation from a bounded source, checks that it is not
 * empty or much smaller than the live one, then hands it over or switches to it.
 */
@Command(name = "reindex", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Builds a new index generation from the whole topic (up to its end offsets now) or from an export"
                + " (--file: what `semdex produce` reads, through the same code: a JSONL file, or a directory of JSONL, JSON,"
                + " HTML, Markdown and text files), with the same job graph in Flink BATCH mode, and prints what it read and"
                + " indexed. A running streaming job (semdex demo) then catches the new generation up from those offsets and"
                + " switches to it; with --switch the switch happens at once.",
                "",
                "A new generation that holds no document, or fewer than half the live generation's documents, is neither"
                + " switched in nor handed over unless --allow-shrink is given: it is deleted, the live generation stays, and"
                + " the command exits with 3 (empty) or 4 (shrunk). --switch is refused while a streaming job writes the live"
                + " generation (a running demo, or a job on a cluster): leave it out to hand the new generation over to that job."
                + " The topic must keep every live document (a compacted log): one that forgets is refused before anything is"
                + " built, with the command that fixes it.",
                ""},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {
                "0:the new generation was switched in or handed over",
                "1:the job failed (the unfinished generation is deleted)",
                "2:bad options, or Kafka (--bootstrap, --topic) cannot be read, or the topic would forget documents",
                "3:refused: the new generation holds no document",
                "4:refused: it holds fewer than half the live generation's documents",
                "5:refused: --switch while a streaming job writes the live generation"})
final class ReindexCommand implements Callable<Integer> {

    static final int EXIT_USAGE = GenerationGuard.EXIT_USAGE;
    static final int EXIT_EMPTY = GenerationGuard.EXIT_EMPTY;
    static final int EXIT_SHRINK = GenerationGuard.EXIT_SHRINK;
    static final int EXIT_JOB_RUNNING = GenerationGuard.EXIT_JOB_RUNNING;
    /** Prefix of the job's accumulators counting dead-lettered records, one per stage. */
    static final String DEAD_LETTERS = "semdex.dead-letters.";
    private static final List<String> STAGES = List.of("parse", "split", "embed", "index");

    @Option(names = "--index", required = true, paramLabel = "DIR", description = "Index root (e.g. the demo's DATA/index).")
    Path index;

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", description = "Kafka bootstrap servers: needed to reindex the topic,"
            + " to hand over to a running job, and to send dead letters to their topic (default, where needed: the running local"
            + " demo's, recorded beside its index as DATA/kafka.address, or, with --switch, in the file the last demo started"
            + " records itself in).")
    String bootstrap;

    @Option(names = "--topic", defaultValue = IngestJobConfig.DEFAULT_TOPIC, description = "Input topic (default: ${DEFAULT-VALUE}).")
    String topic;

    @Option(names = "--file", paramLabel = "PATH", description = "Reindex from an export instead of the topic: a JSONL file, or a"
            + " directory of JSONL / JSON / HTML / Markdown / text files, read exactly as `semdex produce` reads it.")
    Path file;

    /** With --file: how the export is read, exactly as `semdex produce` reads it. */
    @Mixin
    ExportOptions exportOptions = new ExportOptions();

    @Option(names = "--model", paramLabel = "SPEC", converter = ModelSpecConverter.class,
            description = "Embedding model spec of the new generation (default: the live"
            + " generation's, else " + ModelPresets.DEFAULT + "). Another model than the live one is a model switch: the running"
            + " job catches the new generation up with it, and the query service swaps its query model together with the"
            + " generation.")
    EmbedderSpec model;

    @Option(names = "--parallelism", defaultValue = "1", description = "Shards of the new generation (default: ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(names = "--quantization", defaultValue = "none", description = "Vector quantization: none, int8 or int4 (default: ${DEFAULT-VALUE}).")
    String quantization;

    @Option(names = "--switch", description = "Switch CURRENT to the new generation as soon as it is built (no streaming job to hand over to).")
    boolean switchNow;

    @Option(names = "--allow-shrink", description = "Switch in (or hand over) a new generation even when it holds no document or"
            + " fewer than half the live generation's documents.")
    boolean allowShrink;

    @Option(names = DocumentTopics.OVERRIDE, description = "Reindex from a topic that would forget documents (not a compacted"
            + " log, and a retention time or size) anyway: the new generation then holds only what the topic still holds.")
    boolean allowFiniteRetention;

    @Option(names = "--keep", defaultValue = "2", description = "Generations to keep on disk after a switch, the live one included (default: ${DEFAULT-VALUE}).")
    int keep;

    @Spec
    CommandSpec spec;

    /** Where a running demo records its address; a field so tests can point it elsewhere. */
    Path wellKnownAddress = DemoAddress.wellKnownFile();

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (bootstrap == null && (file == null || !switchNow)) {
            bootstrap = localDemo(err);
            if (bootstrap == null) {
                return EXIT_USAGE;
            }
        }
        String problem = problem();
        if (problem != null) {
            err.println("semdex reindex: " + problem);
            err.flush();
            return EXIT_USAGE;
        }
        IndexLayout layout = new IndexLayout(index);
        Optional<Generation> live = layout.current();
        if (switchNow) {
            String running = runningJob(live);
            if (running != null) {
                err.println("semdex reindex: refused: " + running + ". Leave out --switch to hand the new generation over to it"
                        + " (a running demo takes it over itself; on a cluster, run the job jar's --mode catch-up, then semdex switch),"
                        + " or stop the job first. Nothing was built.");
                err.flush();
                return EXIT_JOB_RUNNING;
            }
        }
        if (file == null) {
            try {
                for (String warning : DocumentTopics.requireDurable(bootstrap, List.of(topic), allowFiniteRetention)) {
                    err.println("semdex reindex: warning: " + warning + " (" + DocumentTopics.OVERRIDE + ": going on)");
                }
            } catch (IllegalStateException e) {
                err.println("semdex reindex: refused: " + e.getMessage());
                err.flush();
                return EXIT_USAGE;
            }
        }
        Map<Integer, Long> endOffsets;
        Map<Integer, Long> interactiveEndOffsets;
        try {
            endOffsets = bootstrap == null ? Map.of() : TopicOffsets.end(bootstrap, topic);
            // Documents written through the API live in the interactive lane's topic: a reindex that left it out would lose them.
            interactiveEndOffsets = bootstrap == null ? Map.of() : TopicOffsets.endIfExists(bootstrap, Lane.INTERACTIVE.topic(topic));
        } catch (Exception e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            err.println("semdex reindex: cannot read where topic '" + topic + "' ends at " + bootstrap + ": " + cause.getMessage()
                    + " (is Kafka running there, and does the topic exist?)");
            err.flush();
            return EXIT_USAGE;
        }
        if (model == null) {
            model = live.map(g -> EmbedderSpec.parse(Manifest.read(g.manifestFile()).modelSpecOrId()))
                    .orElseGet(EmbedderSpec::defaultModel);
        }
        IngestJobConfig config = IngestJobConfig.defaults(bootstrap, index)
                .withTopic(topic)
                .withModel(model)
                .withParallelism(parallelism)
                .withIndexOptions(IndexOptions.DEFAULT.withQuantization(quantization));
        int filesRead = 0;
        int filesSkipped = 0;
        ReindexSource reindexSource;
        if (file != null) {
            ExportFiles.Options options = exportOptions.toOptions();
            ExportFiles export = ExportFiles.scan(file, options);
            filesRead = export.files().size();
            filesSkipped = export.skipped().size();
            reindexSource = new ReindexSource.Export(file.toAbsolutePath().toString(), options);
        } else {
            reindexSource = new ReindexSource.Topic(endOffsets, interactiveEndOffsets);
        }

        Configuration flink = new Configuration();
        flink.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        flink.set(RestOptions.BIND_PORT, "0");
        flink.set(TaskManagerOptions.NUM_TASK_SLOTS, Math.max(2, parallelism));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(parallelism, flink);
        long start = System.nanoTime();
        Generation generation = IngestJob.buildReindex(env, config, reindexSource);
        err.printf("Building %s from %s ...%n", generation.name(), file != null ? file : "topic " + topic + " up to " + endOffsets
                + (interactiveEndOffsets.isEmpty() ? "" : " and " + Lane.INTERACTIVE.topic(topic) + " up to " + interactiveEndOffsets));
        err.flush();
        JobExecutionResult result;
        GenerationCounts built;
        try {
            result = env.execute("semdex reindex " + generation.name());
            built = GenerationCounts.of(generation);
        } catch (Exception | Error e) {
            DirectoryTree.delete(generation.dir()); // half a generation is of no use to anyone; the live one is untouched
            throw e;
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Optional<GenerationCounts> liveCounts = live.isPresent() ? Optional.of(GenerationCounts.of(live.get())) : Optional.empty();

        out.printf("Reindexed %s into %s in %.1f s%n", file != null ? file : "topic " + topic, generation.name(), seconds);
        Map<String, Long> accumulators = longs(result.getAllAccumulatorResults());
        if (file != null) {
            out.printf("  files read        %d (%d skipped: not document files, or excluded)%n", filesRead, filesSkipped);
            out.printf("  records read      %d (%d break the input contract)%n", accumulators.getOrDefault(ReindexSource.RECORDS_READ, 0L),
                    accumulators.getOrDefault(ReindexSource.RECORDS_INVALID, 0L));
        } else {
            out.printf("  records read      %d (the topic's offsets up to %s%s)%n",
                    endOffsets.values().stream().mapToLong(Long::longValue).sum()
                            + interactiveEndOffsets.values().stream().mapToLong(Long::longValue).sum(), endOffsets,
                    interactiveEndOffsets.isEmpty() ? "" : ", the interactive lane's up to " + interactiveEndOffsets);
        }
        out.printf("  documents         %d%s%n", built.documents(),
                live.map(g -> " (live " + g.name() + ": " + liveCounts.get().documents() + ")").orElse(" (no live generation)"));
        out.printf("  units             %d%s%n", built.units(),
                live.map(g -> " (live " + g.name() + ": " + liveCounts.get().units() + ")").orElse(""));
        Map<String, Long> deadLetters = new TreeMap<>();
        STAGES.forEach(stage -> deadLetters.put(stage, 0L));
        accumulators.forEach((name, value) -> {
            if (name.startsWith(DEAD_LETTERS)) {
                deadLetters.put(name.substring(DEAD_LETTERS.length()), value);
            }
        });
        StringBuilder byStage = new StringBuilder();
        STAGES.forEach(stage -> byStage.append(byStage.isEmpty() ? "" : ", ").append(stage).append(' ').append(deadLetters.get(stage)));
        deadLetters.forEach((stage, count) -> {
            if (!STAGES.contains(stage)) {
                byStage.append(", ").append(stage).append(' ').append(count);
            }
        });
        out.printf("  dead-lettered     %d (%s)%n", deadLetters.values().stream().mapToLong(Long::longValue).sum(), byStage);
        out.flush();

        Optional<GenerationGuard.Refusal> refusal = GenerationGuard.shrink(built, live, liveCounts, allowShrink);
        if (refusal.isPresent()) {
            DirectoryTree.delete(generation.dir());
            err.printf("semdex reindex: refused: %s%s; %s deleted, %s (--allow-shrink to %s anyway)%n", refusal.get().reason(),
                    built.documents() == 0 && file != null ? " (read from " + file + ")" : "", generation.name(),
                    live.map(g -> "CURRENT stays " + g.name()).orElse("CURRENT stays unset"), switchNow ? "switch" : "hand over");
            err.flush();
            return refusal.get().exitCode();
        }
        out.println(GenerationCalibrator.calibrate(generation));
        String startedMeanwhile = switchNow ? runningJob(live) : null;
        if (startedMeanwhile != null) {
            if (bootstrap == null) {
                DirectoryTree.delete(generation.dir());
                err.printf("semdex reindex: refused: %s, started while this reindex ran; %s deleted (with --bootstrap it would have"
                        + " been handed over to the job)%n", startedMeanwhile, generation.name());
                err.flush();
                return EXIT_JOB_RUNNING;
            }
            new Handoff(topic, endOffsets).write(generation);
            out.printf("%s marked READY instead of switched in: %s, started while this reindex ran; it replays %s from %s into"
                    + " %s, then switches to it%n", generation.name(), startedMeanwhile, topic, endOffsets, generation.name());
        } else if (switchNow) {
            layout.switchTo(generation);
            List<Generation> removed = layout.prune(keep);
            out.printf("%s switched in; removed %s%n", generation.name(), removed.stream().map(Generation::name).toList());
        } else {
            new Handoff(topic, endOffsets, file != null ? Map.of() : interactiveEndOffsets).write(generation);
            out.printf("%s marked READY: the running streaming job replays %s from %s into it, then switches to it%n",
                    generation.name(), topic, endOffsets);
        }
        out.flush();
        return 0;
    }

    /**
     * The running local demo's Kafka, said on stderr; null, also said, when there is none. The demo
     * whose data directory holds the index comes first; the last demo started counts only for a
     * reindex that switches at once, as a hand-off needs the job that writes this very index.
     */
    private String localDemo(PrintWriter err) {
        Path indexRoot = index.toAbsolutePath().normalize();
        Path beside = indexRoot.getParent() == null ? null : DemoAddress.fileIn(indexRoot.getParent());
        var found = beside == null ? Optional.<DemoAddress.Lookup>empty() : DemoAddress.running(beside, "semdex reindex", err);
        if (found.isEmpty() && switchNow) {
            found = DemoAddress.running(wellKnownAddress, "semdex reindex", err);
        }
        if (found.isPresent()) {
            return DemoAddress.announce(found.get(), "semdex reindex", err);
        }
        err.println("semdex reindex: no --bootstrap and no running local demo (looked in " + beside
                + (switchNow ? " and " + wellKnownAddress : "") + "): pass --bootstrap HOST:PORT, start `semdex demo`,"
                + " or reindex an export with --file and --switch");
        err.flush();
        return null;
    }

    /** What is wrong with the options, or null; said before anything is built. */
    private String problem() {
        if (file == null && bootstrap == null) {
            return "give --bootstrap to reindex from the topic, or --file to reindex from an export";
        }
        if (!switchNow && bootstrap == null) {
            return "without --switch the new generation is handed to the running streaming job, which replays the topic from"
                    + " the offsets at the start of this reindex: give --bootstrap so they can be recorded, or --switch";
        }
        if (file != null && !Files.exists(file)) {
            return "--file " + file + ": no such file or directory";
        }
        if (file == null && exportOptions.given()) {
            return "--beir, --source, --base-url and --exclude describe an export: give --file too";
        }
        if (Files.exists(index) && !Files.isDirectory(index)) {
            return "--index " + index + " is a file, not a directory";
        }
        if (parallelism < 1) {
            return "--parallelism must be >= 1, got " + parallelism;
        }
        if (keep < 1) {
            return "--keep must be >= 1, got " + keep;
        }
        return null;
    }

    /**
     * What says a streaming job writes the live generation (its write lock is held), or null when
     * none does: a bare switch would leave that job writing the old generation.
     */
    private static String runningJob(Optional<Generation> live) {
        return live.flatMap(GenerationGuard::writtenShard)
                .map(shard -> "a streaming job is writing the live generation " + live.get().name() + " (" + shard.getFileName()
                        + " is held by a writer: a running semdex demo, or the job on a Flink cluster), and a bare switch would leave it"
                        + " writing " + live.get().name() + ", so that what it indexes from then on would never be searchable")
                .orElse(null);
    }

    private static Map<String, Long> longs(Map<String, Object> accumulators) {
        Map<String, Long> values = new TreeMap<>();
        accumulators.forEach((name, value) -> {
            if (value instanceof Number n) {
                values.put(name, n.longValue());
            }
        });
        return values;
    }
}
