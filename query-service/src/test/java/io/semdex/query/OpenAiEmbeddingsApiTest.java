package io.semdex.query;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.semdex.core.IndexLayout;
import io.semdex.core.Json;
import io.semdex.embed.Embedder;
import io.semdex.embed.EmbedderSpec;
import io.semdex.embed.Slot;
import io.semdex.embed.Vectors;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /v1/embeddings} and {@code /v1/models} on the real HTTP server with the real default model. */
class OpenAiEmbeddingsApiTest {

    private static final String MODEL = "bge-small-zh-v1.5";
    private static final List<String> TEXTS = List.of("橙子和猕猴桃都含有大量维生素C。", "The capital of Japan is Tokyo.", "短句");

    @TempDir
    static Path indexRoot;

    private static Embedder embedder;
    private static LiveIndex index;
    private static HttpApi api;
    private static String base;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        embedder = EmbedderSpec.parse(MODEL + "?device=cpu").open(Slot.SINGLE);
        index = new LiveIndex(new IndexLayout(indexRoot), embedder.info(), 100);
        api = new HttpApi("127.0.0.1", 0, new Searcher(index, embedder), index, null, new OpenAiEmbeddingsApi(embedder));
        base = "http://127.0.0.1:" + api.address().getPort();
    }

    @AfterAll
    static void stop() {
        api.close();
        index.close();
        embedder.close();
    }

    private HttpResponse<String> post(String path, String json) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static float[] decode(String base64) {
        ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(base64)).order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[bytes.remaining() / 4];
        bytes.asFloatBuffer().get(v);
        return v;
    }

    @Test
    void theRequestTheOpenAiPythonClientSendsGetsThePipelinesVectors() throws Exception {
        // What openai-python 1.x sends for client.embeddings.create(model=…, input=[…]): base64 by default.
        String body = "{\"input\": " + Json.MAPPER.writeValueAsString(TEXTS) + ", \"model\": \"" + MODEL + "\", \"encoding_format\": \"base64\"}";
        HttpResponse<String> response = post("/v1/embeddings", body);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        JsonNode json = Json.MAPPER.readTree(response.body());
        assertThat(json.get("object").asText()).isEqualTo("list");
        assertThat(json.get("model").asText()).isEqualTo(MODEL);
        // The ingest pipeline embeds a unit with embedDocuments: the same vectors must come back.
        List<float[]> pipeline = embedder.embedDocuments(TEXTS);
        int expectedTokens = 0;
        for (int i = 0; i < TEXTS.size(); i++) {
            JsonNode item = json.get("data").get(i);
            assertThat(item.get("object").asText()).isEqualTo("embedding");
            assertThat(item.get("index").asInt()).isEqualTo(i);
            float[] v = decode(item.get("embedding").asText());
            assertThat(v).hasSize(512);
            assertThat(Vectors.dot(v, pipeline.get(i))).isGreaterThan(0.99999);
            expectedTokens += embedder.countTokens(TEXTS.get(i));
        }
        assertThat(json.at("/usage/prompt_tokens").asInt()).isEqualTo(expectedTokens);
        assertThat(json.at("/usage/total_tokens").asInt()).isEqualTo(expectedTokens);
    }

    @Test
    void aSingleStringWithFloatEncodingAndInputTypeQueryGetsTheSearchApisQueryVector() throws Exception {
        HttpResponse<String> response = post("/v1/embeddings",
                "{\"model\":\"" + MODEL + "\",\"input\":\"哪种水果维生素C多\",\"input_type\":\"query\"}");
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode embedding = Json.MAPPER.readTree(response.body()).at("/data/0/embedding");
        float[] v = new float[embedding.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) embedding.get(i).asDouble();
        }
        assertThat(Vectors.dot(v, embedder.embedQueries(List.of("哪种水果维生素C多")).get(0))).isGreaterThan(0.99999);
    }

    @Test
    void tokenArraysAreEmbeddedAsGiven() throws Exception {
        // [CLS] 你 好 [SEP] in bge-small-zh's vocabulary, as a client that tokenizes itself sends them.
        HttpResponse<String> response = post("/v1/embeddings", "{\"model\":\"" + MODEL + "\",\"input\":[[101, 872, 1962, 102]]}");
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode json = Json.MAPPER.readTree(response.body());
        assertThat(json.at("/usage/prompt_tokens").asInt()).isEqualTo(4);
        float[] v = new float[512];
        for (int i = 0; i < 512; i++) {
            v[i] = (float) json.at("/data/0/embedding").get(i).asDouble();
        }
        assertThat(Vectors.dot(v, embedder.embedTexts(List.of("你好")).get(0))).isGreaterThan(0.99999);
    }

    @Test
    void theModelListNamesTheServedModel() throws Exception {
        JsonNode list = Json.MAPPER.readTree(get("/v1/models").body());
        assertThat(list.get("object").asText()).isEqualTo("list");
        assertThat(list.at("/data/0/id").asText()).isEqualTo(MODEL);
        assertThat(list.at("/data/0/object").asText()).isEqualTo("model");
        assertThat(get("/v1/models/" + MODEL).statusCode()).isEqualTo(200);
        assertThat(get("/v1/models/other").statusCode()).isEqualTo(404);
    }

    @Test
    void errorsComeInOpenAisShape() throws Exception {
        assertError(post("/v1/embeddings", "{\"model\":\"text-embedding-3-small\",\"input\":\"x\"}"), 404, "model", "model_not_found");
        assertError(post("/v1/embeddings", "{\"model\":\"" + MODEL + "\",\"input\":\"x\",\"dimensions\":256}"), 400, "dimensions", null);
        assertError(post("/v1/embeddings", "{\"model\":\"" + MODEL + "\",\"input\":\"x\",\"encoding_format\":\"int8\"}"), 400, "encoding_format", null);
        assertError(post("/v1/embeddings", "{\"model\":\"" + MODEL + "\",\"input\":[]}"), 400, "input", null);
        assertError(post("/v1/embeddings", "{\"model\":\"" + MODEL + "\",\"input\":[\"a\", 1]}"), 400, "input", null);
        assertError(post("/v1/embeddings", "{\"model\":\"" + MODEL + "\",\"input\":\"\"}"), 400, "input", null);
        assertError(post("/v1/embeddings", "{\"model\":\"" + MODEL + "\",\"input\":\"x\",\"temperature\":1}"), 400, "temperature", null);
        assertError(post("/v1/embeddings", "{\"input\":\"x\"}"), 400, "model", null);
        assertError(post("/v1/embeddings", "{\"model\":\"" + MODEL + "\",\"input\":\"" + "字".repeat(600) + "\"}"), 400, "input",
                "context_length_exceeded");
        assertError(post("/v1/embeddings", "not json"), 400, null, null);
        assertError(get("/v1/embeddings"), 405, null, "method_not_allowed");
        assertError(get("/v1/completions"), 404, null, "unknown_url");
    }

    private static void assertError(HttpResponse<String> response, int status, String param, String code) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        JsonNode error = Json.MAPPER.readTree(response.body()).get("error");
        assertThat(error.get("message").asText()).isNotBlank();
        assertThat(error.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.has("param")).isTrue();
        assertThat(error.get("param").isNull() ? null : error.get("param").asText()).isEqualTo(param);
        assertThat(error.get("code").isNull() ? null : error.get("code").asText()).isEqualTo(code);
    }

    @Test
    void anotherSemdexCanEmbedThroughThisOneAsItsRemoteModel() {
        String spec = MODEL + "?url=" + base + "/v1&remote-model=" + MODEL;
        try (Embedder remote = EmbedderSpec.parse(spec).open(Slot.SINGLE)) {
            assertThat(remote.info().engine()).isEqualTo("openai");
            List<float[]> viaHttp = remote.embedQueries(TEXTS);
            List<float[]> local = embedder.embedQueries(TEXTS);
            for (int i = 0; i < TEXTS.size(); i++) {
                assertThat(Vectors.dot(viaHttp.get(i), local.get(i))).isGreaterThan(0.99999);
            }
        }
    }
}
