package io.semdex.query;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.semdex.core.Band;
import io.semdex.core.IndexLayout;
import io.semdex.core.Json;
import io.semdex.embed.Embedder;
import io.semdex.embed.EmbedderSpec;
import io.semdex.embed.Slot;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP API's guards on the real server with the real default model: parameter validation,
 * body limits, the API key, the rate limit, CORS, the status and metrics endpoints and the page.
 */
class HttpApiHardeningTest {

    private static final String KEY = "test-key-0123456789abcdef";
    private static final String ORIGIN = "https://kb.example.com";
    private static final int BODY_LIMIT = 64 * 1024;

    @TempDir
    static Path indexRoot;

    private static Embedder embedder;
    private static LiveIndex index;
    /** Key for writes, one CORS origin, a 64 KiB body limit. */
    private static HttpApi writesGuarded;
    /** Key for everything and a rate limit of a burst of 3, then one request per 10 s. */
    private static HttpApi allGuarded;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        embedder = EmbedderSpec.parse("bge-small-zh-v1.5?device=cpu").open(Slot.SINGLE);
        index = new LiveIndex(new IndexLayout(indexRoot), embedder.info(), 100);
        writesGuarded = new HttpApi("127.0.0.1", 0, new Searcher(index, embedder), index, null, new OpenAiEmbeddingsApi(embedder),
                AccessPolicy.DEFAULT.withApiKey(KEY, false).withCorsOrigins(List.of(ORIGIN)).withMaxBodyBytes(BODY_LIMIT), new Metrics(), null);
        allGuarded = new HttpApi("127.0.0.1", 0, new Searcher(index, embedder), index, null, new OpenAiEmbeddingsApi(embedder),
                AccessPolicy.DEFAULT.withApiKey(KEY, true).withRateLimit(0.1, 3), new Metrics(), null);
    }

    @AfterAll
    static void stop() {
        writesGuarded.close();
        allGuarded.close();
        index.close();
        embedder.close();
    }

    private static URI uri(HttpApi api, String path) {
        return URI.create("http://127.0.0.1:" + api.address().getPort() + path);
    }

    private HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(writesGuarded, path)).GET();
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, byte[] body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(writesGuarded, path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String error(HttpResponse<String> response) throws Exception {
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        String message = Json.MAPPER.readTree(response.body()).get("error").asText();
        assertThat(message).doesNotContain("Exception").doesNotContain("\tat ");
        return message;
    }

    @Test
    void everyBadSearchParameterIsA400ThatSaysWhatToChange() throws Exception {
        record Case(String query, String says) {}
        for (Case c : List.of(
                new Case("q=a&k=0", "'k' must be between 1 and 100, got 0"),
                new Case("q=a&k=101", "'k' must be between 1 and 100, got 101"),
                new Case("q=a&k=ten", "'k' must be an integer, got 'ten'"),
                new Case("q=a&threshold=1.5", "'threshold' on the calibrated scale must be a relevance between 0 and 1, got 1.5"),
                new Case("q=a&threshold=-0.2", "(threshold_scale=cosine takes a raw cosine -1..1)"),
                new Case("q=a&threshold_scale=cosine&threshold=1.5", "'threshold' on the cosine scale must be a cosine between -1 and 1, got 1.5"),
                new Case("q=a&threshold_scale=cosine&threshold=NaN", "'threshold' on the cosine scale must be a cosine between -1 and 1"),
                new Case("q=a&threshold_scale=percent", "threshold_scale must be calibrated or cosine, got 'percent'"),
                new Case("q=a&mode=fuzzy", "mode must be one of vector, keyword, hybrid, got 'fuzzy'"),
                new Case("q=", "'q' is required"),
                new Case("k=3", "'q' is required"),
                new Case("q=" + "x".repeat(2001), "'q' is 2001 characters; the limit is 2000"),
                new Case("q=a&colour=red", "unknown parameter 'colour'"),
                new Case("q=a&k=1&k=2", "'k' is given more than once"),
                new Case("q=a&offset=-1", "'offset' must be >= 0"))) {
            HttpResponse<String> response = get("/api/search?" + c.query());
            assertThat(response.statusCode()).as(c.query()).isEqualTo(400);
            assertThat(error(response)).as(c.query()).contains(c.says());
        }
    }

    @Test
    void badSearchBodiesAre400s() throws Exception {
        record Case(String body, String says) {}
        for (Case c : List.of(
                new Case("{\"q\": {\"x\": 1}}", "'q' must be a string, got object"),
                new Case("{\"q\": \"a\", \"k\": [1]}", "'k' must be a number or boolean, got array"),
                new Case("{\"q\": \"a\", \"k\": \"ten\"}", "'k' must be an integer"),
                new Case("{\"q\": \"a\",", "malformed JSON"),
                new Case("[1, 2]", "must be a JSON object"),
                new Case("", "request body is empty"))) {
            HttpResponse<String> response = post("/api/search", c.body().getBytes(StandardCharsets.UTF_8));
            assertThat(response.statusCode()).as(c.body()).isEqualTo(400);
            assertThat(error(response)).as(c.body()).contains(c.says());
        }
        byte[] invalidUtf8 = {'{', '"', 'q', '"', ':', '"', (byte) 0xC3, '(', '"', '}'};
        HttpResponse<String> response = post("/api/search", invalidUtf8);
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(error(response)).contains("not valid UTF-8");
        HttpResponse<String> deep = post("/api/search", ("[".repeat(5000) + "]".repeat(5000)).getBytes(StandardCharsets.UTF_8));
        assertThat(deep.statusCode()).isEqualTo(400);
        error(deep);
    }

    @Test
    void aBodyOverTheLimitIs413() throws Exception {
        byte[] big = ("\"" + "a".repeat(BODY_LIMIT + 10) + "\"").getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> search = post("/api/search", big);
        assertThat(search.statusCode()).isEqualTo(413);
        assertThat(error(search)).contains("the limit is " + BODY_LIMIT);
        HttpResponse<String> documents = post("/api/documents", big, "X-API-Key", KEY);
        assertThat(documents.statusCode()).isEqualTo(413);
    }

    @Test
    void theEmbeddingsEndpointHoldsToTheConfiguredBodyLimitEvenWithoutAContentLength() throws Exception {
        byte[] big = ("{\"model\": \"bge-small-zh-v1.5\", \"input\": \"" + "a".repeat(BODY_LIMIT) + "\"}").getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> chunked = http.send(HttpRequest.newBuilder(uri(writesGuarded, "/v1/embeddings"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(chunked.statusCode()).isEqualTo(413);
        assertThat(Json.MAPPER.readTree(chunked.body()).at("/error/message").asText()).contains("larger than " + BODY_LIMIT);
    }

    @Test
    void aRefusedRequestIsAnsweredWithoutWaitingForItsBody() throws Exception {
        // 32 MiB declared, 1 KiB sent: a server that read the body before refusing would never answer.
        HttpResponse<String> noKey = RawHttp.sendPartBody(writesGuarded.address().getPort(), "POST", "/api/documents", 32L << 20, 1024, 10,
                "Content-Type", "application/json");
        assertThat(noKey.statusCode()).isEqualTo(401);
        assertThat(noKey.headers().firstValue("Connection")).hasValue("close");
        HttpApi limited = new HttpApi("127.0.0.1", 0, new Searcher(index, embedder), index, null, new OpenAiEmbeddingsApi(embedder),
                AccessPolicy.DEFAULT.withRateLimit(0.001, 1), new Metrics(), null);
        try {
            assertThat(http.send(HttpRequest.newBuilder(uri(limited, "/api/status")).build(), HttpResponse.BodyHandlers.ofString())
                    .statusCode()).isEqualTo(200);
            HttpResponse<String> overLimit = RawHttp.sendPartBody(limited.address().getPort(), "POST", "/v1/embeddings", 32L << 20, 1024,
                    10, "Content-Type", "application/json");
            assertThat(overLimit.statusCode()).isEqualTo(429);
            assertThat(overLimit.headers().firstValue("Connection")).hasValue("close");
        } finally {
            limited.close();
        }
    }

    @Test
    void writesNeedTheKeyAndReadsDoNotUnlessConfigured() throws Exception {
        byte[] doc = "{\"id\": \"d1\", \"body\": \"text\"}".getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> none = post("/api/documents", doc);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"semdex\"");
        assertThat(error(none)).contains("Authorization: Bearer KEY");
        HttpResponse<String> wrong = post("/api/documents", doc, "Authorization", "Bearer " + KEY + "x");
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(error(wrong)).isEqualTo("the API key is not valid");
        // With the key the request reaches the endpoint: this server has no Kafka, so 503 says so.
        assertThat(post("/api/documents", doc, "Authorization", "Bearer " + KEY).statusCode()).isEqualTo(503);
        assertThat(post("/api/documents", doc, "X-API-Key", KEY).statusCode()).isEqualTo(503);
        assertThat(get("/api/search?q=a&mode=keyword").statusCode()).isEqualTo(200);
    }

    @Test
    void withKeyForReadsEveryEndpointButLivenessAndThePageNeedsIt() throws Exception {
        // Refused requests count against the rate limit too: these three spend the burst.
        HttpResponse<String> search = http.send(HttpRequest.newBuilder(uri(allGuarded, "/api/search?q=a&mode=keyword")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(search.statusCode()).isEqualTo(401);
        HttpResponse<String> withKey = http.send(HttpRequest.newBuilder(uri(allGuarded, "/api/search?q=a&mode=keyword"))
                .header("X-API-Key", KEY).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(withKey.statusCode()).isEqualTo(200);
        HttpResponse<String> embeddings = http.send(HttpRequest.newBuilder(uri(allGuarded, "/v1/embeddings"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\": \"bge-small-zh-v1.5\", \"input\": \"a\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(embeddings.statusCode()).isEqualTo(401);
        assertThat(Json.MAPPER.readTree(embeddings.body()).at("/error/code").asText()).isEqualTo("invalid_api_key");
        // The burst of 3 is spent: the next request waits, with Retry-After; liveness is never limited.
        HttpResponse<String> limited = http.send(HttpRequest.newBuilder(uri(allGuarded, "/api/status")).header("X-API-Key", KEY).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().firstValue("Retry-After")).hasValueSatisfying(v -> assertThat(Long.parseLong(v)).isBetween(1L, 10L));
        assertThat(error(limited)).contains("too many requests");
        for (int i = 0; i < 5; i++) {
            assertThat(http.send(HttpRequest.newBuilder(uri(allGuarded, "/health")).GET().build(), HttpResponse.BodyHandlers.ofString())
                    .statusCode()).isEqualTo(200);
        }
    }

    @Test
    void writesABrowserPageCouldForgeAreRefusedAndTheServersOwnPagesAndAllowedOriginsGetThrough() throws Exception {
        int port = writesGuarded.address().getPort();
        String doc = "{\"id\": \"forged\", \"body\": \"Written by another site.\"}";
        // A cross-site form or fetch with text/plain needs no preflight: refused before the key is even looked at.
        HttpResponse<String> plain = RawHttp.send(port, "POST", "/api/documents", doc, "Content-Type", "text/plain",
                "Origin", "http://evil.example", "X-API-Key", KEY);
        assertThat(plain.statusCode()).isEqualTo(415);
        assertThat(error(plain)).contains("Content-Type: application/json", "text/plain");
        HttpResponse<String> none = RawHttp.send(port, "POST", "/api/documents", doc, "X-API-Key", KEY);
        assertThat(none.statusCode()).isEqualTo(415);
        HttpResponse<String> foreign = RawHttp.send(port, "POST", "/api/documents", doc, "Content-Type", "application/json",
                "Origin", "http://evil.example", "X-API-Key", KEY);
        assertThat(foreign.statusCode()).isEqualTo(403);
        assertThat(error(foreign)).contains("origin http://evil.example may not write here", ORIGIN);
        HttpResponse<String> opaque = RawHttp.send(port, "POST", "/api/documents", doc, "Content-Type", "application/json",
                "Origin", "null", "X-API-Key", KEY);
        assertThat(opaque.statusCode()).isEqualTo(403);

        // A DNS-rebinding page reaches the loopback server under its own name: refused, reads too.
        HttpResponse<String> rebound = RawHttp.send(port, "POST", "/api/documents", doc, "Host", "attacker.example:" + port,
                "Content-Type", "application/json", "X-API-Key", KEY);
        assertThat(rebound.statusCode()).isEqualTo(403);
        assertThat(error(rebound)).contains("Host 'attacker.example:" + port + "' is not a name of this server", "127.0.0.1",
                "localhost", "--allowed-host");
        assertThat(RawHttp.send(port, "GET", "/api/search?q=a&mode=keyword", null, "Host", "attacker.example").statusCode()).isEqualTo(403);

        // The server's own page (same origin, under any of its names), an allowed origin, or no Origin at all: on to the endpoint
        // (503: this server has no Kafka).
        for (String[] headers : new String[][] {{"Origin", "http://127.0.0.1:" + port}, {"Origin", "http://localhost:" + port,
                "Host", "localhost:" + port}, {"Origin", ORIGIN}, {}}) {
            List<String> all = new java.util.ArrayList<>(List.of(headers));
            all.addAll(List.of("Content-Type", "application/json; charset=utf-8", "X-API-Key", KEY));
            HttpResponse<String> accepted = RawHttp.send(port, "POST", "/api/documents", doc, all.toArray(String[]::new));
            assertThat(accepted.statusCode()).as(String.join(" ", headers)).isEqualTo(503);
        }
        assertThat(RawHttp.send(port, "GET", "/api/search?q=a&mode=keyword", null, "Host", "[::1]:" + port).statusCode()).isEqualTo(200);
    }

    @Test
    void corsAnswersOnlyTheConfiguredOrigin() throws Exception {
        HttpResponse<String> preflight = http.send(HttpRequest.newBuilder(uri(writesGuarded, "/api/search"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("Origin", ORIGIN)
                .header("Access-Control-Request-Method", "POST").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(preflight.statusCode()).isEqualTo(204);
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).hasValue(ORIGIN);
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Headers")).hasValueSatisfying(h -> assertThat(h).contains("X-API-Key"));

        HttpResponse<String> other = http.send(HttpRequest.newBuilder(uri(writesGuarded, "/api/search"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("Origin", "https://evil.example")
                .header("Access-Control-Request-Method", "POST").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(other.statusCode()).isEqualTo(403);
        assertThat(other.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();

        assertThat(get("/api/search?q=a&mode=keyword", "Origin", ORIGIN).headers().firstValue("Access-Control-Allow-Origin")).hasValue(ORIGIN);
        assertThat(get("/api/search?q=a&mode=keyword", "Origin", "https://evil.example").headers().firstValue("Access-Control-Allow-Origin"))
                .isEmpty();
    }

    private static final Pattern SAMPLE = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*(\\{[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\""
            + "(,[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\")*\\})? -?[0-9.eE+-]+|[a-zA-Z_:][a-zA-Z0-9_:]*(\\{.*\\})? [+-]Inf|.* NaN");

    @Test
    void metricsAreInThePrometheusTextFormat() throws Exception {
        assertThat(get("/api/search?q=metrics&mode=keyword").statusCode()).isEqualTo(200);
        assertThat(get("/api/search?q=metrics&mode=vector").statusCode()).isEqualTo(200);
        HttpResponse<String> metrics = get("/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain; version=0.0.4"));
        for (String line : metrics.body().split("\n")) {
            if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
                continue;
            }
            assertThat(SAMPLE.matcher(line).matches()).as(line).isTrue();
        }
        assertThat(metrics.body())
                .containsPattern("semdex_search_duration_seconds_count\\{mode=\"keyword\"\\} [1-9]")
                .containsPattern("semdex_search_duration_seconds_count\\{mode=\"vector\"\\} [1-9]")
                .contains("semdex_search_duration_seconds_bucket{mode=\"hybrid\",le=\"+Inf\"} 0")
                .contains("# TYPE semdex_embed_duration_seconds histogram")
                .contains("semdex_index_units 0", "semdex_index_generation 0", "semdex_index_size_bytes 0")
                .containsPattern("semdex_http_requests_total\\{endpoint=\"/api/search\",status=\"200\"\\} [1-9]")
                .containsPattern("process_resident_memory_bytes [1-9]");
    }

    @Test
    void statusNamesTheModelBandsAndLimits() throws Exception {
        HttpResponse<String> response = get("/api/status");
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode status = Json.MAPPER.readTree(response.body());
        assertThat(status.get("model").asText()).isEqualTo("bge-small-zh-v1.5");
        assertThat(status.get("dimensions").asInt()).isEqualTo(512);
        assertThat(status.at("/bands/strong").asDouble()).isEqualTo(Band.STRONG_FROM);
        assertThat(status.at("/bands/related").asDouble()).isEqualTo(Band.RELATED_FROM);
        assertThat(status.at("/calibration/calibrated").asBoolean()).as("no generation, no calibration").isFalse();
        assertThat(status.get("defaultThresholdScale").asText()).isEqualTo("calibrated");
        assertThat(status.at("/limits/maxK").asInt()).isEqualTo(100);
        assertThat(status.at("/limits/maxBodyBytes").asInt()).isEqualTo(BODY_LIMIT);
        assertThat(status.at("/apiKey/writes").asBoolean()).isTrue();
        assertThat(status.get("generation").isNull()).isTrue();
        assertThat(status.get("documentsEndpoint").asBoolean()).isFalse();
    }

    @Test
    void thePageIsServedWithAStrictContentSecurityPolicy() throws Exception {
        HttpResponse<String> page = get("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(page.headers().firstValue("Content-Security-Policy"))
                .hasValueSatisfying(csp -> assertThat(csp).contains("script-src 'self'").doesNotContain("unsafe-inline"));
        assertThat(page.body()).contains("<script src=\"/static/app.js\" defer></script>");
        assertThat(get("/static/app.js").headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
        assertThat(get("/static/app.css").statusCode()).isEqualTo(200);
        assertThat(get("/static/other.js").statusCode()).isEqualTo(404);
    }

    @Test
    void thePageScriptNeverParsesDataAsMarkup() throws Exception {
        try (InputStream in = StaticPage.class.getResourceAsStream("/io/semdex/query/web/app.js")) {
            String js = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertThat(js).doesNotContain(".innerHTML =", ".outerHTML", "insertAdjacentHTML", "document.write", "eval(");
        }
    }
}
