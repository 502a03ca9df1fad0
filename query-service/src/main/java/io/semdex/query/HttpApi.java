package io.semdex.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.semdex.core.ContentHash;
import io.semdex.core.DocumentJson;
import io.semdex.core.InvalidDocumentException;
import io.semdex.core.Json;
import io.semdex.core.SourceDocument;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JSON-over-HTTP API. Every failure the client can fix is a 4xx with {@code {"error": …}}
 * saying what to change; anything else is a 500 with no internals in the body.
 */
final class HttpApi implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
    static final int MAX_BODY_BYTES = 8 * 1024 * 1024;
    static final int MAX_DOCUMENTS_PER_REQUEST = 1000;

    private final Server server;
    private final ServerConnector connector;
    private final Searcher searcher;
    private final LiveIndex index;
    private final DocumentPublisher publisher;
    private final OpenAiEmbeddingsApi openAi;

    HttpApi(String host, int port, Searcher searcher, LiveIndex index, DocumentPublisher publisher, OpenAiEmbeddingsApi openAi)
            throws IOException {
        this.searcher = searcher;
        this.index = index;
        this.publisher = publisher;
        this.openAi = openAi;
        QueuedThreadPool threads = new QueuedThreadPool(64, 4);
        threads.setName("semdex-http");
        this.server = new Server(threads);
        this.connector = new ServerConnector(server);
        connector.setHost(host);
        connector.setPort(port);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                HttpApi.this.handle(new Exchange(request, response, callback));
                return true;
            }
        });
        // Requests Jetty itself rejects (bad URI, bad headers) get a JSON error too.
        server.setErrorHandler((request, response, callback) -> {
            Object message = request.getAttribute(ErrorHandler.ERROR_MESSAGE);
            int status = response.getStatus() >= 400 ? response.getStatus() : 400;
            new Exchange(request, response, callback).send(status, Map.of("error",
                    "bad request" + (message == null ? "" : ": " + message)));
            return true;
        });
        try {
            server.start();
        } catch (Exception e) {
            throw new IOException("cannot start the HTTP server on " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    InetSocketAddress address() {
        return new InetSocketAddress(connector.getHost(), connector.getLocalPort());
    }

    private void handle(Exchange exchange) {
        String path = Request.getPathInContext(exchange.request);
        String method = exchange.request.getMethod();
        if (openAi.handles(path)) { // /v1/*: OpenAI-compatible, with OpenAI's error shape
            openAi.handle(exchange.request, exchange.response, exchange.callback);
            return;
        }
        try {
            try {
                Object body = switch (path) {
                    case "/health" -> requireMethod(method, "GET") ? Map.of("status", "ok") : null;
                    case "/ready" -> ready(exchange, method);
                    case "/api/search" -> search(exchange, method);
                    case "/api/documents" -> documents(exchange, method);
                    default -> throw new ApiException(404, "no such endpoint: " + path
                            + " (try /api/search, /api/documents, /health, /ready)");
                };
                if (body != null) {
                    send(exchange, 200, body);
                }
            } catch (ApiException e) {
                send(exchange, e.status, Map.of("error", e.getMessage()));
            } catch (RuntimeException | IOException e) {
                LOG.error("{} {} failed", method, path, e);
                send(exchange, 500, Map.of("error", "internal error; the service log has the details"));
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("Could not answer {} {}: {}", method, path, e.getMessage());
            exchange.callback.failed(e);
        }
    }

    private Object ready(Exchange exchange, String method) throws IOException {
        requireMethod(method, "GET");
        var problem = index.problem();
        if (problem.isPresent()) {
            send(exchange, 503, Map.of("ready", false, "reason", problem.get()));
            return null;
        }
        return Map.of("ready", true);
    }

    private Object search(Exchange exchange, String method) throws IOException {
        Map<String, String> params = new HashMap<>(queryParams(exchange));
        if (method.equals("POST")) {
            JsonNode body = readJson(exchange);
            if (!body.isObject()) {
                throw new ApiException(400, "the search body must be a JSON object like {\"q\": \"…\", \"k\": 10}");
            }
            body.fields().forEachRemaining(e -> params.put(e.getKey(), e.getValue().isTextual() ? e.getValue().asText() : e.getValue().toString()));
        } else if (!method.equals("GET")) {
            throw new ApiException(405, "method " + method + " is not allowed here; use GET or POST");
        }
        for (String name : params.keySet()) {
            if (!List.of("q", "k", "threshold", "mode").contains(name)) {
                throw new ApiException(400, "unknown parameter '" + name + "'; known: q, k, threshold, mode");
            }
        }
        SearchRequest request;
        try {
            request = new SearchRequest(
                    params.get("q"),
                    intParam(params, "k", SearchRequest.DEFAULT_K),
                    doubleParam(params, "threshold", SearchRequest.DEFAULT_THRESHOLD),
                    SearchMode.parse(params.getOrDefault("mode", SearchMode.VECTOR.label())));
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, e.getMessage());
        }
        var problem = index.problem();
        if (problem.isPresent() && problem.get().contains("model")) {
            throw new ApiException(503, problem.get());
        }
        return searcher.search(request);
    }

    private Object documents(Exchange exchange, String method) throws IOException {
        requireMethod(method, "POST");
        if (publisher == null) {
            throw new ApiException(503, "this service has no document pipeline configured (start it with Kafka)");
        }
        JsonNode body = readJson(exchange);
        List<JsonNode> nodes = new ArrayList<>();
        if (body.isArray()) {
            body.forEach(nodes::add);
        } else if (body.isObject()) {
            nodes.add(body);
        } else {
            throw new ApiException(400, "send a document object or an array of them");
        }
        if (nodes.isEmpty() || nodes.size() > MAX_DOCUMENTS_PER_REQUEST) {
            throw new ApiException(400, "send 1 to " + MAX_DOCUMENTS_PER_REQUEST + " documents per request, got " + nodes.size());
        }
        List<SourceDocument> docs = new ArrayList<>(nodes.size());
        for (int i = 0; i < nodes.size(); i++) {
            JsonNode node = nodes.get(i);
            if (!node.isObject()) {
                throw new ApiException(400, "document [" + i + "] must be a JSON object");
            }
            ObjectNode doc = (ObjectNode) node;
            if (!doc.hasNonNull("id")) {
                // A document without an id gets one from its content: adding it twice stays one document.
                doc.put("id", "doc-" + ContentHash.of(doc.toString()).substring(0, 16));
            }
            try {
                docs.add(DocumentJson.fromNode(doc, null));
            } catch (InvalidDocumentException e) {
                throw new ApiException(400, "document [" + i + "]: " + e.getMessage());
            }
        }
        try {
            publisher.publish(docs);
        } catch (Exception e) {
            LOG.error("Publishing {} documents to {} failed", docs.size(), publisher.destination(), e);
            throw new ApiException(503, "the document pipeline did not accept the documents; nothing was lost on your side, retry");
        }
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("accepted", docs.size());
        response.put("ids", docs.stream().map(SourceDocument::id).toList());
        response.put("destination", publisher.destination());
        send(exchange, 202, response);
        return null;
    }

    private static boolean requireMethod(String method, String allowed) {
        if (!method.equals(allowed)) {
            throw new ApiException(405, "method " + method + " is not allowed here; use " + allowed);
        }
        return true;
    }

    private static JsonNode readJson(Exchange exchange) throws IOException {
        byte[] bytes;
        long declared = exchange.request.getLength();
        if (declared > MAX_BODY_BYTES) {
            throw new ApiException(413, "request body is " + declared + " bytes; the limit is " + MAX_BODY_BYTES);
        }
        try (InputStream in = Content.Source.asInputStream(exchange.request)) {
            bytes = in.readNBytes(MAX_BODY_BYTES + 1);
        }
        if (bytes.length > MAX_BODY_BYTES) {
            throw new ApiException(413, "request body is larger than " + MAX_BODY_BYTES + " bytes");
        }
        if (bytes.length == 0) {
            throw new ApiException(400, "request body is empty; send JSON");
        }
        try {
            String text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
            return Json.MAPPER.readTree(text);
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new ApiException(400, "request body is not valid UTF-8");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ApiException(400, "malformed JSON: " + e.getOriginalMessage());
        }
    }

    private static Map<String, String> queryParams(Exchange exchange) {
        Fields fields;
        try {
            fields = Request.extractQueryParameters(exchange.request, StandardCharsets.UTF_8);
        } catch (RuntimeException e) {
            throw new ApiException(400, "malformed query string: " + e.getMessage());
        }
        Map<String, String> params = new LinkedHashMap<>();
        for (Fields.Field field : fields) {
            if (field.getValues().size() > 1) {
                throw new ApiException(400, "parameter '" + field.getName() + "' is given more than once");
            }
            params.put(field.getName(), field.getValue());
        }
        return params;
    }

    private static int intParam(Map<String, String> params, String name, int fallback) {
        String value = params.get(name);
        if (value == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new ApiException(400, "'" + name + "' must be an integer, got '" + value + "'");
        }
    }

    private static double doubleParam(Map<String, String> params, String name, double fallback) {
        String value = params.get(name);
        if (value == null) {
            return fallback;
        }
        try {
            return Double.parseDouble(value.strip());
        } catch (NumberFormatException e) {
            throw new ApiException(400, "'" + name + "' must be a number, got '" + value + "'");
        }
    }

    private static void send(Exchange exchange, int status, Object body) throws IOException {
        exchange.send(status, body);
    }

    /** One request with its response and completion callback. */
    private record Exchange(Request request, Response response, Callback callback) {

        void send(int status, Object body) {
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

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            LOG.warn("Stopping the HTTP server failed: {}", e.getMessage());
        }
    }
}
