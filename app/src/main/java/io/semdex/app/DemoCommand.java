package io.semdex.app;

import io.semdex.core.ContentHash;
import io.semdex.core.SourceDocument;
import io.semdex.embed.EmbedderSpec;
import io.semdex.embed.ModelPresets;
import io.semdex.query.AccessPolicy;
import io.semdex.query.KafkaDocumentPublisher;
import io.semdex.query.QueryServiceConfig;
import io.semdex.query.LiveIndex;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code semdex demo}: the whole system in one process, with the sample knowledge base indexed. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Runs a Kafka broker, the Flink ingest job and the query service in this process,",
                "indexes the sample knowledge base through Kafka, and serves search until Ctrl-C or SIGTERM, which stop it",
                "cleanly: documents refused (503), searches finished, the index published, everything closed, exit 0."})
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--data", paramLabel = "DIR",
            description = "Keeps the Kafka log, Flink checkpoints and the index in DIR (default: a fresh temporary directory).")
    Path data;

    @Option(names = "--host", defaultValue = QueryServiceConfig.DEFAULT_HOST,
            description = "Address the query service binds to (default: ${DEFAULT-VALUE}: only this machine can reach it).")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "Query service port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--model", converter = ModelSpecConverter.class, defaultValue = ModelPresets.DEFAULT,
            description = "Embedding model: a preset, optionally with ?key=value settings (default: ${DEFAULT-VALUE}; see the README's Models)."
            + " On a --data directory whose index has a live generation, that generation's model is used (after a"
            + " `semdex reindex --model`, the new one).")
    EmbedderSpec model;

    @Option(names = "--knowledge-base", paramLabel = "FILE",
            description = "Text file to index, one line per document (default: samples/knowledge-base.txt of the shared data, else of the installation).")
    Path knowledgeBase;

    @Mixin
    AccessOptions accessOptions = new AccessOptions();

    /** Where produce, reindex and serve look for this demo besides DATA/kafka.address. */
    Path wellKnownAddress = DemoAddress.wellKnownFile();

    /** The query service's access policy from the flags and the key's environment variable; refuses anonymous writes off loopback. */
    AccessPolicy access() {
        return accessOptions.policy(host, true);
    }

    @Override
    public Integer call() throws Exception {
        long start = System.nanoTime();
        Path dataDir = data != null ? data : Files.createTempDirectory("semdex-demo-");
        Path kb = knowledgeBase != null ? knowledgeBase : Launcher.knowledgeBase();
        List<SourceDocument> docs = Files.isRegularFile(kb) ? readLines(kb) : List.of();

        AccessPolicy access = access();
        StopSignal stop = StopSignal.install();
        try (EmbeddedStack stack = EmbeddedStack.start(new EmbeddedStack.Options(dataDir, host, port, model, 1, EmbeddedStack.DEMO_CHECKPOINT_INTERVAL,
                access));
                DemoAddress.Registration address = DemoAddress.register(stack.bootstrapServers(), dataDir, wellKnownAddress)) {
            serve(stack, docs, kb, dataDir, access, start, stop);
            stack.stop(stop.budget()); // the steps' deadlines count from the signal
        }
        System.out.println("semdex demo stopped (" + stop.received() + "); the data directory keeps the index and Kafka's log: " + dataDir);
        return 0;
    }

    private void serve(EmbeddedStack stack, List<SourceDocument> docs, Path kb, Path dataDir, AccessPolicy access, long start,
            StopSignal stop) throws Exception {

        if (docs.isEmpty()) {
            System.out.println("No knowledge base at " + kb + ": starting with an empty index.");
        } else {
            try (KafkaDocumentPublisher publisher = new KafkaDocumentPublisher(stack.bootstrapServers(), stack.topic())) {
                publisher.publish(docs);
            }
            if (!awaitIndexed(stack.service().index(), docs.size(), Duration.ofSeconds(120), stop)) {
                return; // stopped while the knowledge base was being indexed
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        String url = stack.url();
        System.out.printf("%nsemdex is ready in %.1f s: %d documents indexed from %s%n", seconds, docs.size(), kb.getFileName());
        System.out.println("  page:     " + url + "/");
        System.out.println("  search:   curl '" + url + "/api/search?q=哪种水果维生素C多&k=3'");
        System.out.println("  add:      curl -X POST " + url + "/api/documents -H 'Content-Type: application/json' \\");
        System.out.println("              -d '{\"id\":\"note-1\",\"body\":\"The office closes at 6 pm on Fridays.\"}'");
        System.out.println("  kafka:    " + stack.bootstrapServers() + "   (./semdex produce DIR finds it: recorded in " + DemoAddress.fileIn(dataDir)
                + " and " + wellKnownAddress + ")");
        System.out.println("  data dir: " + dataDir);
        if (access.apiKey() != null) {
            System.out.println("  API key:  from $" + accessOptions.apiKeyEnv + ", needed for " + (access.keyForReads() ? "every request" : "writes"));
        }
        System.out.println("Press Ctrl-C to stop.");
        stop.await();
    }

    /** One document per non-blank line; ids come from the text, so indexing the file twice changes nothing. */
    static List<SourceDocument> readLines(Path file) throws IOException {
        List<SourceDocument> docs = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String text = line.strip();
            if (!text.isEmpty()) {
                docs.add(new SourceDocument("kb-" + ContentHash.of(text).substring(0, 12), null, text, "text", null,
                        "knowledge-base", null, null, List.of(), java.util.Map.of()));
            }
        }
        return docs;
    }

    /** Waits for the knowledge base to be searchable; false when a stop signal came first. */
    private static boolean awaitIndexed(LiveIndex index, int units, Duration timeout, StopSignal stop) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try (LiveIndex.Snapshot snapshot = index.acquire()) {
                if (snapshot.units() >= units) {
                    return true;
                }
            }
            if (stop.await(100, TimeUnit.MILLISECONDS)) {
                return false;
            }
        }
        System.out.println("Indexing is taking longer than " + timeout.toSeconds() + " s; the service is up and will catch up.");
        return true;
    }
}
