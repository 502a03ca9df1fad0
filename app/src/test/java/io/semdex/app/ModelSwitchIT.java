package io.semdex.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.semdex.core.Generation;
import io.semdex.core.IndexLayout;
import io.semdex.core.Json;
import io.semdex.core.Manifest;
import io.semdex.embed.EmbedderSpec;
import io.semdex.embed.ModelPresets;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Zero-downtime model switch: while clients search without pause and documents keep arriving,
 * {@code semdex reindex --model all-minilm-l6-v2 --parallelism 2} builds gen-2 with another model
 * (384 dimensions instead of 512) and shard count; the running stack catches gen-2 up with that
 * model and switches, and the query service swaps its query model together with the generation.
 * Every response names its model and generation: the model must be the one that generation's
 * manifest records, so no search compared a query of one model with vectors of another. A restart
 * on the same data directory goes on with the new model.
 */
class ModelSwitchIT {

    private static final String NEW_MODEL = "all-minilm-l6-v2";

    @TempDir
    Path data;

    @Test
    void aModelSwitchThatCannotFinishIsReportedAndTheOldGenerationKeepsServingAndIndexing() throws Exception {
        try (EmbeddedStack stack = EmbeddedStack.start(new EmbeddedStack.Options(data, "127.0.0.1", 0, EmbedderSpec.defaultModel(), 1,
                        Duration.ofMillis(500)));
                StackTopic producer = new StackTopic(stack)) {
            producer.send("kept-1", "The night ferry to Bergen leaves at ten.");
            producer.flush();
            HttpClient http = HttpClient.newHttpClient();
            IndexLayout layout = new IndexLayout(data.resolve("index"));
            awaitIndexed(http, stack, "kept-1");

            // A reindex built gen-2 with a model this machine cannot open (its files are not there), and marked it READY.
            String spec = "qwen3-embedding-0.6b?dir=" + data.resolve("no-such-model");
            var preset = EmbedderSpec.parse(spec).preset();
            Generation gen2 = layout.create(2, new Manifest(preset.id(), preset.dimensions(), "cosine", io.semdex.core.TextAnalysis.DEFAULT, 1,
                    java.time.Instant.now(), "kafka:documents", null, spec));
            new io.semdex.core.Handoff("documents", Map.of(0, 0L, 1, 0L)).write(gen2);

            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            JsonNode status = null;
            while (System.nanoTime() < deadline) {
                status = Json.MAPPER.readTree(http.send(HttpRequest.newBuilder(URI.create(stack.url() + "/api/status")).build(),
                        HttpResponse.BodyHandlers.ofString()).body());
                if (!status.get("switchFailure").isNull()) {
                    break;
                }
                Thread.sleep(200);
            }
            assertThat(status.at("/switchFailure/generation").asText()).isEqualTo("gen-2");
            assertThat(status.at("/switchFailure/reason").asText()).contains("its model cannot be opened", "no-such-model");
            assertThat(status.get("ready").asBoolean()).isTrue();
            assertThat(status.get("generation").asText()).isEqualTo("gen-1");
            assertThat(layout.current().orElseThrow().name()).isEqualTo("gen-1");
            assertThat(io.semdex.core.Handoff.newestReady(layout)).as("not tried again every second").isEmpty();

            // The old generation is searched, and its job goes on indexing into it.
            HttpResponse<String> search = http.send(HttpRequest.newBuilder(URI.create(stack.url() + "/api/search?q="
                    + URLEncoder.encode("ferry to Bergen", StandardCharsets.UTF_8) + "&mode=keyword")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(search.statusCode()).isEqualTo(200);
            producer.send("kept-2", "The morning ferry to Bergen leaves at six.");
            producer.flush();
            awaitIndexed(http, stack, "kept-2");
        }
    }

    private static void awaitIndexed(HttpClient http, EmbeddedStack stack, String id) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode answer = Json.MAPPER.readTree(http.send(HttpRequest.newBuilder(URI.create(stack.url() + "/api/documents?id=" + id))
                    .build(), HttpResponse.BodyHandlers.ofString()).body());
            if (answer.get("indexed").size() == 1) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(id + " was never indexed");
    }

    @Test
    void theStackSwitchesModelsUnderAQueryLoopWithoutAFailedOrMismatchedSearchAndLosesNoDocument() throws Exception {
        IndexLayout layout = new IndexLayout(data.resolve("index"));
        HttpClient http = HttpClient.newHttpClient();
        String query = "/api/search?q=" + URLEncoder.encode("pallets shipping from Rotterdam", StandardCharsets.UTF_8) + "&k=5&threshold=0";
        try (EmbeddedStack stack = EmbeddedStack.start(new EmbeddedStack.Options(data, "127.0.0.1", 0, EmbedderSpec.defaultModel(), 1,
                        Duration.ofMillis(500)));
                StackTopic producer = new StackTopic(stack)) {
            for (int i = 0; i < 30; i++) {
                producer.send("before-" + i, "Warehouse note " + i + ": pallets of item " + i + " ship from Rotterdam.");
            }
            producer.flush();
            awaitHits(http, stack.url() + query);

            // The model each generation was built with, as its manifest says; read when a response first names it.
            Map<String, String> manifestModel = new ConcurrentHashMap<>();
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicInteger requests = new AtomicInteger();
            AtomicLong firstOnGen2 = new AtomicLong();
            List<String> failures = Collections.synchronizedList(new ArrayList<>());
            List<String> mismatched = Collections.synchronizedList(new ArrayList<>());
            Set<String> seen = ConcurrentHashMap.newKeySet();
            ExecutorService clients = Executors.newFixedThreadPool(4);
            List<Future<?>> loops = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                String mode = c % 2 == 0 ? "vector" : "hybrid";
                loops.add(clients.submit(() -> {
                    while (running.get()) {
                        try {
                            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(stack.url() + query + "&mode=" + mode))
                                    .build(), HttpResponse.BodyHandlers.ofString());
                            requests.incrementAndGet();
                            JsonNode body = Json.MAPPER.readTree(r.body());
                            if (r.statusCode() != 200 || body.get("hits").isEmpty()) {
                                failures.add(r.statusCode() + " " + r.body());
                                continue;
                            }
                            String generation = body.get("generation").asText();
                            String model = body.get("model").asText();
                            String built = manifestModel.computeIfAbsent(generation, g -> Manifest.read(
                                    layout.generation(Integer.parseInt(g.substring("gen-".length()))).manifestFile()).modelId());
                            if (!model.equals(built)) {
                                mismatched.add(generation + " built with " + built + " answered with query model " + model);
                            }
                            seen.add(generation + " " + model);
                            if (generation.equals("gen-2")) {
                                firstOnGen2.compareAndSet(0, System.nanoTime());
                            }
                        } catch (Exception e) {
                            failures.add(e.toString());
                        }
                    }
                    return null;
                }));
            }

            // Documents produced while gen-2 is built must reach it through the catch-up, embedded with the new model.
            Thread during = new Thread(() -> {
                for (int i = 0; i < 15; i++) {
                    producer.send("during-" + i, "Late note " + i + ": a container of item " + i + " left Rotterdam today.");
                    producer.flush();
                    sleep(200);
                }
            });
            long reindexStart = System.nanoTime();
            during.start();
            int exit = new CommandLine(new Semdex()).execute("reindex", "--index", data.resolve("index").toString(),
                    "--bootstrap", stack.bootstrapServers(), "--model", NEW_MODEL, "--parallelism", "2");
            long handedOver = System.nanoTime();
            assertThat(exit).isZero();
            during.join();

            long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
            while (layout.current().orElseThrow().number() != 2 && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            long switched = System.nanoTime();
            assertThat(layout.current().orElseThrow().name()).isEqualTo("gen-2");
            Manifest gen2 = Manifest.read(layout.current().orElseThrow().manifestFile());
            assertThat(gen2.modelId()).isEqualTo(NEW_MODEL);
            assertThat(gen2.modelSpec()).isEqualTo(NEW_MODEL);
            assertThat(gen2.dimensions()).isEqualTo(384);
            assertThat(gen2.shardCount()).isEqualTo(2);
            for (int i = 0; i < 15; i++) {
                awaitDoc(http, stack.url() + "/api/search?q=" + URLEncoder.encode("Late note " + i + " container of item " + i,
                        StandardCharsets.UTF_8) + "&k=3&threshold=0", "during-" + i);
            }
            Thread.sleep(1_000);
            running.set(false);
            for (Future<?> loop : loops) {
                loop.get();
            }
            clients.shutdown();

            System.out.printf("MODEL SWITCH FIGURES: %d requests, %d failed, %d with a mismatched model; reindex (build) %d ms;"
                            + " handoff to CURRENT switched %d ms; handoff to first search answered on gen-2 %d ms; seen %s%n",
                    requests.get(), failures.size(), mismatched.size(), (handedOver - reindexStart) / 1_000_000,
                    (switched - handedOver) / 1_000_000, firstOnGen2.get() == 0 ? -1 : (firstOnGen2.get() - handedOver) / 1_000_000, seen);
            assertThat(failures).as("failed or empty responses out of %d", requests.get()).isEmpty();
            assertThat(mismatched).as("searches answered with another model than their generation's").isEmpty();
            assertThat(seen).contains("gen-1 " + ModelPresets.DEFAULT, "gen-2 " + NEW_MODEL);
            assertThat(requests.get()).isGreaterThan(50);

            JsonNode status = get(http, stack.url() + "/api/status");
            assertThat(status.get("model").asText()).isEqualTo(NEW_MODEL);
            assertThat(status.get("dimensions").asInt()).isEqualTo(384);
            assertThat(status.get("generation").asText()).isEqualTo("gen-2");
            assertThat(status.get("ready").asBoolean()).isTrue();
            assertThat(get(http, stack.url() + "/v1/models").get("data").get(0).get("id").asText()).isEqualTo(NEW_MODEL);
            String metrics = http.send(HttpRequest.newBuilder(URI.create(stack.url() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).contains("semdex_model_info{model=\"" + NEW_MODEL + "\"}");
        }

        // Started as before (the old model, one shard): the live generation decides, so the job goes on with gen-2's model.
        try (EmbeddedStack stack = EmbeddedStack.start(new EmbeddedStack.Options(data, "127.0.0.1", 0, EmbedderSpec.defaultModel(), 1,
                        Duration.ofMillis(500)));
                StackTopic producer = new StackTopic(stack)) {
            producer.send("after-restart", "A crate of oranges arrived in Rotterdam after the restart.");
            producer.flush();
            JsonNode found = awaitDoc(http, stack.url() + "/api/search?q=" + URLEncoder.encode("crate of oranges after the restart",
                    StandardCharsets.UTF_8) + "&k=3&threshold=0", "after-restart");
            assertThat(found.get("model").asText()).isEqualTo(NEW_MODEL);
            assertThat(layout.current().orElseThrow().name()).isEqualTo("gen-2");
            assertThat(get(http, stack.url() + "/api/search?q=during-3&mode=keyword&k=1").get("hits")).isNotEmpty();
        }
    }

    private static JsonNode get(HttpClient http, String url) throws Exception {
        return Json.MAPPER.readTree(http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body());
    }



    private static void awaitHits(HttpClient http, String url) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            if (get(http, url).get("hits").size() == 5) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the first documents never became searchable");
    }

    /** The first response that finds {@code docId} on gen-2. */
    private static JsonNode awaitDoc(HttpClient http, String url, String docId) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        JsonNode body = null;
        while (System.nanoTime() < deadline) {
            body = get(http, url);
            for (JsonNode hit : body.path("hits")) {
                if (hit.get("docId").asText().equals(docId) && body.get("generation").asText().equals("gen-2")) {
                    return body;
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
