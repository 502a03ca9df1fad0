package io.semdex.app;

import io.semdex.core.Generation;
import io.semdex.core.Handoff;
import io.semdex.core.IndexLayout;
import io.semdex.core.Lane;
import io.semdex.core.Manifest;
import io.semdex.ingest.IngestJobConfig;
import io.semdex.ingest.TopicOffsets;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
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
                + " generations. Cancel the old streaming job afterwards."},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {
                "0:switched",
                "2:bad options, or Kafka cannot be read",
                "3:no generation above the live one is marked READY",
                "4:the catch-up job is still behind after --wait seconds; nothing changed"})
final class SwitchCommand implements Callable<Integer> {

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

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (keep < 1 || waitSeconds < 0) {
            err.println("semdex switch: --keep must be >= 1 and --wait >= 0");
            err.flush();
            return 2;
        }
        IndexLayout layout = new IndexLayout(index);
        var ready = Handoff.newestReady(layout);
        if (ready.isEmpty()) {
            err.println("semdex switch: no generation above the live one is marked READY in " + index
                    + " (build one with the job jar's --mode handoff)");
            err.flush();
            return 3;
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
            return 2;
        }
        if (behind > 0) {
            err.printf("semdex switch: the catch-up job (group %s) is still %d records behind after %d s; CURRENT unchanged"
                    + " (is `--mode catch-up` running?)%n", catchUpGroup, behind, waitSeconds);
            err.flush();
            return 4;
        }
        Manifest manifest = Manifest.read(generation.manifestFile());
        layout.switchTo(generation);
        List<Generation> removed = layout.prune(keep);
        out.printf("%s switched in (model %s, %d dimensions, %d shards; group %s has read the whole topic); removed %s%n",
                generation.name(), manifest.modelSpecOrId(), manifest.dimensions(), manifest.shardCount(), catchUpGroup,
                removed.stream().map(Generation::name).toList());
        out.println("Now cancel the old streaming job: the catch-up job is the streaming job from here on.");
        out.flush();
        return 0;
    }
}
