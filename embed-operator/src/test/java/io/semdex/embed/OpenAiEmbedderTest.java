package io.semdex.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.semdex.core.Json;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The remote backend against a small scripted HTTP server: retries, error messages and the
 * model/dimension checks. (Its vectors against a real model are checked in the query service's
 * tests, where the server is semdex itself.)
 */
class OpenAiEmbedderTest {

    private HttpServer server;
    private final Deque<Integer> failures = new ArrayDeque<>();
    private final AtomicInteger embeddingRequests = new AtomicInteger();
    private volatile int dimensions = 512;
    private volatile List<String> models = List.of("remote-bge");
    private volatile long delayMillis;
    private volatile String lastAuthorization;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/models", ex -> {
            ArrayNode data = Json.MAPPER.createArrayNode();
            models.forEach(m -> data.addObject().put("id", m).put("object", "model"));
            respond(ex, 200, Json.MAPPER.createObjectNode().put("object", "list").set("data", data).toString());
        });
        server.createContext("/v1/embeddings", this::embeddings);
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void embeddings(HttpExchange ex) throws IOException {
        embeddingRequests.incrementAndGet();
        lastAuthorization = ex.getRequestHeaders().getFirst("Authorization");
        JsonNode request = Json.MAPPER.readTree(ex.getRequestBody());
        if (delayMillis > 0) {
            try {
                Thread.sleep(delayMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Integer failure = failures.poll();
        if (failure != null) {
            respond(ex, failure, "{\"error\":{\"message\":\"scripted failure " + failure + "\",\"type\":\"server_error\"}}");
            return;
        }
        ObjectNode response = Json.MAPPER.createObjectNode().put("object", "list").put("model", request.path("model").asText());
        ArrayNode data = response.putArray("data");
        int i = 0;
        for (JsonNode text : request.path("input")) {
            float[] v = vector(text.asText(), dimensions);
            ObjectNode item = data.addObject().put("object", "embedding").put("index", i++);
            ArrayNode values = item.putArray("embedding");
            for (float x : v) {
                values.add(x * 3); // not normalized: the client normalizes
            }
        }
        respond(ex, 200, response.toString());
    }

    private static float[] vector(String text, int dims) {
        float[] v = new float[dims];
        for (int d = 0; d < dims; d++) {
            v[d] = (float) Math.sin(text.hashCode() * 0.001 + d);
        }
        return v;
    }

    private static void respond(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
        ex.close();
    }

    private RemoteEndpoint endpoint(int retries, Duration timeout) {
        return new RemoteEndpoint("http://127.0.0.1:" + server.getAddress().getPort(), "remote-bge", null, timeout, retries, 2);
    }

    private OpenAiEmbedder open(ModelPreset preset, RemoteEndpoint endpoint) {
        return OpenAiEmbedder.open(preset, endpoint, Duration.ofMillis(1));
    }

    @Test
    void vectorsComeBackNormalizedInInputOrderOverSeveralRequests() {
        ModelPreset bge = EmbedderSpec.parse("bge-small-zh-v1.5").preset();
        try (OpenAiEmbedder embedder = open(bge, endpoint(0, Duration.ofSeconds(10)))) {
            embeddingRequests.set(0);
            List<float[]> vectors = embedder.embedTexts(List.of("a", "b", "c", "d", "e"));
            assertThat(embeddingRequests.get()).isEqualTo(3); // request-size 2
            assertThat(vectors).hasSize(5);
            assertThat(Vectors.dot(vectors.get(2), Vectors.truncateAndNormalize(vector("c", 512), 512))).isGreaterThan(0.99999);
            assertThat(Vectors.dot(vectors.get(2), vectors.get(2))).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-5));
            assertThat(embedder.info().engine()).isEqualTo("openai");
            assertThat(embedder.info().modelId()).isEqualTo("bge-small-zh-v1.5");
        }
    }

    @Test
    void serverErrorsAndRateLimitsAreRetriedWithBackoff() {
        try (OpenAiEmbedder embedder = open(EmbedderSpec.parse("bge-small-zh-v1.5").preset(), endpoint(3, Duration.ofSeconds(10)))) {
            failures.addAll(List.of(503, 429, 500));
            embeddingRequests.set(0);
            assertThat(embedder.embedTexts(List.of("x"))).hasSize(1);
            assertThat(embeddingRequests.get()).isEqualTo(4);
        }
    }

    @Test
    void retriesRunOutWithTheLastErrorInTheMessage() {
        try (OpenAiEmbedder embedder = open(EmbedderSpec.parse("bge-small-zh-v1.5").preset(), endpoint(2, Duration.ofSeconds(10)))) {
            failures.addAll(List.of(502, 502, 503));
            assertThatThrownBy(() -> embedder.embedTexts(List.of("x")))
                    .isInstanceOf(TransientEmbeddingException.class) // never blamed on the texts
                    .hasMessageContaining("failed 3 attempts").hasMessageContaining("HTTP 503: scripted failure 503");
        }
    }

    @Test
    void rejectedCredentialsAndAnUnknownModelAreTheEnvironmentsFaultNotTheTexts() {
        try (OpenAiEmbedder embedder = open(EmbedderSpec.parse("bge-small-zh-v1.5").preset(), endpoint(5, Duration.ofSeconds(10)))) {
            for (int status : List.of(401, 403, 404)) {
                failures.add(status);
                embeddingRequests.set(0);
                assertThatThrownBy(() -> embedder.embedTexts(List.of("x"))).isInstanceOf(EnvironmentEmbeddingException.class)
                        .hasMessageContaining("HTTP " + status);
                assertThat(embeddingRequests.get()).isEqualTo(1); // not retried
                assertThat(FailurePolicy.blame(new EnvironmentEmbeddingException("x"))).isEqualTo(FailurePolicy.Blame.ENVIRONMENT);
            }
        }
    }

    @Test
    void aClientErrorFailsAtOnceWithTheServersMessage() {
        try (OpenAiEmbedder embedder = open(EmbedderSpec.parse("bge-small-zh-v1.5").preset(), endpoint(5, Duration.ofSeconds(10)))) {
            failures.add(400);
            embeddingRequests.set(0);
            assertThatThrownBy(() -> embedder.embedTexts(List.of("x"))).hasMessageContaining("HTTP 400: scripted failure 400")
                    .isNotInstanceOf(TransientEmbeddingException.class);
            assertThat(embeddingRequests.get()).isEqualTo(1);
        }
    }

    @Test
    void aSlowServerTimesOutAndIsRetried() {
        // Generous against a cold JVM's first request (TLS setup alone can take a second on a busy machine).
        try (OpenAiEmbedder embedder = open(EmbedderSpec.parse("bge-small-zh-v1.5").preset(), endpoint(1, Duration.ofSeconds(3)))) {
            delayMillis = 8_000;
            assertThatThrownBy(() -> embedder.embedTexts(List.of("x")))
                    .hasMessageContaining("failed 2 attempts").hasMessageContaining("HttpTimeoutException");
            delayMillis = 0;
        }
    }

    @Test
    void aServerWithOtherDimensionsIsRefusedWithBothCounts() {
        dimensions = 768;
        assertThatThrownBy(() -> open(EmbedderSpec.parse("bge-small-zh-v1.5").preset(), endpoint(0, Duration.ofSeconds(10))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("returns 768-dimensional vectors")
                .hasMessageContaining("bge-small-zh-v1.5 has 512");
    }

    @Test
    void aServerThatDoesNotServeTheModelIsRefusedNamingWhatItServes() {
        models = List.of("text-embedding-3-small");
        assertThatThrownBy(() -> open(EmbedderSpec.parse("bge-small-zh-v1.5").preset(), endpoint(0, Duration.ofSeconds(10))))
                .hasMessageContaining("serves [text-embedding-3-small], not 'remote-bge'");
    }

    @Test
    void fullQwen3VectorsAreCutToTheIndexsMatryoshkaSize() {
        dimensions = 1024;
        ModelPreset qwen256 = EmbedderSpec.parse("qwen3-embedding-0.6b?dimensions=256").preset();
        try (OpenAiEmbedder embedder = open(qwen256, endpoint(0, Duration.ofSeconds(10)))) {
            float[] v = embedder.embedTexts(List.of("q")).get(0);
            assertThat(v).hasSize(256);
            assertThat(Vectors.dot(v, Vectors.truncateAndNormalize(vector("q", 1024), 256))).isGreaterThan(0.99999);
            // Queries get the instruction on the client side: the server sees plain text.
            float[] query = embedder.embedQueries(List.of("q")).get(0);
            assertThat(Vectors.dot(query, Vectors.truncateAndNormalize(vector(qwen256.queryText("q"), 1024), 256))).isGreaterThan(0.99999);
        }
    }

    @Test
    void anApiKeyIsReadFromTheNamedEnvironmentVariableOnly() {
        String variable = System.getenv().containsKey("PATH") ? "PATH" : System.getenv().keySet().iterator().next();
        RemoteEndpoint withKey = new RemoteEndpoint("http://127.0.0.1:" + server.getAddress().getPort(), "remote-bge", variable,
                Duration.ofSeconds(10), 0, 8);
        try (OpenAiEmbedder embedder = open(EmbedderSpec.parse("bge-small-zh-v1.5").preset(), withKey)) {
            assertThat(lastAuthorization).isEqualTo("Bearer " + System.getenv(variable).strip());
        }
        RemoteEndpoint missing = new RemoteEndpoint("http://127.0.0.1:1", "m", "SEMDEX_SURELY_UNSET_VARIABLE", Duration.ofSeconds(1), 0, 8);
        assertThatThrownBy(() -> open(EmbedderSpec.parse("bge-small-zh-v1.5").preset(), missing)).hasMessageContaining("SEMDEX_SURELY_UNSET_VARIABLE");
    }
}
