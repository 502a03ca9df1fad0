package io.semdex.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.semdex.core.IndexLayout;
import io.semdex.core.Json;
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
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Zero-downtime reindex: while clients search without pause and new documents keep arriving, a
 * reindex builds gen-2 from the topic, the running stack replays what arrived meanwhile into it
 * and switches. No request may fail or come back empty, and nothing produced during the reindex
 * may be missing from gen-2.
 */
class ReindexIT {

    @TempDir
    Path data;

    @Test
    void theServiceSwitchesToTheReindexedGenerationWithoutAFailedOrEmptyRequestAndLosesNoUpdate() throws Exception {
        try (EmbeddedStack stack = EmbeddedStack.start(new EmbeddedStack.Options(data, "127.0.0.1", 0, ModelPresets.DEFAULT, 1,
                        Duration.ofMillis(500)));
                KafkaProducer<byte[], byte[]> producer = producer(stack)) {
            for (int i = 0; i < 40; i++) {
                send(producer, stack, "before-" + i, "Warehouse note " + i + ": pallets of item " + i + " ship from Rotterdam.");
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
                    send(producer, stack, "during-" + i, "Late note " + i + ": a container of item " + i + " left Rotterdam today.");
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

    private static KafkaProducer<byte[], byte[]> producer(EmbeddedStack stack) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, EmbeddedStack stack, String id, String body) {
        producer.send(new ProducerRecord<>(stack.topic(), id.getBytes(StandardCharsets.UTF_8),
                ("{\"id\":\"" + id + "\",\"body\":\"" + body + "\"}").getBytes(StandardCharsets.UTF_8)));
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
