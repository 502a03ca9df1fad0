package io.semdex.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.semdex.core.ContentHash;
import io.semdex.core.IndexFields;
import io.semdex.core.DocumentJson;
import io.semdex.core.InvalidDocumentException;
import io.semdex.core.Json;
import io.semdex.core.SourceDocument;
import io.semdex.embed.EmbedderInfo;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.TermQuery;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
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
 * The JSON-over-HTTP API and the search page. Every failure the client can fix is a 4xx with
 * {@code {"error": …}} saying what to change; anything else is a 500 with no internals in the body.
 *
 * <p>Each request passes the {@link AccessPolicy} before it is answered, in this order: CORS
 * (preflights answered here; other origins get no CORS headers, so browsers keep their pages out),
 * the per-client rate limit (429 with {@code Retry-After}), the API key (401), the body size (413).
 */
final class HttpApi implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
    /** The default body limit; {@link AccessPolicy#maxBodyBytes()} sets the one in force for {@code /api}. */
    static final int MAX_BODY_BYTES = AccessPolicy.DEFAULT_MAX_BODY_BYTES;
    static final int MAX_DOCUMENTS_PER_REQUEST = 1000;
    /** Document ids one {@code GET /api/documents} may ask about. */
    static final int MAX_STATUS_IDS = 1000;
    /** Bodies of refused requests up to this size are read and dropped before the answer (see {@link #drainBody}). */
    static final long DRAIN_LIMIT_BYTES = 64L * 1024 * 1024;
    /** What a refused write is told to wait while the service stops: about as long as a restart takes. */
    static final long STOPPING_RETRY_AFTER_SECONDS = 10;
    /** Where the OpenAPI document lives in the jar (and, under src/main/resources, in the repository). */
    static final String OPENAPI_RESOURCE = "/openapi.json";
    private static final byte[] OPENAPI = readOpenApi();

    private final Server server;
    private final ServerConnector connector;
    private final Searcher searcher;
    private final LiveIndex index;
    private final DocumentPublisher publisher;
    private final OpenAiEmbeddingsApi openAi;
    private final AccessPolicy access;
    private final RateLimiter rateLimiter;
    private final Metrics metrics;
    private final IndexStatus indexStatus;
    private final DeadLetters deadLetters;
    private final StaticPage page = new StaticPage();
    /** Requests being answered now; {@link #close()} waits for them. */
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean stopping;

    /** Without an access policy, metrics or dead-letter counting: the defaults. */
    HttpApi(String host, int port, Searcher searcher, LiveIndex index, DocumentPublisher publisher, OpenAiEmbeddingsApi openAi)
            throws IOException {
        this(host, port, searcher, index, publisher, openAi, AccessPolicy.DEFAULT, new Metrics(), null);
    }

    /** @param deadLetters null when there is no Kafka to ask */
    HttpApi(String host, int port, Searcher searcher, LiveIndex index, DocumentPublisher publisher, OpenAiEmbeddingsApi openAi,
            AccessPolicy access, Metrics metrics, DeadLetters deadLetters) throws IOException {
        this.searcher = searcher;
        this.index = index;
        this.publisher = publisher;
        this.openAi = openAi;
        this.access = access;
        this.rateLimiter = access.requestsPerSecond() > 0 ? new RateLimiter(access.requestsPerSecond(), access.burst(), System::nanoTime) : null;
        this.metrics = metrics;
        this.indexStatus = new IndexStatus(index);
        this.deadLetters = deadLetters;
        metrics.watch(indexStatus::stats, deadLetters == null ? OptionalLong::empty : deadLetters::count,
                () -> searcher.embedderInfo().modelId());
        QueuedThreadPool threads = new QueuedThreadPool(64, 4);
        threads.setName("semdex-http");
        this.server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false); // no version for scanners to match against
        http.setSendXPoweredBy(false);
        this.connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost(host);
        connector.setPort(port);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                HttpApi.this.handle(new Exchange(request, response, callback, metrics));
                return true;
            }
        });
        // Requests Jetty itself rejects (bad URI, bad headers) get a JSON error too.
        server.setErrorHandler((request, response, callback) -> {
            Object message = request.getAttribute(ErrorHandler.ERROR_MESSAGE);
            int status = response.getStatus() >= 400 ? response.getStatus() : 400;
            new Exchange(request, response, callback, metrics).send(status, Map.of("error",
                    "bad request" + (message == null ? "" : ": " + message)));
            return true;
        });
        try {
            server.start();
        } catch (Exception e) {
            throw new IOException("cannot start the HTTP server on " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    private static byte[] readOpenApi() {
        try (InputStream in = HttpApi.class.getResourceAsStream(OPENAPI_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(OPENAPI_RESOURCE + " is missing from the classpath");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    InetSocketAddress address() {
        return new InetSocketAddress(connector.getHost(), connector.getLocalPort());
    }

    private void handle(Exchange exchange) {
        inFlight.incrementAndGet();
        try {
            answer(exchange);
        } finally {
            inFlight.decrementAndGet();
        }
    }

    private void answer(Exchange exchange) {
        String path = Request.getPathInContext(exchange.request);
        String method = exchange.request.getMethod();
        boolean openAiPath = openAi.handles(path);
        try {
            try {
                if (!admit(exchange, path, method)) {
                    return;
                }
                if (openAiPath) { // /v1/*: OpenAI-compatible, with OpenAI's error shape
                    openAi.handle(exchange.request, exchange.response, exchange.callback);
                    metrics.answered(path, exchange.response.getStatus());
                    return;
                }
                if (page.serves(path)) {
                    if (!method.equals("HEAD")) {
                        requireMethod(method, "GET");
                    }
                    page.send(path, exchange.request, exchange.response, exchange.callback);
                    metrics.answered(path, 200);
                    return;
                }
                Object body = switch (path) {
                    case "/health" -> requireMethod(method, "GET") ? Map.of("status", "ok") : null;
                    case "/ready" -> ready(exchange, method);
                    case "/api/search" -> search(exchange, method);
                    case "/api/documents" -> method.equals("GET") ? indexedDocuments(exchange) : documents(exchange, method);
                    case "/api/status" -> requireMethod(method, "GET") ? status() : null;
                    case "/metrics" -> metrics(exchange, method);
                    case "/openapi.json" -> openApi(exchange, method);
                    default -> throw new ApiException(404, "no such endpoint: " + path
                            + " (try /, /api/search, /api/documents, /api/status, /metrics, /health, /ready, /v1/embeddings, /openapi.json)");
                };
                if (body != null) {
                    send(exchange, 200, body);
                }
            } catch (ApiException e) {
                drainBody(exchange);
                sendError(exchange, openAiPath, e.status, e.getMessage());
            } catch (RuntimeException | IOException e) {
                LOG.error("{} {} failed", method, path, e);
                send(exchange, 500, Map.of("error", "internal error; the service log has the details"));
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("Could not answer {} {}: {}", method, path, e.getMessage());
            exchange.callback.failed(e);
        }
    }

    /**
     * Applies the access policy; false when the request has been answered here (a preflight, or a
     * refusal). Throws {@link ApiException} for a refusal the caller sends.
     */
    private boolean admit(Exchange exchange, String path, String method) {
        HttpFields headers = exchange.request.getHeaders();
        String origin = headers.get(HttpHeader.ORIGIN);
        boolean allowedOrigin = access.allowsOrigin(origin);
        if (allowedOrigin) {
            exchange.response.getHeaders().put(HttpHeader.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            exchange.response.getHeaders().add(HttpHeader.VARY, "Origin");
        }
        if (method.equals("OPTIONS")) {
            if (!allowedOrigin) {
                throw new ApiException(403, origin == null ? "OPTIONS is only answered to CORS preflights"
                        : "origin " + origin + " may not call this API (allowed: "
                        + (access.corsOrigins().isEmpty() ? "none" : String.join(", ", access.corsOrigins())) + ")");
            }
            exchange.response.getHeaders().put(HttpHeader.ACCESS_CONTROL_ALLOW_METHODS, "GET, POST");
            exchange.response.getHeaders().put(HttpHeader.ACCESS_CONTROL_ALLOW_HEADERS, "Content-Type, Authorization, " + ApiKeys.HEADER);
            exchange.response.getHeaders().put(HttpHeader.ACCESS_CONTROL_MAX_AGE, "600");
            exchange.response.setStatus(204);
            metrics.answered(path, 204);
            exchange.response.write(true, null, exchange.callback);
            return false;
        }
        if (rateLimiter != null && !path.equals("/health")) {
            long retryAfter = rateLimiter.acquire(Request.getRemoteAddr(exchange.request));
            if (retryAfter > 0) {
                exchange.response.getHeaders().put(HttpHeader.RETRY_AFTER, Long.toString(retryAfter));
                throw new ApiException(429, "too many requests from this client: at most " + BigDecimal.valueOf(access.requestsPerSecond()).stripTrailingZeros().toPlainString()
                        + " per second (bursts of " + access.burst() + "); retry after " + retryAfter + " s");
            }
        }
        if (access.needsKey(method, path)) {
            String presented = ApiKeys.presented(headers);
            if (!ApiKeys.matches(access.apiKey(), presented)) {
                exchange.response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer realm=\"semdex\"");
                throw new ApiException(401, presented == null
                        ? "this endpoint needs the API key: send 'Authorization: Bearer KEY' or '" + ApiKeys.HEADER + ": KEY'"
                        : "the API key is not valid");
            }
        }
        long declared = exchange.request.getLength();
        if (declared > access.maxBodyBytes()) {
            throw new ApiException(413, "request body is " + declared + " bytes; the limit is " + access.maxBodyBytes());
        }
        return true;
    }

    /**
     * Before an error: reads and drops what is left of the request body (a refused body, or one
     * never read because the request was refused first), so that a client still sending it reads
     * the answer instead of a reset connection. A body over {@link #DRAIN_LIMIT_BYTES} is not read;
     * the connection is closed after the answer instead.
     */
    private static void drainBody(Exchange exchange) {
        long declared = exchange.request.getLength();
        if (declared <= DRAIN_LIMIT_BYTES) {
            try (InputStream in = Content.Source.asInputStream(exchange.request)) {
                long left = DRAIN_LIMIT_BYTES;
                byte[] sink = new byte[64 * 1024];
                for (int n; left > 0 && (n = in.read(sink, 0, (int) Math.min(sink.length, left))) > 0; ) {
                    left -= n;
                }
                if (left > 0) {
                    return;
                }
            } catch (IOException e) {
                // the client gave up; closing is all that is left
            }
        }
        exchange.response.getHeaders().put(HttpHeader.CONNECTION, "close");
    }

    /** An error in the shape of the endpoint: OpenAI's for {@code /v1}, {@code {"error": …}} elsewhere. */
    private static void sendError(Exchange exchange, boolean openAiShape, int status, String message) throws IOException {
        if (!openAiShape) {
            send(exchange, status, Map.of("error", message));
            return;
        }
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("message", message);
        error.put("type", "invalid_request_error");
        error.put("param", null);
        error.put("code", switch (status) {
            case 401 -> "invalid_api_key";
            case 429 -> "rate_limit_exceeded";
            default -> null;
        });
        send(exchange, status, Map.of("error", error));
    }

    /** What the service serves and how fresh its index is: the page's status line reads this. */
    private Map<String, Object> status() {
        IndexStatus.Stats stats = indexStatus.stats();
        long now = System.currentTimeMillis();
        EmbedderInfo model = searcher.embedderInfo(); // after a model switch, the new generation's
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", model.modelId());
        body.put("engine", model.engine());
        body.put("device", model.device());
        body.put("dimensions", model.dimensions());
        body.put("bands", Map.of("strong", model.bands().strong(), "related", model.bands().related()));
        body.put("ready", index.problem().isEmpty());
        body.put("problem", index.problem().orElse(null));
        body.put("generation", stats.generation());
        body.put("documents", stats.documents());
        body.put("units", stats.units());
        body.put("indexSizeBytes", stats.sizeBytes());
        body.put("indexChangedAgoMs", Math.max(0, now - stats.changedAtMillis()));
        body.put("indexCheckedAgoMs", Math.max(0, now - stats.checkedAtMillis()));
        OptionalLong dead = deadLetters == null ? OptionalLong.empty() : deadLetters.count();
        body.put("deadLetters", dead.isPresent() ? dead.getAsLong() : null);
        body.put("embedFailure", index.embedFailure().map(f -> Map.of("blame", f.blame(), "cause", f.cause(), "at", f.at().toString()))
                .orElse(null));
        body.put("documentsEndpoint", publisher != null);
        body.put("modes", java.util.Arrays.stream(SearchMode.values()).map(SearchMode::label).toList());
        body.put("defaultMode", SearchMode.DEFAULT.label());
        body.put("defaultThreshold", SearchRequest.DEFAULT_THRESHOLD);
        Map<String, Object> limits = new LinkedHashMap<>();
        limits.put("maxK", SearchRequest.MAX_K);
        limits.put("maxQueryChars", SearchRequest.MAX_QUERY_CHARS);
        limits.put("maxBodyBytes", access.maxBodyBytes());
        limits.put("maxDocumentsPerRequest", MAX_DOCUMENTS_PER_REQUEST);
        body.put("limits", limits);
        body.put("apiKey", Map.of("writes", access.apiKey() != null, "reads", access.keyForReads()));
        return body;
    }

    /** {@code GET /openapi.json}: the API's contract, as kept in the repository and checked against real answers by a test. */
    private Object openApi(Exchange exchange, String method) {
        requireMethod(method, "GET");
        exchange.response.setStatus(200);
        exchange.response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json; charset=utf-8");
        exchange.response.getHeaders().put("X-Content-Type-Options", "nosniff");
        metrics.answered("/openapi.json", 200);
        exchange.response.write(true, ByteBuffer.wrap(OPENAPI), exchange.callback);
        return null;
    }

    private Object metrics(Exchange exchange, String method) {
        requireMethod(method, "GET");
        String text = metrics.scrape();
        exchange.response.setStatus(200);
        exchange.response.getHeaders().put(HttpHeader.CONTENT_TYPE, Metrics.CONTENT_TYPE);
        exchange.response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        metrics.answered("/metrics", 200);
        exchange.response.write(true, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), exchange.callback);
        return null;
    }

    /** {@code GET /api/documents?id=…&id=…}: which of these documents are searchable now. */
    private Object indexedDocuments(Exchange exchange) throws IOException {
        Fields fields;
        try {
            fields = Request.extractQueryParameters(exchange.request, StandardCharsets.UTF_8);
        } catch (RuntimeException e) {
            throw new ApiException(400, "malformed query string: " + e.getMessage());
        }
        List<String> ids = new ArrayList<>();
        for (Fields.Field field : fields) {
            if (!field.getName().equals("id")) {
                throw new ApiException(400, "unknown parameter '" + field.getName() + "'; ask with id=DOC_ID (repeatable)");
            }
            ids.addAll(field.getValues());
        }
        if (ids.isEmpty() || ids.size() > MAX_STATUS_IDS) {
            throw new ApiException(400, "ask about 1 to " + MAX_STATUS_IDS + " documents with id=DOC_ID, got " + ids.size());
        }
        List<String> indexed = new ArrayList<>();
        List<String> pending = new ArrayList<>();
        try (LiveIndex.Snapshot snapshot = index.acquire()) {
            for (String id : ids) {
                boolean found = snapshot.generation().isPresent()
                        && snapshot.searcher().count(new TermQuery(new Term(IndexFields.DOC_ID, id))) > 0;
                (found ? indexed : pending).add(id);
            }
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("indexed", indexed);
        body.put("pending", pending);
        return body;
    }

    private Object ready(Exchange exchange, String method) throws IOException {
        requireMethod(method, "GET");
        if (stopping) {
            send(exchange, 503, Map.of("ready", false, "reason", "stopping"));
            return null;
        }
        var problem = index.problem();
        if (problem.isPresent()) {
            send(exchange, 503, Map.of("ready", false, "reason", problem.get()));
            return null;
        }
        return Map.of("ready", true);
    }

    /** Parameters of {@code /api/search}; only {@code filter} may be given more than once. */
    static final List<String> SEARCH_PARAMS =
            List.of("q", "k", "offset", "threshold", "mode", "fusion", "alpha", "rrf_k", "filter", "group", "candidates", "highlight");

    private Object search(Exchange exchange, String method) throws IOException {
        Map<String, List<String>> params = searchParams(exchange, method, access.maxBodyBytes());
        SearchRequest request;
        try {
            SearchRequest.Builder builder = SearchRequest.builder(single(params, "q"))
                    .k(intParam(params, "k", SearchRequest.DEFAULT_K))
                    .offset(intParam(params, "offset", 0))
                    .threshold(doubleParam(params, "threshold", SearchRequest.DEFAULT_THRESHOLD))
                    .mode(params.containsKey("mode") ? SearchMode.parse(single(params, "mode")) : SearchMode.DEFAULT)
                    .fusion(params.containsKey("fusion") ? Fusion.parse(single(params, "fusion")) : SearchRequest.DEFAULT_FUSION)
                    .rrfK(intParam(params, "rrf_k", SearchRequest.DEFAULT_RRF_K))
                    .candidates(intParam(params, "candidates", SearchRequest.DEFAULT_CANDIDATES))
                    .groupByDoc(groupParam(single(params, "group")))
                    .highlight(booleanParam("highlight", single(params, "highlight"), true));
            if (params.containsKey("alpha")) {
                builder.alpha(doubleParam(params, "alpha", Double.NaN));
            }
            for (String filter : params.getOrDefault("filter", List.of())) {
                builder.filter(MetadataFilter.parse(filter));
            }
            request = builder.build();
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, e.getMessage());
        }
        var problem = index.problem();
        if (problem.isPresent() && problem.get().contains("model")) {
            throw new ApiException(503, problem.get());
        }
        try {
            long start = System.nanoTime();
            SearchResponse response = searcher.search(request);
            metrics.searched(request.mode(), System.nanoTime() - start);
            return response;
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, e.getMessage()); // a filter on a field the index does not have
        }
    }

    /** Query string and, for POST, the JSON body's members; a body value wins over the same query parameter. */
    private static Map<String, List<String>> searchParams(Exchange exchange, String method, int maxBodyBytes) throws IOException {
        Map<String, List<String>> params = new LinkedHashMap<>();
        Fields fields;
        try {
            fields = Request.extractQueryParameters(exchange.request, StandardCharsets.UTF_8);
        } catch (RuntimeException e) {
            throw new ApiException(400, "malformed query string: " + e.getMessage());
        }
        for (Fields.Field field : fields) {
            params.put(field.getName(), List.copyOf(field.getValues()));
        }
        if (method.equals("POST")) {
            JsonNode body = readJson(exchange, maxBodyBytes);
            if (!body.isObject()) {
                throw new ApiException(400, "the search body must be a JSON object like {\"q\": \"…\", \"k\": 10}");
            }
            body.fields().forEachRemaining(e -> {
                List<String> values = new ArrayList<>();
                if (e.getValue().isArray() && e.getKey().equals("filter")) {
                    e.getValue().forEach(v -> values.add(scalar(e.getKey(), v)));
                } else {
                    values.add(scalar(e.getKey(), e.getValue()));
                }
                params.put(e.getKey(), values);
            });
        } else if (!method.equals("GET")) {
            throw new ApiException(405, "method " + method + " is not allowed here; use GET or POST");
        }
        for (Map.Entry<String, List<String>> param : params.entrySet()) {
            String name = param.getKey();
            if (!SEARCH_PARAMS.contains(name)) {
                throw new ApiException(400, "unknown parameter '" + name + "'; known: " + String.join(", ", SEARCH_PARAMS));
            }
            if (param.getValue().size() > 1 && !name.equals("filter")) {
                throw new ApiException(400, "parameter '" + name + "' is given more than once");
            }
        }
        return params;
    }

    /** A search parameter from a JSON body: a string, number or boolean; {@code q} and {@code filter} only strings. */
    private static String scalar(String name, JsonNode value) {
        boolean textOnly = name.equals("q") || name.equals("filter") || name.equals("mode") || name.equals("fusion") || name.equals("group");
        if (value.isTextual()) {
            return value.asText();
        }
        if (!textOnly && (value.isNumber() || value.isBoolean())) {
            return value.asText();
        }
        throw new ApiException(400, "'" + name + "' must be " + (textOnly ? "a string" : "a number or boolean") + ", got "
                + value.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
    }

    private static String single(Map<String, List<String>> params, String name) {
        List<String> values = params.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private static boolean groupParam(String value) {
        if (value == null || value.equals("none")) {
            return false;
        }
        if (value.equals("doc")) {
            return true;
        }
        throw new ApiException(400, "'group' must be 'doc' (one hit per document) or 'none', got '" + value + "'");
    }

    private static boolean booleanParam(String name, String value, boolean fallback) {
        if (value == null) {
            return fallback;
        }
        return switch (value.strip()) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new ApiException(400, "'" + name + "' must be true or false, got '" + value + "'");
        };
    }

    private static int intParam(Map<String, List<String>> params, String name, int fallback) {
        return intParam(name, single(params, name), fallback);
    }

    private static double doubleParam(Map<String, List<String>> params, String name, double fallback) {
        return doubleParam(name, single(params, name), fallback);
    }

    private Object documents(Exchange exchange, String method) throws IOException {
        requireMethod(method, "POST");
        if (stopping) {
            exchange.response.getHeaders().put(HttpHeader.RETRY_AFTER, Long.toString(STOPPING_RETRY_AFTER_SECONDS));
            throw new ApiException(503, "this service is stopping and takes no more documents; retry after "
                    + STOPPING_RETRY_AFTER_SECONDS + " s (on another replica, or once it is back)");
        }
        if (publisher == null) {
            throw new ApiException(503, "this service has no document pipeline configured (start it with Kafka)");
        }
        JsonNode body = readJson(exchange, access.maxBodyBytes());
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

    private static JsonNode readJson(Exchange exchange, int maxBodyBytes) throws IOException {
        byte[] bytes;
        long declared = exchange.request.getLength();
        if (declared > maxBodyBytes) {
            throw new ApiException(413, "request body is " + declared + " bytes; the limit is " + maxBodyBytes);
        }
        try (InputStream in = Content.Source.asInputStream(exchange.request)) {
            bytes = in.readNBytes(maxBodyBytes + 1);
        }
        if (bytes.length > maxBodyBytes) {
            throw new ApiException(413, "request body is larger than " + maxBodyBytes + " bytes");
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

    private static int intParam(String name, String value, int fallback) {
        if (value == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new ApiException(400, "'" + name + "' must be an integer, got '" + value + "'");
        }
    }

    private static double doubleParam(String name, String value, double fallback) {
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
    private record Exchange(Request request, Response response, Callback callback, Metrics metrics) {

        void send(int status, Object body) {
            metrics.answered(Request.getPathInContext(request), status);
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

    /**
     * The first step of a stop: documents are refused with 503 and {@code Retry-After}, and
     * {@code /ready} says 503 so that a load balancer moves on; searches go on being answered.
     */
    void stopAccepting() {
        stopping = true;
    }

    /** Refuses writes, waits up to {@code patience} for the requests being answered, then stops the server. */
    void close(Duration patience) {
        stopAccepting();
        long deadline = System.nanoTime() + patience.toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (inFlight.get() > 0) {
            LOG.warn("Stopping the HTTP server with {} requests still being answered after {} ms", inFlight.get(), patience.toMillis());
        }
        close();
    }

    @Override
    public void close() {
        stopping = true;
        try {
            server.stop();
        } catch (Exception e) {
            LOG.warn("Stopping the HTTP server failed: {}", e.getMessage());
        }
    }
}
