package io.semdex.query;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.semdex.core.EmbeddedDocument;
import io.semdex.core.EmbeddedUnit;
import io.semdex.core.Generation;
import io.semdex.core.IndexLayout;
import io.semdex.core.Json;
import io.semdex.core.Manifest;
import io.semdex.core.SourceDocument;
import io.semdex.core.TextAnalysis;
import io.semdex.core.Unit;
import io.semdex.embed.Embedder;
import io.semdex.embed.EmbedderSpec;
import io.semdex.embed.Slot;
import io.semdex.sink.ShardWriter;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenAPI document against the real server with the real default model: every endpoint is
 * called with good and bad requests, and each answer's body must match the schema the document
 * gives for its path, method, status and content type. The test also checks that it has seen every
 * path and status the document declares (all but 500), so a new one cannot go unchecked.
 */
class OpenApiContractTest {

    private static final String KEY = "contract-key-0123456789";
    private static final int BODY_LIMIT = 64 * 1024;
    private static final String DOC_TEXT = "The office opens at nine and closes at five on weekdays.";

    @TempDir
    static Path temp;

    private static JsonNode openApi;
    private static Embedder embedder;
    private static final List<LiveIndex> indexes = new ArrayList<>();
    private static final List<HttpApi> apis = new ArrayList<>();
    /** "path status" pairs this test has checked against the document. */
    private static final Set<String> covered = new TreeSet<>();
    private final HttpClient http = HttpClient.newHttpClient();

    private static final RecordingPublisher RECORDING = new RecordingPublisher();

    @BeforeAll
    static void start() throws Exception {
        try (InputStream in = OpenApiContractTest.class.getResourceAsStream(HttpApi.OPENAPI_RESOURCE)) {
            openApi = Json.MAPPER.readTree(in);
        }
        embedder = EmbedderSpec.parse("bge-small-zh-v1.5?device=cpu").open(Slot.SINGLE);
    }

    @AfterAll
    static void stop() {
        apis.forEach(api -> api.close(Duration.ofSeconds(5)));
        indexes.forEach(LiveIndex::close);
        embedder.close();
    }

    @Test
    void theServedDocumentIsTheOneInTheRepository() throws Exception {
        HttpApi api = api(indexWithOneDocument("served"), AccessPolicy.DEFAULT.withApiKey(KEY, true), RECORDING);
        HttpResponse<String> response = send(api, "GET", "/openapi.json", null); // public even when reads need the key
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        assertThat(Json.MAPPER.readTree(response.body())).isEqualTo(openApi);
        assertThat(Files.readString(Path.of("src/main/resources/openapi.json"))).isEqualTo(response.body());
        assertThat(openApi.get("openapi").asText()).isEqualTo("3.1.0");
    }

    @Test
    void everyEndpointAnswersGoodAndBadRequestsAsTheDocumentSays() throws Exception {
        LiveIndex ready = indexWithOneDocument("ready");
        HttpApi open = api(ready, AccessPolicy.DEFAULT.withMaxBodyBytes(BODY_LIMIT), RECORDING);
        String model = embedder.info().modelId();

        // 200 and 202
        check("/api/search", "get", send(open, "GET", "/api/search?q=when+does+the+office+open&k=5", null), 200);
        HttpResponse<String> found = send(open, "GET", "/api/search?q=office&mode=keyword&group=doc&filter=source:test", null);
        check("/api/search", "get", found, 200);
        assertThat(Json.MAPPER.readTree(found.body()).get("hits")).isNotEmpty();
        check("/api/search", "post", send(open, "POST", "/api/search",
                "{\"q\": \"opening hours\", \"k\": 3, \"mode\": \"vector\", \"threshold\": 0.1, \"filter\": [\"lang:en\"], \"highlight\": false}"), 200);
        check("/api/search", "post", send(open, "POST", "/api/search", "{\"q\": \"office\", \"fusion\": \"rrf\", \"rrf_k\": 10, \"alpha\": 0.5}"), 200);
        check("/api/documents", "get", send(open, "GET", "/api/documents?id=office&id=missing", null), 200);
        check("/api/documents", "post", send(open, "POST", "/api/documents", "{\"id\": \"a\", \"body\": \"Hello there.\"}"), 202);
        check("/api/documents", "post", send(open, "POST", "/api/documents",
                "[{\"title\": \"No id\", \"body\": \"An id from the content.\"}, {\"id\": \"b\", \"body\": \"x\", \"fields\": {\"price\": 3}}]"), 202);
        check("/api/status", "get", send(open, "GET", "/api/status", null), 200);
        check("/health", "get", send(open, "GET", "/health", null), 200);
        check("/ready", "get", send(open, "GET", "/ready", null), 200);
        check("/metrics", "get", send(open, "GET", "/metrics", null), 200);
        check("/openapi.json", "get", send(open, "GET", "/openapi.json", null), 200);
        check("/v1/embeddings", "post", send(open, "POST", "/v1/embeddings", "{\"model\": \"" + model + "\", \"input\": \"你好\"}"), 200);
        check("/v1/embeddings", "post", send(open, "POST", "/v1/embeddings",
                "{\"model\": \"" + model + "\", \"input\": [\"a\", \"b\"], \"encoding_format\": \"base64\", \"input_type\": \"query\"}"), 200);
        check("/v1/models", "get", send(open, "GET", "/v1/models", null), 200);
        check("/v1/models/{model}", "get", send(open, "GET", "/v1/models/" + model, null), 200);

        // 400
        check("/api/search", "get", send(open, "GET", "/api/search?q=a&k=0", null), 400);
        check("/api/search", "post", send(open, "POST", "/api/search", "{\"q\": \"a\", \"threshold\": 2}"), 400);
        check("/api/documents", "get", send(open, "GET", "/api/documents", null), 400);
        check("/api/documents", "post", send(open, "POST", "/api/documents", "[]"), 400);
        check("/v1/embeddings", "post", send(open, "POST", "/v1/embeddings", "{\"model\": \"" + model + "\"}"), 400);

        // 404
        check("/v1/embeddings", "post", send(open, "POST", "/v1/embeddings", "{\"model\": \"nope\", \"input\": \"a\"}"), 404);
        check("/v1/models/{model}", "get", send(open, "GET", "/v1/models/nope", null), 404);
        HttpResponse<String> unknown = send(open, "GET", "/api/nothing", null);
        assertThat(unknown.statusCode()).isEqualTo(404);
        validate(openApi.at("/components/schemas/Error"), Json.MAPPER.readTree(unknown.body()), "unknown path");

        // 405: every method a path does not list
        for (String[] p : new String[][] {{"/api/search", "get"}, {"/api/documents", "get"}, {"/api/status", "get"}, {"/health", "get"},
                {"/ready", "get"}, {"/metrics", "get"}, {"/openapi.json", "get"}, {"/v1/embeddings", "post"}, {"/v1/models", "get"}}) {
            check(p[0], p[1], send(open, "DELETE", p[0], null), 405);
        }
        check("/v1/models/{model}", "get", send(open, "DELETE", "/v1/models/" + model, null), 405);

        // 413
        String big = "{\"q\": \"" + "x".repeat(BODY_LIMIT) + "\"}";
        check("/api/search", "post", send(open, "POST", "/api/search", big), 413);
        check("/api/documents", "post", send(open, "POST", "/api/documents", big), 413);
        check("/v1/embeddings", "post", send(open, "POST", "/v1/embeddings", big), 413);

        // 401: reads need the key too; /health and /openapi.json never do
        HttpApi keyed = api(ready, AccessPolicy.DEFAULT.withApiKey(KEY, true), RECORDING);
        for (String[] p : new String[][] {{"/api/search", "get", "GET", "/api/search?q=a"}, {"/api/search", "post", "POST", "/api/search"},
                {"/api/documents", "get", "GET", "/api/documents?id=a"}, {"/api/documents", "post", "POST", "/api/documents"},
                {"/api/status", "get", "GET", "/api/status"}, {"/ready", "get", "GET", "/ready"}, {"/metrics", "get", "GET", "/metrics"},
                {"/v1/embeddings", "post", "POST", "/v1/embeddings"}, {"/v1/models", "get", "GET", "/v1/models"},
                {"/v1/models/{model}", "get", "GET", "/v1/models/" + model}}) {
            HttpResponse<String> refused = send(keyed, p[2], p[3], p[2].equals("POST") ? "{}" : null);
            check(p[0], p[1], refused, 401);
            assertThat(refused.headers().firstValue("WWW-Authenticate")).as(p[3]).hasValue("Bearer realm=\"semdex\"");
        }
        assertThat(send(keyed, "GET", "/api/status", null, "Authorization", "Bearer " + KEY).statusCode()).isEqualTo(200);
        assertThat(send(keyed, "GET", "/api/status", null, ApiKeys.HEADER, KEY).statusCode()).isEqualTo(200);
        assertThat(send(keyed, "GET", "/health", null).statusCode()).isEqualTo(200);

        // 403: a Host that is not one of the server's names (a DNS-rebinding page), on every path; a write from a foreign Origin
        int port = open.address().getPort();
        for (String[] p : new String[][] {{"/api/search", "get", "GET", "/api/search?q=a"}, {"/api/search", "post", "POST", "/api/search"},
                {"/api/documents", "get", "GET", "/api/documents?id=a"}, {"/api/documents", "post", "POST", "/api/documents"},
                {"/api/status", "get", "GET", "/api/status"}, {"/health", "get", "GET", "/health"}, {"/ready", "get", "GET", "/ready"},
                {"/metrics", "get", "GET", "/metrics"}, {"/openapi.json", "get", "GET", "/openapi.json"},
                {"/v1/embeddings", "post", "POST", "/v1/embeddings"}, {"/v1/models", "get", "GET", "/v1/models"},
                {"/v1/models/{model}", "get", "GET", "/v1/models/" + model}}) {
            check(p[0], p[1], RawHttp.send(port, p[2], p[3], p[2].equals("POST") ? "{}" : null, "Host", "rebound.example:" + port,
                    "Content-Type", "application/json"), 403);
        }
        check("/api/documents", "post", RawHttp.send(port, "POST", "/api/documents", "{\"id\": \"a\", \"body\": \"x\"}",
                "Content-Type", "application/json", "Origin", "https://other.example"), 403);

        // 415: a write that is not declared JSON
        check("/api/documents", "post", RawHttp.send(port, "POST", "/api/documents", "{\"id\": \"a\", \"body\": \"x\"}",
                "Content-Type", "text/plain"), 415);

        // 429: a burst of one, then one request per 1000 s
        HttpApi limited = api(ready, AccessPolicy.DEFAULT.withRateLimit(0.001, 1), RECORDING);
        assertThat(send(limited, "GET", "/api/status", null).statusCode()).isEqualTo(200);
        for (String[] p : new String[][] {{"/api/search", "get", "GET", "/api/search?q=a"}, {"/api/search", "post", "POST", "/api/search"},
                {"/api/documents", "get", "GET", "/api/documents?id=a"}, {"/api/documents", "post", "POST", "/api/documents"},
                {"/api/status", "get", "GET", "/api/status"}, {"/ready", "get", "GET", "/ready"}, {"/metrics", "get", "GET", "/metrics"},
                {"/openapi.json", "get", "GET", "/openapi.json"}, {"/v1/embeddings", "post", "POST", "/v1/embeddings"},
                {"/v1/models", "get", "GET", "/v1/models"}, {"/v1/models/{model}", "get", "GET", "/v1/models/" + model}}) {
            HttpResponse<String> refused = send(limited, p[2], p[3], p[2].equals("POST") ? "{}" : null);
            check(p[0], p[1], refused, 429);
            assertThat(refused.headers().firstValue("Retry-After")).as(p[3]).isPresent();
        }
        assertThat(send(limited, "GET", "/health", null).statusCode()).isEqualTo(200);

        // 503: no index yet, an index of another model, no document pipeline, stopping
        HttpApi empty = api(new LiveIndex(new IndexLayout(temp.resolve("empty")), embedder.info(), 100), AccessPolicy.DEFAULT, null);
        check("/ready", "get", send(empty, "GET", "/ready", null), 503);
        check("/api/status", "get", send(empty, "GET", "/api/status", null), 200);
        check("/api/search", "get", send(empty, "GET", "/api/search?q=office&mode=keyword", null), 200);
        check("/api/documents", "post", send(empty, "POST", "/api/documents", "{\"id\": \"a\", \"body\": \"x\"}"), 503);

        IndexLayout other = new IndexLayout(temp.resolve("other-model"));
        other.switchTo(other.create(1, new Manifest("other-model", 4, "cosine", TextAnalysis.DEFAULT, 1, Instant.now(), "test", null)));
        HttpApi mismatched = api(new LiveIndex(other, embedder.info(), 100), AccessPolicy.DEFAULT, RECORDING);
        check("/api/search", "get", send(mismatched, "GET", "/api/search?q=office", null), 503);
        check("/ready", "get", send(mismatched, "GET", "/ready", null), 503);

        HttpApi stopping = api(ready, AccessPolicy.DEFAULT, RECORDING);
        stopping.stopAccepting();
        HttpResponse<String> refused = send(stopping, "POST", "/api/documents", "{\"id\": \"late\", \"body\": \"x\"}");
        check("/api/documents", "post", refused, 503);
        assertThat(refused.headers().firstValue("Retry-After")).hasValue(Long.toString(HttpApi.STOPPING_RETRY_AFTER_SECONDS));
        HttpResponse<String> notReady = send(stopping, "GET", "/ready", null);
        check("/ready", "get", notReady, 503);
        assertThat(Json.MAPPER.readTree(notReady.body())).isEqualTo(Json.MAPPER.readTree("{\"ready\": false, \"reason\": \"stopping\"}"));

        assertThat(covered).as("path and status pairs the document declares, all checked here but 500").isEqualTo(declared());
    }

    /** Every "path status" of the document but 500, which no good or bad request can bring about. */
    private static Set<String> declared() {
        Set<String> declared = new TreeSet<>();
        openApi.get("paths").fields().forEachRemaining(path -> path.getValue().forEach(operation ->
                operation.get("responses").fieldNames().forEachRemaining(status -> {
                    if (!status.equals("500")) {
                        declared.add(path.getKey() + " " + status);
                    }
                })));
        return declared;
    }

    /** Checks the answer's status, and its body against the schema the document gives for it. */
    private void check(String path, String method, HttpResponse<String> response, int status) throws Exception {
        String what = method.toUpperCase() + " " + response.uri().getRawPath() + " → " + response.statusCode() + " " + abbreviate(response.body());
        assertThat(response.statusCode()).as(what).isEqualTo(status);
        JsonNode declared = openApi.path("paths").path(path).path(method).path("responses").path(Integer.toString(status));
        assertThat(declared.isMissingNode()).as("the document declares %s %s %s", method, path, status).isFalse();
        declared = resolve(declared);
        String contentType = response.headers().firstValue("Content-Type").orElse("");
        String mediaType = contentType.split(";")[0].strip();
        JsonNode media = declared.path("content").path(mediaType);
        assertThat(media.isMissingNode()).as("%s: the document declares content %s", what, mediaType).isFalse();
        JsonNode body = mediaType.equals("application/json") ? Json.MAPPER.readTree(response.body()) : TextNode.valueOf(response.body());
        validate(media.get("schema"), body, what);
        covered.add(path + " " + status);
    }

    private static void validate(JsonNode schema, JsonNode body, String what) {
        ObjectNode inlined = (ObjectNode) resolve(schema.deepCopy());
        inlined.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        Set<ValidationMessage> errors = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(inlined).validate(body);
        assertThat(errors).as("%s against %s", what, schema).isEmpty();
    }

    /** The node with every {@code $ref} into this document replaced by what it points at (the document has no cycles). */
    private static JsonNode resolve(JsonNode node) {
        if (node.isObject() && node.has("$ref")) {
            String ref = node.get("$ref").asText();
            assertThat(ref).startsWith("#/");
            JsonNode target = openApi.at(ref.substring(1));
            assertThat(target.isMissingNode()).as(ref).isFalse();
            return resolve(target.deepCopy());
        }
        if (node.isObject()) {
            ObjectNode object = (ObjectNode) node;
            for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                field.setValue(resolve(field.getValue()));
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                ((com.fasterxml.jackson.databind.node.ArrayNode) node).set(i, resolve(node.get(i)));
            }
        }
        return node;
    }

    private static String abbreviate(String body) {
        return body.length() <= 300 ? body : body.substring(0, 300) + "…";
    }

    /** A generation of the service's own model holding one document, embedded by that model. */
    private static LiveIndex indexWithOneDocument(String name) throws Exception {
        IndexLayout layout = new IndexLayout(temp.resolve(name));
        Generation gen = layout.create(1, new Manifest(embedder.info().modelId(), embedder.info().dimensions(), "cosine",
                TextAnalysis.DEFAULT, 1, Instant.now(), "test", null));
        try (ShardWriter shard = ShardWriter.open(gen.shardDir(0), TextAnalysis.DEFAULT, OptionalLong.empty())) {
            Unit unit = new Unit(Unit.idOf("office", 0), "office", 0, DOC_TEXT, List.of(), "Office hours", "https://example.com/office", "test",
                    "en", Map.of("category", "facilities"), "h0");
            float[] vector = embedder.embedDocuments(List.of(DOC_TEXT)).get(0);
            shard.apply(new EmbeddedDocument("office", 0, false, List.of(new EmbeddedUnit(unit, vector))));
            shard.commitAndPublish();
        }
        layout.switchTo(gen);
        LiveIndex index = new LiveIndex(layout, embedder.info(), 100);
        indexes.add(index);
        return index;
    }

    private static HttpApi api(LiveIndex index, AccessPolicy access, DocumentPublisher publisher) throws Exception {
        if (!indexes.contains(index)) {
            indexes.add(index);
        }
        HttpApi api = new HttpApi("127.0.0.1", 0, new Searcher(index, embedder), index, publisher, new OpenAiEmbeddingsApi(embedder),
                access, new Metrics(), null);
        apis.add(api);
        return api;
    }

    private HttpResponse<String> send(HttpApi api, String method, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.address().getPort() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
