package io.semdex.embed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.semdex.core.Json;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link Embedder} backed by an OpenAI-compatible {@code /v1/embeddings} server: vLLM, SGLang,
 * TEI, OpenAI, or another semdex. The preset's query instruction and document prefix are applied
 * here, so the server sees plain text; vectors are checked against the preset's dimensions, then
 * truncated (Matryoshka) and normalized here, so any server's output matches an in-process run.
 *
 * <p>Requests carry at most {@code request-size} texts, time out after {@code timeout}, and are
 * retried with exponential backoff and jitter (honouring {@code Retry-After}) on connection errors,
 * timeouts, 408, 429 and 5xx, for at most {@code retries} more attempts and no new attempt after
 * {@value #MAX_RETRY_SECONDS} s; when the retries are spent, a {@link TransientEmbeddingException} says so,
 * which the embedding operator never blames on the texts. Answers that say the server cannot be used
 * as configured (401, 403: credentials; 404, 405: no such model or endpoint; vectors of another size
 * or count) are an {@link EnvironmentEmbeddingException}: the operator fails the task with it and
 * blames no document. Other 4xx answers (400, 413, 422) fail at once with the server's message (an
 * {@link IllegalStateException}: the operator then looks for the text at fault).
 *
 * <pre>{@code
 * Embedder remote = EmbedderSpec.parse(
 *         "qwen3-embedding-0.6b?url=http://gpu-host:8000/v1&remote-model=Qwen/Qwen3-Embedding-0.6B").open(Slot.SINGLE);
 * }</pre>
 */
public final class OpenAiEmbedder implements Embedder {

    private static final Logger LOG = LoggerFactory.getLogger(OpenAiEmbedder.class);
    private static final Set<Integer> RETRYABLE = Set.of(408, 429, 500, 502, 503, 504);
    private static final Set<Integer> ENVIRONMENT = Set.of(401, 403, 404, 405, 407);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(20);
    /** No new attempt starts this long after a request's first: one request ends within this plus one timeout. */
    static final int MAX_RETRY_SECONDS = 60;
    /** Requests a server is sent at once by one embed task: one running, one ready behind it. */
    private static final int CONCURRENT_REQUESTS = 2;

    private final ModelPreset preset;
    private final RemoteEndpoint endpoint;
    private final HttpClient client;
    private final String authorization;
    private final Duration baseBackoff;
    private final EmbedderInfo info;
    private final AtomicBoolean warnedAboutModelName = new AtomicBoolean();

    private OpenAiEmbedder(ModelPreset preset, RemoteEndpoint endpoint, Duration baseBackoff) {
        this.preset = preset;
        this.endpoint = endpoint;
        this.baseBackoff = baseBackoff;
        this.client = HttpClient.newBuilder()
                .connectTimeout(endpoint.timeout().compareTo(Duration.ofSeconds(10)) < 0 ? endpoint.timeout() : Duration.ofSeconds(10))
                .build();
        this.authorization = apiKey(endpoint);
        this.info = EmbedderInfo.of(preset, "openai", endpoint.baseUrl());
    }

    /**
     * Connects and checks the server: its model list names {@code remote-model} (when the server
     * has a model list), and a probe text comes back with the preset's dimensions.
     *
     * @throws IllegalStateException naming what does not match, or why the server cannot be reached
     */
    public static OpenAiEmbedder open(ModelPreset preset, RemoteEndpoint endpoint) {
        return open(preset, endpoint, Duration.ofMillis(250));
    }

    static OpenAiEmbedder open(ModelPreset preset, RemoteEndpoint endpoint, Duration baseBackoff) {
        OpenAiEmbedder embedder = new OpenAiEmbedder(preset, endpoint, baseBackoff);
        embedder.checkModelList();
        embedder.embedTexts(List.of("semdex dimension probe"));
        return embedder;
    }

    private static String apiKey(RemoteEndpoint endpoint) {
        if (endpoint.apiKeyEnv() == null) {
            return null;
        }
        String key = System.getenv(endpoint.apiKeyEnv());
        if (key == null || key.isBlank()) {
            throw new IllegalStateException("api-key-env names " + endpoint.apiKeyEnv() + ", which is not set in this process's environment");
        }
        return "Bearer " + key.strip();
    }

    private void checkModelList() {
        HttpResponse<String> response;
        try {
            response = client.send(request(endpoint.modelsUri()).GET().build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot reach the embedding server " + endpoint.baseUrl() + ": " + describe(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while contacting " + endpoint.baseUrl(), e);
        }
        if (response.statusCode() != 200) {
            // Some servers (older TEI) have no model list; the probe below still checks dimensions.
            LOG.debug("{} answered {} to GET /models; skipping the model-name check", endpoint.baseUrl(), response.statusCode());
            return;
        }
        List<String> ids = new ArrayList<>();
        try {
            for (JsonNode model : Json.MAPPER.readTree(response.body()).path("data")) {
                ids.add(model.path("id").asText());
            }
        } catch (IOException e) {
            LOG.debug("{} /models is not JSON; skipping the model-name check", endpoint.baseUrl());
            return;
        }
        if (!ids.isEmpty() && !ids.contains(endpoint.model())) {
            throw new IllegalStateException("the embedding server " + endpoint.baseUrl() + " serves " + ids + ", not '" + endpoint.model()
                    + "': set remote-model to the model the index was built with (" + preset.id() + "), or reindex");
        }
    }

    @Override
    public List<float[]> embedDocuments(List<String> texts) {
        return embedTexts(texts.stream().map(preset::documentText).toList());
    }

    @Override
    public List<float[]> embedQueries(List<String> queries) {
        return embedTexts(queries.stream().map(preset::queryText).toList());
    }

    @Override
    public List<float[]> embedTexts(List<String> texts) {
        List<float[]> vectors = new ArrayList<>(texts.size());
        for (int from = 0; from < texts.size(); from += endpoint.maxInputsPerRequest()) {
            List<String> chunk = texts.subList(from, Math.min(texts.size(), from + endpoint.maxInputsPerRequest()));
            vectors.addAll(request(chunk));
        }
        return vectors;
    }

    private List<float[]> request(List<String> texts) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("model", endpoint.model());
        ArrayNode input = body.putArray("input");
        texts.forEach(input::add);
        body.put("encoding_format", "base64");
        JsonNode response = post(body.toString(), texts.size());
        JsonNode data = response.path("data");
        if (!data.isArray() || data.size() != texts.size()) {
            throw new EnvironmentEmbeddingException("the embedding server " + endpoint.baseUrl() + " answered " + data.size() + " embeddings for "
                    + texts.size() + " inputs");
        }
        String model = response.path("model").asText(null);
        if (model != null && !model.equals(endpoint.model()) && warnedAboutModelName.compareAndSet(false, true)) {
            LOG.warn("The embedding server {} names its model '{}', not '{}'; its vectors are checked by dimension only",
                    endpoint.baseUrl(), model, endpoint.model());
        }
        float[][] vectors = new float[texts.size()][];
        for (int i = 0; i < data.size(); i++) {
            JsonNode item = data.get(i);
            int index = item.path("index").asInt(i);
            if (index < 0 || index >= vectors.length || vectors[index] != null) {
                throw new EnvironmentEmbeddingException("the embedding server " + endpoint.baseUrl() + " answered a bad index " + index);
            }
            vectors[index] = checked(decode(item.path("embedding")));
        }
        return List.of(vectors);
    }

    private float[] decode(JsonNode embedding) {
        if (embedding.isTextual()) {
            ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(embedding.asText())).order(ByteOrder.LITTLE_ENDIAN);
            float[] v = new float[bytes.remaining() / Float.BYTES];
            bytes.asFloatBuffer().get(v);
            return v;
        }
        if (embedding.isArray()) {
            float[] v = new float[embedding.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) embedding.get(i).asDouble();
            }
            return v;
        }
        throw new EnvironmentEmbeddingException("the embedding server " + endpoint.baseUrl() + " answered an embedding that is neither base64 nor a list");
    }

    /** The server's vector at the preset's dimensions, or a clear error when it is another model's. */
    private float[] checked(float[] v) {
        if (v.length == preset.dimensions() || v.length == preset.nativeDimensions() && preset.matryoshka()) {
            return Vectors.truncateAndNormalize(v, preset.dimensions());
        }
        throw new EnvironmentEmbeddingException(String.format(
                "the embedding server %s returns %d-dimensional vectors for '%s', but %s has %d (this index uses %d):"
                        + " point remote-model at the model the index was built with, or reindex",
                endpoint.baseUrl(), v.length, endpoint.model(), preset.id(), preset.nativeDimensions(), preset.dimensions()));
    }

    private JsonNode post(String json, int inputs) {
        String lastError = null;
        long start = System.nanoTime();
        int attempts = 0;
        for (int attempt = 0; attempt <= endpoint.retries(); attempt++) {
            attempts++;
            Duration retryAfter = null;
            try {
                HttpResponse<String> response = client.send(
                        request(endpoint.embeddingsUri()).header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8)).build(),
                        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                int status = response.statusCode();
                if (status == 200) {
                    return Json.MAPPER.readTree(response.body());
                }
                lastError = "HTTP " + status + ": " + errorMessage(response.body());
                if (ENVIRONMENT.contains(status)) {
                    throw new EnvironmentEmbeddingException("the embedding server " + endpoint.baseUrl() + " answered " + lastError
                            + (status == 401 || status == 403
                                    ? endpoint.apiKeyEnv() == null ? " (the server wants a key: set api-key-env)"
                                            : " (check the key in " + endpoint.apiKeyEnv() + ")"
                                    : " (check url and remote-model " + endpoint.model() + ")"));
                }
                if (!RETRYABLE.contains(status)) {
                    throw new IllegalStateException("the embedding server " + endpoint.baseUrl() + " refused " + inputs + " inputs with "
                            + lastError);
                }
                retryAfter = response.headers().firstValue("Retry-After").map(OpenAiEmbedder::seconds).orElse(null);
            } catch (IOException e) {
                lastError = describe(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while embedding with " + endpoint.baseUrl(), e);
            }
            Duration wait = retryAfter != null ? retryAfter : backoff(attempt);
            long elapsed = (System.nanoTime() - start) / 1_000_000;
            if (attempt >= endpoint.retries() || elapsed + wait.toMillis() > MAX_RETRY_SECONDS * 1000L) {
                break;
            }
            LOG.warn("Embedding request to {} failed ({}); attempt {} of {} in {} ms", endpoint.baseUrl(), lastError, attempt + 2,
                    endpoint.retries() + 1, wait.toMillis());
            sleep(wait);
        }
        throw new TransientEmbeddingException("the embedding server " + endpoint.baseUrl() + " failed " + attempts + " attempts in "
                + (System.nanoTime() - start) / 1_000_000_000 + " s; last: " + lastError);
    }

    private HttpRequest.Builder request(java.net.URI uri) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(endpoint.timeout()).header("Accept", "application/json");
        if (authorization != null) {
            builder.header("Authorization", authorization);
        }
        return builder;
    }

    /** Exponential with full jitter between half and all of the step, capped. */
    Duration backoff(int attempt) {
        long step = Math.min(MAX_BACKOFF.toMillis(), baseBackoff.toMillis() << Math.min(attempt, 16));
        return Duration.ofMillis(step / 2 + ThreadLocalRandom.current().nextLong(step / 2 + 1));
    }

    private static Duration seconds(String header) {
        try {
            long s = Long.parseLong(header.strip());
            return s >= 0 ? Duration.ofSeconds(Math.min(s, 60)) : null;
        } catch (NumberFormatException e) {
            return null; // an HTTP date: fall back to our own backoff
        }
    }

    private static void sleep(Duration wait) {
        try {
            Thread.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting to retry", e);
        }
    }

    private static String errorMessage(String body) {
        try {
            JsonNode error = Json.MAPPER.readTree(body).path("error");
            if (error.isTextual()) {
                return error.asText();
            }
            if (error.hasNonNull("message")) {
                return error.get("message").asText();
            }
        } catch (IOException e) {
            // not JSON: show the start of the body
        }
        return body.length() > 300 ? body.substring(0, 300) + "…" : body;
    }

    private static String describe(IOException e) {
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    @Override
    public EmbedderInfo info() {
        return info;
    }

    @Override
    public ModelPreset preset() {
        return preset;
    }

    /**
     * An estimate: the server's tokenizer is not here. About one token per CJK character and per
     * four bytes of other text, which is near what BPE and WordPiece vocabularies give.
     */
    @Override
    public int countTokens(String text) {
        int cjk = 0;
        int otherBytes = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            if (Character.UnicodeScript.of(cp) == Character.UnicodeScript.HAN) {
                cjk++;
            } else {
                otherBytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : 3;
            }
            i += Character.charCount(cp);
        }
        return cjk + (otherBytes + 3) / 4 + 2;
    }

    /** One request per call: its texts go in one request. */
    @Override
    public Batching batching() {
        return new Batching(endpoint.maxInputsPerRequest(), Integer.MAX_VALUE);
    }

    @Override
    public int workers() {
        return CONCURRENT_REQUESTS;
    }

    @Override
    public void close() {
        client.close();
    }
}
