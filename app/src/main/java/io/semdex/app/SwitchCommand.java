package io.semdex.app;

import io.semdex.core.Generation;
import io.semdex.core.GenerationCounts;
import io.semdex.core.GenerationGuard;
import io.semdex.core.Handoff;
import io.semdex.core.IndexLayout;
import io.semdex.core.Lane;
import io.semdex.core.Manifest;
import io.semdex.ingest.IngestJobConfig;
import io.semdex.ingest.TopicOffsets;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code semdex switch}: the last step of a hand-over on a Flink cluster. Once the catch-up job
 * (the job jar's {@code --mode catch-up}) has read the topic to its end into the newest READY
 * generation, switches {@code CURRENT} to it; query services following the index root then search
 * it with its model. {@code semdex demo} does this itself.
 */
@Command(name = "switch", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Switches CURRENT to the newest READY generation (built by the job jar's --mode handoff) once its catch-up job"
                + " (--mode catch-up, consumer group GROUP-gen-N) has committed offsets up to the end of the topic, then removes old"
                + " generations. Cancel the old streaming job afterwards.",
                "",
                "As semdex reindex, it never switches to a generation that holds no document, or fewer than half the live"
                + " generation's documents, unless --allow-shrink is given: CURRENT stays, and the command exits with 3 or 4.",
                ""},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {
                "0:switched",
                "2:bad options, or Kafka cannot be read",
                "3:refused: the READY generation holds no document",
                "4:refused: it holds fewer than half the live generation's documents",
                "6:no generation above the live one is marked READY",
                "7:the catch-up job is still behind after --wait seconds; nothing changed"})
final class SwitchCommand implements Callable<Integer> {

    static final int EXIT_NONE_READY = 6;
    static final int EXIT_BEHIND = 7;

    @Option(names = "--index", required = true, paramLabel = "DIR", description = "Index root, as the job's --index.")
    Path index;

    @Option(names = "--bootstrap", required = true, paramLabel = "HOST:PORT", description = "Kafka, as the job's --bootstrap.")
    String bootstrap;

    @Option(names = "--topic", defaultValue = IngestJobConfig.DEFAULT_TOPIC, description = "Input topic (default: ${DEFAULT-VALUE}).")
    String topic;

    @Option(names = "--group-id", defaultValue = "semdex-ingest", description = "The job's --group-id (default: ${DEFAULT-VALUE});"
            + " the catch-up job commits as GROUP-gen-N.")
    String group;

    @Option(names = "--wait", defaultValue = "300", paramLabel = "SECONDS",
            description = "How long to wait for the catch-up job to reach the end of the topic (default: ${DEFAULT-VALUE}).")
    int waitSeconds;

    @Option(names = "--keep", defaultValue = "2", description = "Generations to keep on disk, the live one included (default: ${DEFAULT-VALUE}).")
    int keep;

    @Option(names = "--allow-shrink", description = "Switch even when the READY generation holds no document or fewer than half the"
            + " live generation's documents.")
    boolean allowShrink;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (keep < 1 || waitSeconds < 0) {
            err.println("semdex switch: --keep must be >= 1 and --wait >= 0");
            err.flush();
            return GenerationGuard.EXIT_USAGE;
        }
        IndexLayout layout = new IndexLayout(index);
        var ready = Handoff.newestReady(layout);
        if (ready.isEmpty()) {
            err.println("semdex switch: no generation above the live one is marked READY in " + index
                    + " (build one with the job jar's --mode handoff)");
            err.flush();
            return EXIT_NONE_READY;
        }
        Generation generation = ready.get().generation();
        String catchUpGroup = group + "-" + generation.name();
        long deadline = System.nanoTime() + waitSeconds * 1_000_000_000L;
        long behind;
        try {
            while ((behind = TopicOffsets.behind(bootstrap, topic, catchUpGroup, ready.get().handoff().offsets())
                    + TopicOffsets.behindIfExists(bootstrap, Lane.INTERACTIVE.topic(topic), catchUpGroup,
                            ready.get().handoff().interactiveOffsets())) > 0
                    && System.nanoTime() < deadline) {
                Thread.sleep(500);
            }
        } catch (Exception e) {
            err.println("semdex switch: cannot compare group " + catchUpGroup + " with the end of topic '" + topic + "' at " + bootstrap
                    + ": " + e.getMessage());
            err.flush();
            return GenerationGuard.EXIT_USAGE;
        }
        if (behind > 0) {
            err.printf("semdex switch: the catch-up job (group %s) is still %d records behind after %d s; CURRENT unchanged"
                    + " (is `--mode catch-up` running?)%n", catchUpGroup, behind, waitSeconds);
            err.flush();
            return EXIT_BEHIND;
        }
        // Counted once the catch-up has read everything: what a search of it would see right after the switch.
        Optional<Generation> live = layout.current();
        GenerationCounts counts = GenerationCounts.of(generation);
        Optional<GenerationCounts> liveCounts = live.isPresent() ? Optional.of(GenerationCounts.of(live.get())) : Optional.empty();
        Optional<GenerationGuard.Refusal> refusal = GenerationGuard.shrink(counts, live, liveCounts, allowShrink);
        if (refusal.isPresent()) {
            err.printf("semdex switch: refused: %s; %s stays READY, %s (--allow-shrink to switch anyway)%n", refusal.get().reason(),
                    generation.name(), live.map(g -> "CURRENT stays " + g.name()).orElse("CURRENT stays unset"));
            err.flush();
            return refusal.get().exitCode();
        }
        Manifest manifest = Manifest.read(generation.manifestFile());
        layout.switchTo(generation);
        List<Generation> removed = layout.prune(keep);
        out.printf("%s switched in (model %s, %d dimensions, %d shards, %d documents; group %s has read the whole topic); removed %s%n",
                generation.name(), manifest.modelSpecOrId(), manifest.dimensions(), manifest.shardCount(), counts.documents(), catchUpGroup,
                removed.stream().map(Generation::name).toList());
        out.println("Now cancel the old streaming job: the catch-up job is the streaming job from here on.");
        out.flush();
        return 0;
    }
}
