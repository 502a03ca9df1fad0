package io.semdex.app;

import io.semdex.core.Generation;
import io.semdex.core.Handoff;
import io.semdex.core.IndexLayout;
import io.semdex.core.IndexOptions;
import io.semdex.embed.ModelPresets;
import io.semdex.ingest.IngestJob;
import io.semdex.ingest.IngestJobConfig;
import io.semdex.ingest.ReindexSource;
import io.semdex.ingest.TopicOffsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code semdex reindex}: builds a new generation from a bounded source, then hands it over or switches to it. */
@Command(name = "reindex", mixinStandardHelpOptions = true,
        description = {"Builds a new index generation from the whole topic (up to its end offsets now) or from an export,",
                "with the same job graph in Flink BATCH mode. A running streaming job (semdex demo) then catches the",
                "new generation up from those offsets and switches to it; with --switch the switch happens at once."})
final class ReindexCommand implements Callable<Integer> {

    @Option(names = "--index", required = true, paramLabel = "DIR", description = "Index root (e.g. the demo's DATA/index).")
    Path index;

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", description = "Kafka bootstrap servers.")
    String bootstrap;

    @Option(names = "--topic", defaultValue = IngestJobConfig.DEFAULT_TOPIC, description = "Input topic (default: ${DEFAULT-VALUE}).")
    String topic;

    @Option(names = "--file", paramLabel = "PATH", description = "Reindex from a JSON-lines export (file or directory) instead of the topic.")
    Path file;

    @Option(names = "--beir", description = "The export is a BEIR corpus ({\"_id\",\"title\",\"text\",\"metadata\"} lines).")
    boolean beir;

    @Option(names = "--model", defaultValue = ModelPresets.DEFAULT, description = "Embedding model preset (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--parallelism", defaultValue = "1", description = "Shards of the new generation (default: ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(names = "--quantization", defaultValue = "none", description = "Vector quantization: none, int8 or int4 (default: ${DEFAULT-VALUE}).")
    String quantization;

    @Option(names = "--switch", description = "Switch CURRENT to the new generation as soon as it is built (no streaming job to hand over to).")
    boolean switchNow;

    @Option(names = "--keep", defaultValue = "2", description = "Generations to keep on disk after a switch, the live one included (default: ${DEFAULT-VALUE}).")
    int keep;

    @Override
    public Integer call() throws Exception {
        if (file == null && bootstrap == null) {
            throw new IllegalArgumentException("give --bootstrap to reindex from the topic, or --file to reindex from an export");
        }
        if (!switchNow && bootstrap == null) {
            throw new IllegalArgumentException("without --switch the new generation is handed to the running streaming job, which"
                    + " replays the topic from the offsets at the start of this reindex: give --bootstrap so they can be recorded");
        }
        if (file != null && !Files.exists(file)) {
            throw new IllegalArgumentException("--file " + file + " does not exist");
        }
        Map<Integer, Long> endOffsets = bootstrap == null ? Map.of() : TopicOffsets.end(bootstrap, topic);
        IngestJobConfig config = IngestJobConfig.defaults(bootstrap, index)
                .withTopic(topic)
                .withModelPreset(model)
                .withParallelism(parallelism)
                .withIndexOptions(IndexOptions.DEFAULT.withQuantization(quantization));
        ReindexSource source = file != null ? new ReindexSource.Export(file.toAbsolutePath().toString(), beir)
                : new ReindexSource.Topic(endOffsets);

        Configuration flink = new Configuration();
        flink.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        flink.set(RestOptions.BIND_PORT, "0");
        flink.set(TaskManagerOptions.NUM_TASK_SLOTS, Math.max(2, parallelism));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(parallelism, flink);
        long start = System.nanoTime();
        Generation generation = IngestJob.buildReindex(env, config, source);
        System.err.printf("Building %s from %s ...%n", generation.name(), file != null ? file : "topic " + topic + " up to " + endOffsets);
        env.execute("semdex reindex " + generation.name());
        double seconds = (System.nanoTime() - start) / 1e9;

        IndexLayout layout = new IndexLayout(index);
        if (switchNow) {
            layout.switchTo(generation);
            List<Generation> removed = layout.prune(keep);
            System.out.printf("%s built in %.1f s and switched in; removed %s%n", generation.name(), seconds,
                    removed.stream().map(Generation::name).toList());
        } else {
            new Handoff(topic, endOffsets).write(generation);
            System.out.printf("%s built in %.1f s and marked READY: the running streaming job replays %s from %s into it,"
                    + " then switches to it%n", generation.name(), seconds, topic, endOffsets);
        }
        return 0;
    }
}
