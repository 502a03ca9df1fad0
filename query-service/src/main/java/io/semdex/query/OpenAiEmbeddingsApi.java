package io.semdex.query;

import com.fasterxml.jackson.databind.JsonNode;
import io.semdex.embed.Embedder;
import io.semdex.embed.EmbedderInfo;
import io.semdex.embed.Vectors;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

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
final class OpenAiEmbeddingsApi extends Resource {

    /** OpenAI's own limit on inputs per request. */
    static final int MAX_INPUTS = 2048;
    private static final Set<String> FIELDS = Set.of("input", "model", "encoding_format", "dimensions", "user", "input_type");

    /** The one model served; null when it follows {@link #index}. */
    private final Embedder fixed;
    /** Whose live generation's query model is served: after a model switch, the new one. */
    private final LiveIndex index;
    private final int maxBodyBytes;
    private final long created = System.currentTimeMillis() / 1000;

    /** Serves this one model. */
    OpenAiEmbeddingsApi(Embedder embedder) {
        this(embedder, null, AccessPolicy.DEFAULT_MAX_BODY_BYTES);
    }

    /** Serves the query model of the index's live generation ({@link LiveIndex.Snapshot#embedder()}), held for each request. */
    OpenAiEmbeddingsApi(LiveIndex index) {
        this(null, index, AccessPolicy.DEFAULT_MAX_BODY_BYTES);
    }

    private OpenAiEmbeddingsApi(Embedder fixed, LiveIndex index, int maxBodyBytes) {
        super(); // the methods depend on the path: checked below
        this.fixed = fixed;
        this.index = index;
        this.maxBodyBytes = maxBodyBytes;
    }

    /** The same, reading bodies of at most {@code bytes} (the service's {@code --max-body}). */
    OpenAiEmbeddingsApi limitedTo(int bytes) {
        return new OpenAiEmbeddingsApi(fixed, index, bytes);
    }

    @Override
    protected Object answer(Request request, Response response, Callback callback) throws Exception {
        String path = ApiJson.path(request);
        String method = request.getMethod();
        // The snapshot holds the model open until the answer is made, even when a switch retires it meanwhile.
        try (LiveIndex.Snapshot snapshot = index == null ? null : index.acquire()) {
            Embedder embedder = fixed != null ? fixed : snapshot.embedder();
            if (path.equals("/v1/embeddings")) {
                requireMethod(method, "POST", path);
                return embeddings(embedder, ApiJson.read(request, maxBodyBytes));
            }
            if (path.equals("/v1/models")) {
                requireMethod(method, "GET", path);
                return Map.of("object", "list", "data", List.of(model(embedder)));
            }
            if (path.startsWith("/v1/models/")) {
                requireMethod(method, "GET", path);
                String id = path.substring("/v1/models/".length());
                if (!id.equals(embedder.info().modelId())) {
                    throw modelNotFound(id, embedder);
                }
                return model(embedder);
            }
            throw new ApiException(404, "Unknown request URL: " + method + " " + path
                    + ". This server has POST /v1/embeddings and GET /v1/models.", null, "unknown_url");
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
            throw new ApiException(400, "The request body must be a JSON object like {\"model\": \"…\", \"input\": [\"…\"]}.", null, null);
        }
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw new ApiException(400, "Unrecognized request argument supplied: " + name, name, null);
            }
        }
        EmbedderInfo info = embedder.info();
        JsonNode model = body.get("model");
        if (model == null || !model.isTextual()) {
            throw new ApiException(400, "You must provide a model parameter (this server serves '" + info.modelId() + "').", "model", null);
        }
        if (!model.asText().equals(info.modelId())) {
            throw modelNotFound(model.asText(), embedder);
        }
        String format = text(body, "encoding_format", "float");
        if (!format.equals("float") && !format.equals("base64")) {
            throw new ApiException(400, "encoding_format must be 'float' or 'base64', got '" + format + "'.", "encoding_format", null);
        }
        int dimensions = dimensions(body, info);
        String inputType = text(body, "input_type", "raw");
        if (!Set.of("raw", "query", "document", "passage").contains(inputType)) {
            throw new ApiException(400, "input_type must be 'query' or 'document', got '" + inputType + "'.", "input_type", null);
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
                throw new ApiException(400, "This model accepts text input only, not token arrays.", "input", null);
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
            throw new ApiException(400, "You must provide an input parameter: " + hint + ".", "input", null);
        }
        if (node.isTextual()) {
            return new Input(List.of(nonEmpty(node.asText(), 0)), null);
        }
        if (!node.isArray() || node.isEmpty()) {
            throw new ApiException(400, node.isArray() ? "input must not be an empty array." : hint + ".", "input", null);
        }
        if (node.size() > MAX_INPUTS) {
            throw new ApiException(400, "input has " + node.size() + " items; at most " + MAX_INPUTS + " per request.", "input", null);
        }
        JsonNode first = node.get(0);
        if (first.isTextual()) {
            List<String> texts = new ArrayList<>(node.size());
            for (JsonNode item : node) {
                if (!item.isTextual()) {
                    throw new ApiException(400, hint + "; item " + texts.size() + " is not a string.", "input", null);
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
                    throw new ApiException(400, hint + "; item " + rows.size() + " is not a non-empty token-id array.", "input", null);
                }
                rows.add(tokenIds(item, rows.size(), hint));
            }
            return new Input(null, rows);
        }
        throw new ApiException(400, hint + ".", "input", null);
    }

    private static long[] tokenIds(JsonNode array, int index, String hint) {
        long[] ids = new long[array.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode id = array.get(i);
            if (!id.isIntegralNumber() || id.asLong() < 0 || id.asLong() > Integer.MAX_VALUE) {
                throw new ApiException(400, hint + "; token " + i + " of input " + index + " is not a token id (an integer >= 0).", "input", null);
            }
            ids[i] = id.asLong();
        }
        return ids;
    }

    private static String nonEmpty(String text, int index) {
        if (text.isEmpty()) {
            throw new ApiException(400, "input " + index + " is an empty string; every input needs text.", "input", null);
        }
        return text;
    }

    private static void requireWithinContext(int tokens, EmbedderInfo info, int index) {
        if (tokens > info.maxTokens()) {
            throw new ApiException(400, "This model's maximum context length is " + info.maxTokens() + " tokens, however input "
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
            throw new ApiException(400, "dimensions must be an integer; " + range + ".", "dimensions", null);
        }
        int dims = node.asInt();
        if (dims < info.minDimensions() || dims > info.dimensions()) {
            throw new ApiException(400, "dimensions " + node.asText() + " is not supported: " + range + ".", "dimensions", null);
        }
        return dims;
    }

    private static String text(JsonNode body, String field, String fallback) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.isTextual()) {
            throw new ApiException(400, field + " must be a string.", field, null);
        }
        return node.asText();
    }

    private static ApiException modelNotFound(String id, Embedder embedder) {
        return new ApiException(404, "The model '" + id + "' does not exist on this server; it serves '" + embedder.info().modelId() + "'.",
                "model", "model_not_found");
    }

    private static void requireMethod(String method, String allowed, String path) {
        if (!method.equals(allowed)) {
            throw new ApiException(405, "Method " + method + " is not allowed on " + path + "; use " + allowed + ".", null, "method_not_allowed");
        }
    }

    /** Little-endian float32, as the openai client decodes it ({@code np.frombuffer(…, dtype="float32")}). */
    static String base64(float[] v) {
        ByteBuffer bytes = ByteBuffer.allocate(v.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(v);
        return Base64.getEncoder().encodeToString(bytes.array());
    }
}
