package io.semdex.query;

import com.fasterxml.jackson.databind.JsonNode;
import io.semdex.core.Json;
import io.semdex.embed.Embedder;
import io.semdex.embed.EmbedderInfo;
import io.semdex.embed.Vectors;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OpenAI-compatible part of the HTTP API: {@code POST /v1/embeddings} and
 * {@code GET /v1/models[/{id}]}, so the {@code openai} client libraries, LangChain, LlamaIndex or
 * another semdex can embed with the service's model. Errors use OpenAI's shape,
 * {@code {"error": {"message", "type", "param", "code"}}}.
 *
 * <p>Inputs are embedded exactly as sent, as OpenAI-compatible servers do: a client adds any
 * instruction itself. The non-standard field {@code "input_type": "query" | "document"} asks for
 * the model's own query instruction or document prefix instead, giving the same vectors as the
 * search API and the ingest pipeline.
 *
 * <pre>{@code
 * curl 127.0.0.1:8080/v1/embeddings -H 'Content-Type: application/json' \
 *      -d '{"model": "bge-small-zh-v1.5", "input": ["你好", "hello"], "encoding_format": "base64"}'
 * }</pre>
 */
final class OpenAiEmbeddingsApi {

    private static final Logger LOG = LoggerFactory.getLogger(OpenAiEmbeddingsApi.class);
    /** OpenAI's own limit on inputs per request. */
    static final int MAX_INPUTS = 2048;
    private static final Set<String> FIELDS = Set.of("input", "model", "encoding_format", "dimensions", "user", "input_type");

    /** The one model served; null when it follows {@link #index}. */
    private final Embedder fixed;
    /** Whose live generation's query model is served: after a model switch, the new one. */
    private final LiveIndex index;
    private final long created = System.currentTimeMillis() / 1000;

    /** Serves this one model. */
    OpenAiEmbeddingsApi(Embedder embedder) {
        this.fixed = embedder;
        this.index = null;
    }

    /** Serves the query model of the index's live generation ({@link LiveIndex.Snapshot#embedder()}), held for each request. */
    OpenAiEmbeddingsApi(LiveIndex index) {
        this.fixed = null;
        this.index = index;
    }

    /** Whether this class answers {@code path}. */
    boolean handles(String path) {
        return path.equals("/v1") || path.startsWith("/v1/");
    }

    /** An error the client can fix, in OpenAI's shape. */
    private static final class OpenAiError extends RuntimeException {
        final int status;
        final String type;
        final String param;
        final String code;

        OpenAiError(int status, String message, String param, String code) {
            super(message, null, false, false);
            this.status = status;
            this.type = status >= 500 ? "server_error" : "invalid_request_error";
            this.param = param;
            this.code = code;
        }

        Map<String, Object> body() {
            Map<String, Object> error = new LinkedHashMap<>();
            error.put("message", getMessage());
            error.put("type", type);
            error.put("param", param);
            error.put("code", code);
            return Map.of("error", error);
        }
    }

    /** @param maxBodyBytes the largest body read; a larger one is refused with 413 */
    void handle(Request request, Response response, Callback callback, int maxBodyBytes) {
        String path = Request.getPathInContext(request);
        String method = request.getMethod();
        // The snapshot holds the model open until the answer is made, even when a switch retires it meanwhile.
        try (LiveIndex.Snapshot snapshot = index == null ? null : index.acquire()) {
            Embedder embedder = fixed != null ? fixed : snapshot.embedder();
            Object body;
            if (path.equals("/v1/embeddings")) {
                requireMethod(method, "POST", path);
                body = embeddings(embedder, readJson(request, maxBodyBytes));
            } else if (path.equals("/v1/models")) {
                requireMethod(method, "GET", path);
                body = Map.of("object", "list", "data", List.of(model(embedder)));
            } else if (path.startsWith("/v1/models/")) {
                requireMethod(method, "GET", path);
                String id = path.substring("/v1/models/".length());
                if (!id.equals(embedder.info().modelId())) {
                    throw modelNotFound(id, embedder);
                }
                body = model(embedder);
            } else {
                throw new OpenAiError(404, "Unknown request URL: " + method + " " + path
                        + ". This server has POST /v1/embeddings and GET /v1/models.", null, "unknown_url");
            }
            send(response, callback, 200, body);
        } catch (OpenAiError e) {
            send(response, callback, e.status, e.body());
        } catch (RuntimeException | IOException e) {
            LOG.error("{} {} failed", method, path, e);
            send(response, callback, 500,
                    new OpenAiError(500, "The server had an error while processing your request; its log has the details.", null, null).body());
        }
    }

    private Map<String, Object> model(Embedder embedder) {
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("id", embedder.info().modelId());
        model.put("object", "model");
        model.put("created", created);
        model.put("owned_by", "semdex");
        return model;
    }

    private Map<String, Object> embeddings(Embedder embedder, JsonNode body) {
        if (!body.isObject()) {
            throw new OpenAiError(400, "The request body must be a JSON object like {\"model\": \"…\", \"input\": [\"…\"]}.", null, null);
        }
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw new OpenAiError(400, "Unrecognized request argument supplied: " + name, name, null);
            }
        }
        EmbedderInfo info = embedder.info();
        JsonNode model = body.get("model");
        if (model == null || !model.isTextual()) {
            throw new OpenAiError(400, "You must provide a model parameter (this server serves '" + info.modelId() + "').", "model", null);
        }
        if (!model.asText().equals(info.modelId())) {
            throw modelNotFound(model.asText(), embedder);
        }
        String format = text(body, "encoding_format", "float");
        if (!format.equals("float") && !format.equals("base64")) {
            throw new OpenAiError(400, "encoding_format must be 'float' or 'base64', got '" + format + "'.", "encoding_format", null);
        }
        int dimensions = dimensions(body, info);
        String inputType = text(body, "input_type", "raw");
        if (!Set.of("raw", "query", "document", "passage").contains(inputType)) {
            throw new OpenAiError(400, "input_type must be 'query' or 'document', got '" + inputType + "'.", "input_type", null);
        }

        Input input = input(body.get("input"));
        List<float[]> vectors;
        int tokens = 0;
        if (input.tokens() != null) {
            for (int i = 0; i < input.tokens().size(); i++) {
                int n = input.tokens().get(i).length;
                requireWithinContext(n, info, i);
                tokens += n;
            }
            try {
                vectors = embedder.embedTokens(input.tokens());
            } catch (UnsupportedOperationException e) {
                throw new OpenAiError(400, "This model accepts text input only, not token arrays.", "input", null);
            }
        } else {
            List<String> texts = input.texts();
            for (int i = 0; i < texts.size(); i++) {
                // Usage counts what the model reads, instruction or prefix included.
                String seen = switch (inputType) {
                    case "query" -> embedder.preset().queryText(texts.get(i));
                    case "document", "passage" -> embedder.preset().documentText(texts.get(i));
                    default -> texts.get(i);
                };
                int n = embedder.countTokens(seen);
                requireWithinContext(n, info, i);
                tokens += n;
            }
            vectors = switch (inputType) {
                case "query" -> embedder.embedQueries(texts);
                case "document", "passage" -> embedder.embedDocuments(texts);
                default -> embedder.embedTexts(texts);
            };
        }

        List<Map<String, Object>> data = new ArrayList<>(vectors.size());
        for (int i = 0; i < vectors.size(); i++) {
            float[] v = dimensions == info.dimensions() ? vectors.get(i) : Vectors.truncateAndNormalize(vectors.get(i), dimensions);
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("object", "embedding");
            item.put("index", i);
            item.put("embedding", format.equals("base64") ? base64(v) : v);
            data.add(item);
        }
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("object", "list");
        response.put("data", data);
        response.put("model", info.modelId());
        response.put("usage", Map.of("prompt_tokens", tokens, "total_tokens", tokens));
        return response;
    }

    /** Either texts or token-id sequences. */
    private record Input(List<String> texts, List<long[]> tokens) {}

    private static Input input(JsonNode node) {
        String hint = "input must be a string, an array of strings, an array of token ids, or an array of token-id arrays";
        if (node == null || node.isNull()) {
            throw new OpenAiError(400, "You must provide an input parameter: " + hint + ".", "input", null);
        }
        if (node.isTextual()) {
            return new Input(List.of(nonEmpty(node.asText(), 0)), null);
        }
        if (!node.isArray() || node.isEmpty()) {
            throw new OpenAiError(400, node.isArray() ? "input must not be an empty array." : hint + ".", "input", null);
        }
        if (node.size() > MAX_INPUTS) {
            throw new OpenAiError(400, "input has " + node.size() + " items; at most " + MAX_INPUTS + " per request.", "input", null);
        }
        JsonNode first = node.get(0);
        if (first.isTextual()) {
            List<String> texts = new ArrayList<>(node.size());
            for (JsonNode item : node) {
                if (!item.isTextual()) {
                    throw new OpenAiError(400, hint + "; item " + texts.size() + " is not a string.", "input", null);
                }
                texts.add(nonEmpty(item.asText(), texts.size()));
            }
            return new Input(texts, null);
        }
        if (first.isIntegralNumber()) {
            return new Input(null, List.of(tokenIds(node, 0, hint)));
        }
        if (first.isArray()) {
            List<long[]> rows = new ArrayList<>(node.size());
            for (JsonNode item : node) {
                if (!item.isArray() || item.isEmpty()) {
                    throw new OpenAiError(400, hint + "; item " + rows.size() + " is not a non-empty token-id array.", "input", null);
                }
                rows.add(tokenIds(item, rows.size(), hint));
            }
            return new Input(null, rows);
        }
        throw new OpenAiError(400, hint + ".", "input", null);
    }

    private static long[] tokenIds(JsonNode array, int index, String hint) {
        long[] ids = new long[array.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode id = array.get(i);
            if (!id.isIntegralNumber() || id.asLong() < 0 || id.asLong() > Integer.MAX_VALUE) {
                throw new OpenAiError(400, hint + "; token " + i + " of input " + index + " is not a token id (an integer >= 0).", "input", null);
            }
            ids[i] = id.asLong();
        }
        return ids;
    }

    private static String nonEmpty(String text, int index) {
        if (text.isEmpty()) {
            throw new OpenAiError(400, "input " + index + " is an empty string; every input needs text.", "input", null);
        }
        return text;
    }

    private static void requireWithinContext(int tokens, EmbedderInfo info, int index) {
        if (tokens > info.maxTokens()) {
            throw new OpenAiError(400, "This model's maximum context length is " + info.maxTokens() + " tokens, however input "
                    + index + " has " + tokens + " tokens. Please shorten it.", "input", "context_length_exceeded");
        }
    }

    private static int dimensions(JsonNode body, EmbedderInfo info) {
        JsonNode node = body.get("dimensions");
        if (node == null || node.isNull()) {
            return info.dimensions();
        }
        String range = info.minDimensions() == info.dimensions()
                ? "this model only returns " + info.dimensions()
                : "this model returns " + info.minDimensions() + ".." + info.dimensions();
        if (!node.isIntegralNumber()) {
            throw new OpenAiError(400, "dimensions must be an integer; " + range + ".", "dimensions", null);
        }
        int dims = node.asInt();
        if (dims < info.minDimensions() || dims > info.dimensions()) {
            throw new OpenAiError(400, "dimensions " + node.asText() + " is not supported: " + range + ".", "dimensions", null);
        }
        return dims;
    }

    private static String text(JsonNode body, String field, String fallback) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.isTextual()) {
            throw new OpenAiError(400, field + " must be a string.", field, null);
        }
        return node.asText();
    }

    private static OpenAiError modelNotFound(String id, Embedder embedder) {
        return new OpenAiError(404, "The model '" + id + "' does not exist on this server; it serves '" + embedder.info().modelId() + "'.",
                "model", "model_not_found");
    }

    private static void requireMethod(String method, String allowed, String path) {
        if (!method.equals(allowed)) {
            throw new OpenAiError(405, "Method " + method + " is not allowed on " + path + "; use " + allowed + ".", null, "method_not_allowed");
        }
    }

    /** Little-endian float32, as the openai client decodes it ({@code np.frombuffer(…, dtype="float32")}). */
    static String base64(float[] v) {
        ByteBuffer bytes = ByteBuffer.allocate(v.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(v);
        return Base64.getEncoder().encodeToString(bytes.array());
    }

    private static JsonNode readJson(Request request, int maxBodyBytes) throws IOException {
        long declared = request.getLength();
        if (declared > maxBodyBytes) {
            throw new OpenAiError(413, "The request body is " + declared + " bytes; the limit is " + maxBodyBytes + ".", null, null);
        }
        byte[] bytes;
        try (InputStream in = Content.Source.asInputStream(request)) {
            bytes = in.readNBytes(maxBodyBytes + 1);
        }
        if (bytes.length > maxBodyBytes) {
            throw new OpenAiError(413, "The request body is larger than " + maxBodyBytes + " bytes.", null, null);
        }
        if (bytes.length == 0) {
            throw new OpenAiError(400, "The request body is empty; send JSON.", null, null);
        }
        try {
            String text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
            return Json.MAPPER.readTree(text);
        } catch (CharacterCodingException e) {
            throw new OpenAiError(400, "The request body is not valid UTF-8.", null, null);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new OpenAiError(400, "We could not parse the JSON body of your request: " + e.getOriginalMessage(), null, null);
        }
    }

    private static void send(Response response, Callback callback, int status, Object body) {
        byte[] bytes;
        try {
            bytes = Json.MAPPER.writeValueAsBytes(body);
        } catch (IOException e) {
            callback.failed(e);
            return;
        }
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json; charset=utf-8");
        response.getHeaders().put("X-Content-Type-Options", "nosniff");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.write(true, ByteBuffer.wrap(bytes), callback);
    }
}
