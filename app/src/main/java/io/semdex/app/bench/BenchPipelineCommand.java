package io.semdex.app.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.semdex.app.EmbeddedStack;
import io.semdex.app.Launcher;
import io.semdex.app.ModelSpecConverter;
import io.semdex.app.ProduceCommand;
import io.semdex.core.DocumentJson;
import io.semdex.core.Generation;
import io.semdex.core.GenerationCounts;
import io.semdex.core.IndexFields;
import io.semdex.core.Json;
import io.semdex.core.Unit;
import io.semdex.embed.EmbedOperator;
import io.semdex.embed.Embedder;
import io.semdex.embed.EmbedderSpec;
import io.semdex.embed.ModelPresets;
import io.semdex.embed.SharedEmbedders;
import io.semdex.embed.Slot;
import io.semdex.ingest.ExportFiles;
import io.semdex.ingest.IngestJob;
import io.semdex.ingest.IngestJobConfig;
import io.semdex.ingest.RecordParser;
import io.semdex.ingest.ReindexSource;
import io.semdex.ingest.SplitReport;
import io.semdex.ingest.Splitter;
import io.semdex.query.LiveIndex;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.TermQuery;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code semdex bench pipeline}: how close the ingest pipeline comes to its own embedder. On the
 * units the job makes of one export, in one process and on one model instance: the raw embedder's
 * units/s, the streaming job's (an embedded stack: Kafka, the Flink job, the query service) from the
 * first record produced to every unit searchable, and the batch reindex's; each with process CPU
 * seconds per unit and its ratio to the raw embedder. Then how fresh single documents are, posted
 * through the HTTP API and polled until searchable: with nothing else running, and while the export
 * streams in.
 */
@Command(name = "pipeline", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Raw embedder vs streaming job vs batch reindex on the same units (units/s, CPU s per unit, ratios),",
                "and produce -> searchable latency of single documents, idle and while the export streams in. Markdown out."})
final class BenchPipelineCommand implements Callable<Integer> {

    /** How long the streaming run may take before the bench gives up on it. */
    private static final Duration STREAM_TIMEOUT = Duration.ofMinutes(60);
    /** How long one posted document may take to become searchable. */
    private static final Duration FRESH_TIMEOUT = Duration.ofMinutes(10);
    /** How often the posted single documents are looked up (all in one request). */
    private static final long FRESH_POLL_MILLIS = 20;

    @Option(names = "--export", paramLabel = "DIR", description = "Export to run through (default: ../shared/data/docs).")
    Path export;

    @Option(names = "--model", converter = ModelSpecConverter.class, defaultValue = ModelPresets.DEFAULT,
            description = "Model spec (default: ${DEFAULT-VALUE}).")
    EmbedderSpec model;

    @Option(names = "--fresh", defaultValue = "10", description = "Single documents posted for the idle freshness figures (default: ${DEFAULT-VALUE}).")
    int fresh;

    @Option(names = "--fresh-interval", defaultValue = "1000",
            description = {"Milliseconds between single documents posted while the export streams in (default: ${DEFAULT-VALUE}).",
                    "0 posts none then: the first pass measures the job cold and on its own."})
    long freshIntervalMillis;

    @Option(names = "--passes", defaultValue = "1",
            description = {"Times each streaming run produces the export (default: ${DEFAULT-VALUE}). Passes after the first go to the same "
                    + "running job under new document ids (so every unit is embedded again), with no single documents posted: the job "
                    + "warm, on its own."})
    int passes;

    @Option(names = "--profile", description = "Print where each run's CPU time goes, by thread (pools and operator chains as one line).")
    boolean profile;

    @Option(names = "--raw-batch", defaultValue = "256", description = "Texts per embedDocuments call of the raw run (default: ${DEFAULT-VALUE}).")
    int rawBatch;

    @Option(names = "--order", defaultValue = "raw,stream,batch,raw", split = ",", paramLabel = "RUN,...",
            description = {"Runs (raw, stream, batch) in the order given; ratios are to the mean of the raw runs (default: ${DEFAULT-VALUE}).",
                    "stream,raw or batch,raw measures the pipeline cold: first in a fresh JVM, before anything warmed it."})
    List<String> order;

    /** One measured run. */
    private record Run(String name, long units, double seconds, double cpuSeconds, CpuProfile.Breakdown profile) {

        double rate() {
            return units / seconds;
        }
    }

    @Override
    public Integer call() throws Exception {
        Path dir = (export != null ? export : Launcher.sharedData().resolve("docs")).toAbsolutePath().normalize();
        if (!Files.exists(dir)) {
            throw new IllegalArgumentException("no export at " + dir + " (give one with --export DIR)");
        }
        if (fresh < 1 || freshIntervalMillis < 0 || rawBatch < 1 || passes < 1) {
            throw new IllegalArgumentException("--fresh, --raw-batch and --passes must be >= 1, --fresh-interval >= 0");
        }
        List<String> texts = new ArrayList<>();
        SplitReport report = new SplitReport(new RecordParser(DocumentJson.DEFAULT_MAX_BYTES), Splitter.forModel(model, Splitter.DEFAULT_MAX_TOKENS),
                units -> {
                    for (Unit unit : units) {
                        texts.add(unit.embeddingInput());
                    }
                });
        ExportFiles files = ExportFiles.scan(dir, ExportFiles.Options.defaults());
        files.read(record -> report.add(record.key(), record.value()));
        if (texts.isEmpty()) {
            throw new IllegalArgumentException("the export at " + dir + " gives no units");
        }

        // One model instance for all three runs: the stack's query service, its job and the reindex join this hold.
        try (Embedder embedder = SharedEmbedders.acquire(model, Slot.SINGLE)) {
            long tokens = texts.stream().mapToLong(embedder::countTokens).sum();
            System.out.printf(Locale.ROOT, "%n## semdex bench pipeline: %s, %s%n%n", dir.getFileName(), model);
            System.out.printf(Locale.ROOT, "%d documents, %d units, %d tokens; %d cores, load average %s at start%n",
                    report.documents(), texts.size(), tokens, Runtime.getRuntime().availableProcessors(), loadAverage());
            embedder.embedDocuments(texts.subList(0, Math.min(texts.size(), 64))); // warm-up: first calls allocate

            if (order.isEmpty() || !order.contains("raw") || !order.stream().allMatch(r -> List.of("raw", "stream", "batch").contains(r))) {
                throw new IllegalArgumentException("--order takes raw, stream and batch, with raw at least once; got " + order);
            }
            Path work = Files.createTempDirectory("semdex-bench-pipeline-");
            try {
                List<Run> runs = new ArrayList<>();
                StreamResult stream = null;
                int step = 0;
                for (String name : order) {
                    List<Run> done = new ArrayList<>();
                    switch (name) {
                        case "raw" -> done.add(rawRun(embedder, texts));
                        case "stream" -> {
                            stream = streamingRun(dir, work.resolve("stack-" + step), texts.size());
                            done.add(stream.run());
                            done.addAll(stream.laterPasses());
                        }
                        default -> done.add(batchRun(dir, work.resolve("reindex-" + step)));
                    }
                    step++;
                    for (Run run : done) {
                        runs.add(run);
                        System.out.printf(Locale.ROOT, "%s: %.1f s%n", run.name(), run.seconds());
                    }
                }
                // On a machine whose load drifts, the ratios take the mean of the raw runs.
                double rawRate = runs.stream().filter(r -> r.name().startsWith("raw")).mapToDouble(Run::rate).average().orElseThrow();

                System.out.printf(Locale.ROOT, "%n| run | units | s | units/s | of raw (mean of %d) | CPU s/unit |%n",
                        runs.stream().filter(r -> r.name().startsWith("raw")).count());
                System.out.println("|---|---:|---:|---:|---:|---:|");
                for (Run run : runs) {
                    System.out.printf(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.2f | %.4f |%n", run.name(), run.units(), run.seconds(),
                            run.rate(), run.rate() / rawRate, run.cpuSeconds() / run.units());
                }
                if (stream != null) {
                    System.out.printf(Locale.ROOT, "%nProduce -> searchable, single documents posted to /api/documents (the interactive lane)%n%n");
                    System.out.println("| while | documents | p50 ms | p95 ms | max ms |");
                    System.out.println("|---|---:|---:|---:|---:|");
                    printLatencies("nothing else runs", stream.idleMillis());
                    printLatencies("the export streams in", stream.loadedMillis());
                }
                if (profile) {
                    printProfiles(runs.stream().filter(r -> r.profile() != null).toList());
                }
                System.out.printf(Locale.ROOT, "%nload average at the end: %s%n", loadAverage());
            } finally {
                io.semdex.core.DirectoryTree.delete(work);
            }
        }
        return 0;
    }

    private Run rawRun(Embedder embedder, List<String> texts) throws InterruptedException {
        Profiling profiling = new Profiling();
        long cpu = cpuNanos();
        long start = System.nanoTime();
        for (int i = 0; i < texts.size(); i += rawBatch) {
            embedder.embedDocuments(texts.subList(i, Math.min(texts.size(), i + rawBatch)));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double cpuSeconds = (cpuNanos() - cpu) / 1e9;
        return new Run("raw embedder (embedDocuments, " + rawBatch + " per call)", texts.size(), seconds, cpuSeconds, profiling.stop());
    }

    /** @param laterPasses the passes after the first ({@code --passes}), the job warm, without single documents */
    private record StreamResult(Run run, List<Long> idleMillis, List<Long> loadedMillis, List<Run> laterPasses) {}

    /**
     * An embedded stack as {@code semdex demo} runs it; single documents first with nothing else
     * running, then the export produced to Kafka while single documents keep coming, until every
     * export unit is searchable.
     */
    private StreamResult streamingRun(Path dir, Path data, int exportUnits) throws Exception {
        try (EmbeddedStack stack = EmbeddedStack.start(new EmbeddedStack.Options(data, "127.0.0.1", 0, model, 1, EmbeddedStack.DEMO_CHECKPOINT_INTERVAL))) {
            FreshDocuments freshDocs = new FreshDocuments(stack.url());
            freshDocs.postAndAwait("warm-up"); // the job is running and its first checkpoint is through
            List<Long> idle = new ArrayList<>();
            for (int i = 0; i < fresh; i++) {
                idle.add(freshDocs.postAndAwait("idle-" + i));
            }
            LiveIndex index = stack.service().index();
            int before;
            try (LiveIndex.Snapshot snapshot = index.acquire()) {
                before = snapshot.units();
            }
            List<Long> loaded = Collections.synchronizedList(new ArrayList<>());
            AtomicBoolean streaming = new AtomicBoolean(true);
            Profiling profiling = new Profiling();
            long cpu = cpuNanos();
            long start = System.nanoTime();
            Thread poster = Thread.ofPlatform().name("bench-fresh-documents").start(() -> {
                // One posted every interval while the export streams, none waiting for another; each counts, also
                // when it turns searchable after the export.
                try {
                    long nextPost = System.nanoTime() + freshIntervalMillis * 1_000_000; // the first behind the export's first records
                    for (int i = 0; streaming.get() || freshDocs.pending() > 0; ) {
                        if (freshIntervalMillis > 0 && streaming.get() && System.nanoTime() >= nextPost) {
                            freshDocs.post("loaded-" + i++);
                            nextPost += freshIntervalMillis * 1_000_000;
                        }
                        loaded.addAll(freshDocs.poll());
                        Thread.sleep(FRESH_POLL_MILLIS);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (Exception e) {
                    System.err.println("bench pipeline: a single document failed: " + e.getMessage());
                }
            });
            try (KafkaProducer<byte[], byte[]> producer = ProduceCommand.producer(stack.bootstrapServers())) {
                ExportFiles.scan(dir, ExportFiles.Options.defaults()).read(record -> {
                    if (record.valid()) {
                        producer.send(new ProducerRecord<>(stack.topic(), record.key(), record.value()));
                    }
                });
                producer.flush();
            }
            long deadline = start + STREAM_TIMEOUT.toNanos();
            int exportIndexed = 0;
            while (true) {
                try (LiveIndex.Snapshot snapshot = index.acquire()) {
                    exportIndexed = snapshot.units() - before - freshDocs.indexedAmong(snapshot, "loaded-");
                }
                if (exportIndexed >= exportUnits || System.nanoTime() > deadline) {
                    break;
                }
                Thread.sleep(20);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double cpuSeconds = (cpuNanos() - cpu) / 1e9;
            CpuProfile.Breakdown breakdown = profiling.stop();
            streaming.set(false);
            poster.join(); // the documents it still waits for count too
            if (exportIndexed < exportUnits) {
                System.out.printf("streaming job: only %d of %d units searchable after %d min%n", exportIndexed, exportUnits, STREAM_TIMEOUT.toMinutes());
            }
            List<Run> later = new ArrayList<>();
            for (int pass = 2; pass <= passes; pass++) {
                later.add(laterPass(stack, dir, exportUnits, pass));
            }
            return new StreamResult(new Run("streaming job (produce -> searchable)", exportIndexed, seconds, cpuSeconds, breakdown), idle, loaded,
                    later);
        }
    }

    /**
     * The export once more into the running job, every document under a new id (its {@code id} field
     * and record key prefixed with the pass), so that every unit is embedded again; until all of them
     * are searchable. No single documents are posted: the job warm, on its own.
     */
    private Run laterPass(EmbeddedStack stack, Path dir, int exportUnits, int pass) throws Exception {
        LiveIndex index = stack.service().index();
        int before;
        try (LiveIndex.Snapshot snapshot = index.acquire()) {
            before = snapshot.units();
        }
        String prefix = "pass-" + pass + "/";
        Profiling profiling = new Profiling();
        long cpu = cpuNanos();
        long start = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = ProduceCommand.producer(stack.bootstrapServers())) {
            ExportFiles.scan(dir, ExportFiles.Options.defaults()).read(record -> {
                if (record.valid()) {
                    com.fasterxml.jackson.databind.node.ObjectNode doc =
                            (com.fasterxml.jackson.databind.node.ObjectNode) Json.MAPPER.readTree(record.value());
                    String id = prefix + doc.get("id").asText();
                    doc.put("id", id);
                    producer.send(new ProducerRecord<>(stack.topic(), id.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                            Json.MAPPER.writeValueAsBytes(doc)));
                }
            });
            producer.flush();
        }
        long deadline = start + STREAM_TIMEOUT.toNanos();
        int indexed;
        while (true) {
            try (LiveIndex.Snapshot snapshot = index.acquire()) {
                indexed = snapshot.units() - before;
            }
            if (indexed >= exportUnits || System.nanoTime() > deadline) {
                break;
            }
            Thread.sleep(20);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double cpuSeconds = (cpuNanos() - cpu) / 1e9;
        if (indexed < exportUnits) {
            System.out.printf("streaming job, pass %d: only %d of %d units searchable after %d min%n", pass, indexed, exportUnits,
                    STREAM_TIMEOUT.toMinutes());
        }
        return new Run("streaming job, pass " + pass + " (the same job warm, new ids, no single documents)", indexed, seconds, cpuSeconds,
                profiling.stop());
    }

    /** The batch reindex of the export into a fresh index, as {@code semdex reindex --file DIR --switch} runs it. */
    private Run batchRun(Path dir, Path indexRoot) throws Exception {
        IngestJobConfig config = IngestJobConfig.defaults(null, indexRoot).withModel(model).withParallelism(1);
        Configuration flink = new Configuration();
        flink.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        flink.set(RestOptions.BIND_PORT, "0");
        flink.set(TaskManagerOptions.NUM_TASK_SLOTS, 2);
        flink.set(EmbedOperator.SHARE_MODEL, true); // the model this bench holds, already warm
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, flink);
        Profiling profiling = new Profiling();
        long cpu = cpuNanos();
        long start = System.nanoTime();
        Generation generation = IngestJob.buildReindex(env, config, new ReindexSource.Export(dir.toString(), ExportFiles.Options.defaults()));
        env.execute("semdex bench pipeline reindex");
        double seconds = (System.nanoTime() - start) / 1e9;
        double cpuSeconds = (cpuNanos() - cpu) / 1e9;
        CpuProfile.Breakdown breakdown = profiling.stop();
        return new Run("batch reindex (job start -> generation built)", GenerationCounts.of(generation).units(), seconds, cpuSeconds, breakdown);
    }

    /** A run's CPU time by thread when --profile is given; nothing otherwise. */
    private final class Profiling {

        private final CpuProfile cpu = profile ? CpuProfile.start() : null;

        CpuProfile.Breakdown stop() throws InterruptedException {
            return cpu == null ? null : cpu.stop();
        }
    }

    private static void printProfiles(List<Run> runs) {
        for (Run run : runs) {
            CpuProfile.Breakdown where = run.profile();
            System.out.printf(Locale.ROOT, "%nWhere the CPU time of the %s goes: %.1f CPU s, %.4f per unit%n%n", run.name(),
                    where.processSeconds(), where.processSeconds() / run.units());
            System.out.println("| thread | CPU s | share |");
            System.out.println("|---|---:|---:|");
            where.threads().entrySet().stream()
                    .sorted((a, b) -> Double.compare(b.getValue(), a.getValue()))
                    .limit(8)
                    .forEach(e -> System.out.printf(Locale.ROOT, "| %s | %.1f | %.0f %% |%n", e.getKey().replace("|", "/"), e.getValue(),
                            100 * where.share(e.getKey())));
            System.out.printf(Locale.ROOT, "%nBy component (JIT and GC as the JVM counts them, out of the CPU no Java thread holds):%n%n");
            System.out.println("| component | CPU s | per unit | share |");
            System.out.println("|---|---:|---:|---:|");
            where.components().forEach((component, seconds) -> {
                if (seconds >= 0.05) {
                    System.out.printf(Locale.ROOT, "| %s | %.1f | %.4f | %.0f %% |%n", component.label, seconds, seconds / run.units(),
                            where.processSeconds() == 0 ? 0 : 100 * seconds / where.processSeconds());
                }
            });
        }
    }

    /** Single documents posted through the HTTP API and polled until searchable. */
    private static final class FreshDocuments {

        private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        private final String url;
        private final List<String> posted = Collections.synchronizedList(new ArrayList<>());
        /** Post times of the documents not yet seen searchable; used by one thread at a time (main, then the poster). */
        private final Map<String, Long> waiting = new LinkedHashMap<>();

        FreshDocuments(String url) {
            this.url = url;
        }

        /** Posts a one-unit document and returns the milliseconds until {@code GET /api/documents?id=} says it is indexed. */
        long postAndAwait(String name) throws Exception {
            post(name);
            long deadline = System.nanoTime() + FRESH_TIMEOUT.toNanos();
            while (System.nanoTime() < deadline) {
                List<Long> done = poll();
                if (!done.isEmpty()) {
                    return done.get(0);
                }
                Thread.sleep(FRESH_POLL_MILLIS);
            }
            throw new IllegalStateException("document bench-fresh-" + name + " not searchable after " + FRESH_TIMEOUT.toMinutes() + " min");
        }

        /** Posts a one-unit document through the API; {@link #poll()} tells when it is searchable. */
        void post(String name) throws Exception {
            String id = "bench-fresh-" + name + "-" + System.nanoTime();
            String body = Json.MAPPER.writeValueAsString(java.util.Map.of("id", id, "body", "Freshness probe " + name + "."));
            posted.add(id);
            long start = System.nanoTime();
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url + "/api/documents"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                throw new IllegalStateException("POST /api/documents answered " + response.statusCode() + ": " + response.body());
            }
            waiting.put(id, start);
        }

        /** Documents posted and not yet seen searchable. */
        int pending() {
            return waiting.size();
        }

        /**
         * Asks once, for every posted document not yet seen searchable, whether it is now (one {@code GET
         * /api/documents?id=…&id=…}); returns the milliseconds from post to now of those that are, and forgets them.
         */
        List<Long> poll() throws Exception {
            if (waiting.isEmpty()) {
                return List.of();
            }
            StringBuilder query = new StringBuilder();
            for (String id : waiting.keySet()) {
                query.append(query.isEmpty() ? "?" : "&").append("id=").append(URLEncoder.encode(id, StandardCharsets.UTF_8));
            }
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(url + "/api/documents" + query)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            long now = System.nanoTime();
            List<Long> done = new ArrayList<>();
            for (JsonNode indexed : Json.MAPPER.readTree(answer.body()).path("indexed")) {
                Long postedAt = waiting.remove(indexed.asText());
                if (postedAt != null) {
                    done.add((now - postedAt) / 1_000_000);
                }
            }
            return done;
        }

        /** Units of the posted documents whose name starts with {@code prefix} that this snapshot holds. */
        int indexedAmong(LiveIndex.Snapshot snapshot, String prefix) throws java.io.IOException {
            List<String> ids;
            synchronized (posted) {
                ids = new ArrayList<>(posted);
            }
            int units = 0;
            for (String id : ids) {
                if (id.startsWith("bench-fresh-" + prefix) && snapshot.generation().isPresent()) {
                    units += snapshot.searcher().count(new TermQuery(new Term(IndexFields.DOC_ID, id)));
                }
            }
            return units;
        }
    }


    private static void printLatencies(String condition, List<Long> millis) {
        List<Long> sorted;
        synchronized (millis) {
            sorted = millis.stream().sorted().toList();
        }
        if (sorted.isEmpty()) {
            System.out.printf("| %s | 0 | – | – | – |%n", condition);
            return;
        }
        System.out.printf(Locale.ROOT, "| %s | %d | %d | %d | %d |%n", condition, sorted.size(), percentile(sorted, 50), percentile(sorted, 95),
                sorted.get(sorted.size() - 1));
    }

    /** Nearest-rank percentile of sorted values. */
    static long percentile(List<Long> sorted, double p) {
        int rank = (int) Math.ceil(p / 100 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static String loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (java.io.IOException | RuntimeException e) {
            return String.format(Locale.ROOT, "%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }
}
