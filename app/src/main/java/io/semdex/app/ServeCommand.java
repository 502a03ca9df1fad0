package io.semdex.app;

import io.semdex.embed.EmbedderSpec;
import io.semdex.embed.ModelPresets;
import io.semdex.ingest.IngestJobConfig;
import io.semdex.ingest.InteractiveTopic;
import io.semdex.query.AccessPolicy;
import io.semdex.query.QueryService;
import io.semdex.query.QueryServiceConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code semdex serve}: the query service alone, over an index that a Flink job writes (a shared
 * volume or filesystem); several replicas may serve one index root.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serves search over an index root that the ingest job writes (e.g. on a Flink cluster),",
                "following CURRENT and the shards' published commits, until Ctrl-C or SIGTERM (documents refused with 503,",
                "searches in flight finished, exit 0)."})
final class ServeCommand implements Callable<Integer> {

    @Option(names = "--index", paramLabel = "DIR", description = "Index root, as the job's --index (default with --data: DATA/index).")
    Path index;

    @Option(names = "--data", paramLabel = "DIR", description = "A `semdex demo --data DIR` directory: serves DIR/index and, without"
            + " --bootstrap and while that demo runs, takes its Kafka for POST /api/documents.")
    Path data;

    @Option(names = "--model", converter = ModelSpecConverter.class, defaultValue = ModelPresets.DEFAULT,
            description = "Embedding model for queries (default: ${DEFAULT-VALUE}); a generation built with another model is"
                    + " searched with that one, opened from the spec its manifest records.")
    EmbedderSpec model;

    @Option(names = "--host", defaultValue = QueryServiceConfig.DEFAULT_HOST,
            description = "Address to bind (default: ${DEFAULT-VALUE}; 0.0.0.0 in a container, which needs an API key for writes).")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "Port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT",
            description = "Kafka for POST /api/documents; without it (and without a running demo's --data) that endpoint is off.")
    String bootstrap;

    @Option(names = "--topic", defaultValue = IngestJobConfig.DEFAULT_TOPIC, description = "Input topic (default: ${DEFAULT-VALUE}).")
    String topic;

    @Option(names = "--refresh-ms", defaultValue = "100", description = "How often to look for new commits (default: ${DEFAULT-VALUE}).")
    long refreshMillis;

    @Mixin
    AccessOptions accessOptions = new AccessOptions();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (index == null && data == null) {
            err.println("semdex serve: give --index DIR (the index root), or --data DIR (a demo's data directory)");
            err.flush();
            return 2;
        }
        if (index == null) {
            index = data.resolve("index");
        }
        // Only an explicit --data finds a demo: a plain `serve` stays read-only whatever runs beside it.
        if (bootstrap == null && data != null) {
            bootstrap = DemoAddress.running(DemoAddress.fileIn(data), "semdex serve", err)
                    .map(found -> DemoAddress.announce(found, "semdex serve", err)).orElse(null);
        }
        // Checked before the model loads: a refused start costs nothing.
        AccessPolicy access = accessOptions.policy(host, bootstrap != null);
        if (bootstrap != null) {
            // API writes go to the interactive lane's topic; the job creates it too, but serve may start first.
            try {
                InteractiveTopic.ensure(bootstrap, topic);
            } catch (IllegalStateException e) {
                err.println("semdex serve: warning: POST /api/documents will answer 503 until this is fixed: " + e.getMessage());
                err.flush();
            }
        }
        StopSignal stop = StopSignal.install();
        try (QueryService service = QueryService.start(new QueryServiceConfig(host, port, index.toAbsolutePath(), model, bootstrap, topic,
                refreshMillis).withAccess(access))) {
            System.out.println("semdex serve: " + index + " on http://" + host + ":" + service.address().getPort()
                    + (bootstrap == null ? " (POST /api/documents off: no --bootstrap"
                            + (data != null ? ", no running demo in " + data : "") + ")" : "")
                    + (access.apiKey() == null ? "" : " (API key from $" + accessOptions.apiKeyEnv + ", needed for "
                            + (access.keyForReads() ? "every request)" : "writes)")));
            stop.await();
            service.stopAccepting();
            service.close(stop.budget().step(Duration.ofSeconds(10), Duration.ofSeconds(2))); // the rest closes in milliseconds
        }
        System.out.println("semdex serve stopped (" + stop.received() + ")");
        return 0;
    }
}
