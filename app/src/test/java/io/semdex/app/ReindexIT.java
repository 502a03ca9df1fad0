package io.semdex.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.semdex.core.Generation;
import io.semdex.core.GenerationCounts;
import io.semdex.core.IndexLayout;
import io.semdex.core.Json;
import io.semdex.embed.EmbedderSpec;
import io.semdex.ingest.ExportFiles;
import java.io.IOException;
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
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Zero-downtime reindex: while clients search without pause and new documents keep arriving, a
 * reindex builds gen-2 from the topic, the running stack replays what arrived meanwhile into it
 * and switches. No request may fail or come back empty, and nothing produced during the reindex
 * may be missing from gen-2. A reindex from an export directory indexes what producing that
 * directory indexes, and one that would empty or shrink the index is refused.
 */
class ReindexIT {

    private static final Path DOCS = Path.of(System.getProperty("semdex.shared.data", "../../shared/data")).resolve("docs");

    @TempDir
    Path data;

    @Test
    void aReindexFromAnExportDirectoryIndexesWhatProducingItDoesAndAnEmptyOrShrunkenOneIsRefused() throws Exception {
        Path export = subsetOfDocs(data.resolve("export"), 20);
        long valid = validRecords(export);
        assertThat(valid).isGreaterThanOrEqualTo(8);
        Path index = data.resolve("index");
        IndexLayout layout = new IndexLayout(index);
        GenerationCounts produced;
        try (EmbeddedStack stack = EmbeddedStack.start(new EmbeddedStack.Options(data, "127.0.0.1", 0, EmbedderSpec.defaultModel(), 1,
                Duration.ofMillis(500)))) {
            CommandRun produce = CommandRun.of("produce", export.toString(), "--bootstrap", stack.bootstrapServers(), "--topic", stack.topic());
            assertThat(produce.exit()).as(produce.out()).isZero();
            Generation live = layout.current().orElseThrow();
            long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
            while (GenerationCounts.of(live).documents() < valid && System.nanoTime() < deadline) {
                Thread.sleep(250);
            }
            produced = GenerationCounts.of(live);
        }
        assertThat(produced.documents()).isEqualTo(valid);

        CommandRun reindex = CommandRun.of("reindex", "--index", index.toString(), "--file", export.toString(), "--switch", "--keep", "9");
        assertThat(reindex.exit()).as(reindex.err()).isZero();
        assertThat(layout.current().orElseThrow().name()).isEqualTo("gen-2");
        assertThat(GenerationCounts.of(layout.current().orElseThrow())).isEqualTo(produced);
        assertThat(reindex.out()).contains("records read      " + valid + " (0 break the input contract)",
                "documents         " + produced.documents() + " (live gen-1: " + produced.documents() + ")",
                "units             " + produced.units() + " (live gen-1: " + produced.units() + ")",
                "dead-lettered     0 (parse 0, split 0, embed 0, index 0)", "gen-2 switched in");

        Path empty = Files.createDirectories(data.resolve("empty"));
        Files.writeString(empty.resolve("LICENSE"), "not a document");
        CommandRun refusedEmpty = CommandRun.of("reindex", "--index", index.toString(), "--file", empty.toString(), "--switch");
        assertThat(refusedEmpty.exit()).as(refusedEmpty.err()).isEqualTo(ReindexCommand.EXIT_EMPTY);
        assertThat(refusedEmpty.err()).contains("refused: the new generation holds no document", "gen-3 deleted, CURRENT stays gen-2");
        assertThat(layout.current().orElseThrow().name()).isEqualTo("gen-2");
        assertThat(layout.generation(3).dir()).doesNotExist();
        assertThat(GenerationCounts.of(layout.current().orElseThrow())).isEqualTo(produced);

        Path one = Files.createDirectories(data.resolve("one"));
        try (Stream<Path> files = Files.list(export.resolve("activemq-faq"))) {
            Path first = files.sorted().findFirst().orElseThrow();
            Files.copy(first, one.resolve(first.getFileName()));
        }
        CommandRun refusedShrink = CommandRun.of("reindex", "--index", index.toString(), "--file", one.toString(), "--switch");
        assertThat(refusedShrink.exit()).as(refusedShrink.err()).isEqualTo(ReindexCommand.EXIT_SHRINK);
        assertThat(refusedShrink.err()).contains("refused: the new generation holds 1 documents, fewer than half of the "
                + produced.documents() + " in live gen-2");
        assertThat(layout.current().orElseThrow().name()).isEqualTo("gen-2");
        assertThat(GenerationCounts.of(layout.current().orElseThrow())).isEqualTo(produced);

        CommandRun allowed = CommandRun.of("reindex", "--index", index.toString(), "--file", one.toString(), "--switch", "--allow-shrink");
        assertThat(allowed.exit()).as(allowed.err()).isZero();
        assertThat(layout.current().orElseThrow().name()).isEqualTo("gen-3");
        assertThat(GenerationCounts.of(layout.current().orElseThrow()).documents()).isEqualTo(1);
    }


    /** Every {@code step}-th file of the real exports (HTML and Markdown, nested folders, the licence file), paths kept. */
    private static Path subsetOfDocs(Path target, int step) throws IOException {
        Path root = target.resolve("docs");
        List<Path> all;
        try (Stream<Path> walk = Files.walk(DOCS)) {
            all = walk.filter(Files::isRegularFile).sorted().toList();
        }
        for (int i = 0; i < all.size(); i++) {
            Path file = all.get(i);
            if (i % step == 0 || file.getFileName().toString().startsWith("LICENSE")) {
                Path copy = root.resolve(DOCS.relativize(file).toString());
                Files.createDirectories(copy.getParent());
                Files.copy(file, copy);
            }
        }
        return root;
    }

    private static long validRecords(Path export) throws IOException {
        long[] valid = {0};
        ExportFiles.scan(export, ExportFiles.Options.defaults()).read(record -> valid[0] += record.valid() ? 1 : 0);
        return valid[0];
    }

    @Test
    void theServiceSwitchesToTheReindexedGenerationWithoutAFailedOrEmptyRequestAndLosesNoUpdate() throws Exception {
        try (EmbeddedStack stack = EmbeddedStack.start(new EmbeddedStack.Options(data, "127.0.0.1", 0, EmbedderSpec.defaultModel(), 1,
                        Duration.ofMillis(500)));
                StackTopic producer = new StackTopic(stack)) {
            for (int i = 0; i < 40; i++) {
                producer.send("before-" + i, "Warehouse note " + i + ": pallets of item " + i + " ship from Rotterdam.");
            }
            producer.flush();
            HttpClient http = HttpClient.newHttpClient();
            String query = stack.url() + "/api/search?q=" + URLEncoder.encode("pallets shipping from Rotterdam", StandardCharsets.UTF_8)
                    + "&k=5&threshold=0";
            awaitHits(http, query);

            AtomicBoolean running = new AtomicBoolean(true);
            AtomicInteger requests = new AtomicInteger();
            List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            Set<String> generationsSeen = ConcurrentHashMap.newKeySet();
            ExecutorService clients = Executors.newFixedThreadPool(4);
            List<Future<?>> loops = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                loops.add(clients.submit(() -> {
                    while (running.get()) {
                        try {
                            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(query)).build(),
                                    HttpResponse.BodyHandlers.ofString());
                            requests.incrementAndGet();
                            JsonNode body = Json.MAPPER.readTree(r.body());
                            if (r.statusCode() != 200 || body.get("hits").isEmpty()) {
                                failures.add(r.statusCode() + " " + r.body());
                            } else {
                                generationsSeen.add(body.get("generation").asText());
                            }
                        } catch (Exception e) {
                            failures.add(e.toString());
                        }
                    }
                    return null;
                }));
            }

            // Documents produced while the reindex runs must reach the new generation through the catch-up.
            Thread during = new Thread(() -> {
                for (int i = 0; i < 20; i++) {
                    producer.send("during-" + i, "Late note " + i + ": a container of item " + i + " left Rotterdam today.");
                    producer.flush();
                    sleep(150);
                }
            });
            during.start();
            int exit = new CommandLine(new ReindexCommand()).execute("--index", data.resolve("index").toString(),
                    "--bootstrap", stack.bootstrapServers());
            assertThat(exit).isZero();
            during.join();

            IndexLayout layout = new IndexLayout(data.resolve("index"));
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (layout.current().orElseThrow().number() != 2 && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertThat(layout.current().orElseThrow().name()).isEqualTo("gen-2");
            for (int i = 0; i < 20; i++) {
                String id = "during-" + i;
                awaitDoc(http, stack.url() + "/api/search?q=" + URLEncoder.encode("Late note " + i + " container of item " + i,
                        StandardCharsets.UTF_8) + "&k=3&threshold=0", id);
            }
            Thread.sleep(1_000);
            running.set(false);
            for (Future<?> loop : loops) {
                loop.get();
            }
            clients.shutdown();
            assertThat(failures).as("failed or empty responses out of %d", requests.get()).isEmpty();
            assertThat(generationsSeen).contains("gen-1", "gen-2");
            assertThat(requests.get()).isGreaterThan(50);
        }
    }

    @Test
    void aSwitchUnderTheRunningDemoIsRefusedAndWhatItAcceptsAfterwardsStillBecomesSearchable() throws Exception {
        IndexLayout layout = new IndexLayout(data.resolve("index"));
        try (EmbeddedStack stack = EmbeddedStack.start(new EmbeddedStack.Options(data, "127.0.0.1", 0, EmbedderSpec.defaultModel(), 1,
                        Duration.ofMillis(500)));
                StackTopic producer = new StackTopic(stack)) {
            for (int i = 0; i < 6; i++) {
                producer.send("early-" + i, "Dock note " + i + ": the ferry to Harwich leaves pier " + i + " at noon.");
            }
            producer.flush();
            HttpClient http = HttpClient.newHttpClient();
            awaitHits(http, stack.url() + "/api/search?q=" + URLEncoder.encode("ferry to Harwich", StandardCharsets.UTF_8)
                    + "&k=5&threshold=0");

            // A bare switch would leave the job writing gen-1: what it accepts next would never be searchable on gen-2.
            CommandRun refused = CommandRun.of("reindex", "--index", data.resolve("index").toString(), "--bootstrap",
                    stack.bootstrapServers(), "--switch");
            assertThat(refused.exit()).as(refused.err()).isEqualTo(ReindexCommand.EXIT_JOB_RUNNING);
            assertThat(refused.err()).contains("refused: a streaming job is writing the live generation gen-1", "Leave out --switch",
                    "Nothing was built");
            assertThat(layout.current().orElseThrow().name()).isEqualTo("gen-1");
            assertThat(layout.latestNumber()).isEqualTo(1);

            HttpResponse<String> posted = http.send(HttpRequest.newBuilder(URI.create(stack.url() + "/api/documents"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"id\": \"after-refusal\", \"body\": \"Posted after the refused switch.\"}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(posted.statusCode()).isEqualTo(202);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            JsonNode answer = null;
            while (System.nanoTime() < deadline) {
                answer = Json.MAPPER.readTree(http.send(HttpRequest.newBuilder(URI.create(stack.url() + "/api/documents?id=after-refusal"))
                        .build(), HttpResponse.BodyHandlers.ofString()).body());
                if (answer.get("indexed").size() == 1) {
                    break;
                }
                Thread.sleep(200);
            }
            assertThat(answer.get("indexed").toString()).isEqualTo("[\"after-refusal\"]");
        }
    }

    private static void awaitHits(HttpClient http, String url) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode body = Json.MAPPER.readTree(http.send(HttpRequest.newBuilder(URI.create(url)).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            if (body.get("hits").size() == 5) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the first documents never became searchable");
    }

    private static void awaitDoc(HttpClient http, String url, String docId) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        JsonNode body = null;
        while (System.nanoTime() < deadline) {
            body = Json.MAPPER.readTree(http.send(HttpRequest.newBuilder(URI.create(url)).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            for (JsonNode hit : body.get("hits")) {
                if (hit.get("docId").asText().equals(docId) && body.get("generation").asText().equals("gen-2")) {
                    return;
                }
            }
            Thread.sleep(200);
        }
        throw new AssertionError(docId + " never showed up in gen-2; last response " + body);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
