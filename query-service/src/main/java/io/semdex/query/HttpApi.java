package io.semdex.query;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.pathmap.PathSpec;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.server.handler.CrossOriginHandler;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.server.handler.PathMappingsHandler;
import org.eclipse.jetty.server.handler.SizeLimitHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JSON-over-HTTP API and the search page, on Jetty's own handlers, outermost first:
 * {@link GracefulHandler} (a stop lets the requests in flight finish, and refuses new ones with
 * 503), the request counter of {@code /metrics}, {@link CrossOriginHandler} (CORS for the configured
 * origins), our {@link AccessHandler} (host, preflights, rate limit, API key, forged writes),
 * {@link SizeLimitHandler} (413 before a body over {@code --max-body} is read) and a
 * {@link PathMappingsHandler} with one {@link Resource} per path. Every failure the client can fix
 * is a 4xx with a JSON body saying what to change ({@link ApiJson}); anything else a 500 with no
 * internals in the body; Jetty's own refusals (a bad request line) take the same shape.
 */
final class HttpApi implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
    /** What a refused write is told to wait while the service stops. */
    static final long STOPPING_RETRY_AFTER_SECONDS = DocumentsResource.STOPPING_RETRY_AFTER_SECONDS;
    /** Where the OpenAPI document lives in the jar (and, under src/main/resources, in the repository). */
    static final String OPENAPI_RESOURCE = "/openapi.json";
    private static final byte[] OPENAPI = readOpenApi();

    private final Server server;
    private final ServerConnector connector;
    private final LiveIndex index;
    private volatile boolean stopping;

    /** Without an access policy, metrics or dead-letter counting: the defaults. */
    HttpApi(String host, int port, Searcher searcher, LiveIndex index, DocumentPublisher publisher, OpenAiEmbeddingsApi openAi)
            throws IOException {
        this(host, port, searcher, index, publisher, openAi, AccessPolicy.DEFAULT, new Metrics(), null);
    }

    /** @param deadLetters null when there is no Kafka to ask */
    HttpApi(String host, int port, Searcher searcher, LiveIndex index, DocumentPublisher publisher, OpenAiEmbeddingsApi openAi,
            AccessPolicy access, Metrics metrics, DeadLetters deadLetters) throws IOException {
        this.index = index;
        IndexStatus indexStatus = new IndexStatus(index);
        metrics.watch(indexStatus::stats, deadLetters == null ? OptionalLong::empty : deadLetters::count,
                () -> searcher.embedderInfo().modelId());

        PathMappingsHandler resources = new PathMappingsHandler();
        resources.addMapping(PathSpec.from("/health"), Resource.get((request, response, callback) -> Map.of("status", "ok")));
        resources.addMapping(PathSpec.from("/ready"), Resource.get(this::ready));
        resources.addMapping(PathSpec.from("/api/search"), new SearchResource(searcher, index, metrics, access.maxBodyBytes()));
        resources.addMapping(PathSpec.from("/api/documents"), new DocumentsResource(publisher, index, () -> stopping, access.maxBodyBytes()));
        resources.addMapping(PathSpec.from("/api/status"),
                new StatusResource(searcher, index, indexStatus, deadLetters, publisher != null, access));
        resources.addMapping(PathSpec.from("/metrics"), Resource.get((request, response, callback) -> {
            send(response, callback, Metrics.CONTENT_TYPE, metrics.scrape().getBytes(StandardCharsets.UTF_8), true);
            return null;
        }));
        resources.addMapping(PathSpec.from("/openapi.json"), Resource.get((request, response, callback) -> {
            send(response, callback, "application/json; charset=utf-8", OPENAPI, false);
            return null;
        }));
        resources.addMapping(PathSpec.from("/v1/*"), openAi.limitedTo(access.maxBodyBytes()));
        resources.addMapping(PathSpec.from("/"), new StaticPage()); // the page, and 404 for any other path

        CrossOriginHandler cors = new CrossOriginHandler();
        cors.setAllowedOriginPatterns(access.corsOrigins().contains("*") ? Set.of("*")
                : Set.copyOf(access.corsOrigins().stream().map(Pattern::quote).toList()));
        cors.setAllowedMethods(Set.of("GET", "POST"));
        cors.setAllowedHeaders(Set.of("Content-Type", "Authorization", ApiKeys.HEADER));
        cors.setAllowCredentials(false); // keys travel in headers, never cookies
        cors.setPreflightMaxAge(Duration.ofMinutes(10));
        cors.setDeliverPreflightRequests(true); // AccessHandler answers them: 204, or 403 to an origin not allowed
        SizeLimitHandler sizeLimit = new SizeLimitHandler(access.maxBodyBytes(), -1);
        sizeLimit.setHandler(resources);
        cors.setHandler(new AccessHandler(host, access, sizeLimit));

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
        // The context gives requests the path that the path mappings match (the API sits at the root).
        server.setHandler(new GracefulHandler(new ContextHandler(new AnsweredRequests(metrics, cors), "/")));
        server.setErrorHandler(new JettyErrors(access.maxBodyBytes(), metrics));
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
            throw new UncheckedIOException(e);
        }
    }

    InetSocketAddress address() {
        return new InetSocketAddress(connector.getHost(), connector.getLocalPort());
    }

    /** {@code GET /ready}: 503 while stopping or while the index cannot be searched, so a load balancer moves on. */
    private Object ready(Request request, Response response, Callback callback) {
        var problem = stopping ? java.util.Optional.of("stopping") : index.problem();
        if (problem.isPresent()) {
            ApiJson.send(response, callback, 503, Map.of("ready", false, "reason", problem.get()));
            return null;
        }
        return Map.of("ready", true);
    }

    /** A body that is not the API's JSON: the metrics' text, the OpenAPI document as it is in the jar. */
    private static void send(Response response, Callback callback, String contentType, byte[] body, boolean noStore) {
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        response.getHeaders().put("X-Content-Type-Options", "nosniff");
        if (noStore) {
            response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        }
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    /** Counts every answer for {@code /metrics} by endpoint and status, once it is complete. */
    private static final class AnsweredRequests extends Handler.Wrapper {
        private final Metrics metrics;

        AnsweredRequests(Metrics metrics, Handler next) {
            super(next);
            this.metrics = metrics;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            String path = ApiJson.path(request);
            request.setAttribute(JettyErrors.COUNTED, true);
            return super.handle(request, response, new Callback.Nested(callback) {
                @Override
                public void succeeded() {
                    metrics.answered(path, response.getStatus());
                    super.succeeded();
                }

                @Override
                public void failed(Throwable failure) {
                    metrics.answered(path, response.getStatus());
                    super.failed(failure);
                }
            });
        }
    }

    /**
     * Jetty's own refusals (a bad request line or header, a body over the limit, a request during
     * the stop) in the API's JSON shape, through {@link ApiJson} like every other error.
     */
    private static final class JettyErrors extends ErrorHandler {
        static final String COUNTED = "semdex.counted";
        private final int maxBodyBytes;
        private final Metrics metrics;

        JettyErrors(int maxBodyBytes, Metrics metrics) {
            this.maxBodyBytes = maxBodyBytes;
            this.metrics = metrics;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            int status = response.getStatus() >= 400 ? response.getStatus() : 400;
            Object message = request.getAttribute(ErrorHandler.ERROR_MESSAGE);
            String text = switch (status) {
                case 413 -> "request body is " + request.getLength() + " bytes; the limit is " + maxBodyBytes;
                case 503 -> "this service is stopping; retry after " + STOPPING_RETRY_AFTER_SECONDS + " s (on another replica, or once"
                        + " it is back)";
                default -> status >= 500 ? null : "bad request" + (message == null ? "" : ": " + message);
            };
            if (text == null) {
                LOG.error("{} {} failed: {}", request.getMethod(), ApiJson.path(request), message,
                        (Throwable) request.getAttribute(ErrorHandler.ERROR_EXCEPTION));
            }
            ApiException error = text == null ? ApiJson.internal(ApiJson.path(request)) : new ApiException(status, text);
            if (status == 503) {
                error.with(HttpHeader.RETRY_AFTER.asString(), Long.toString(STOPPING_RETRY_AFTER_SECONDS));
            }
            if (request.getAttribute(COUNTED) == null) {
                metrics.answered(ApiJson.path(request), status);
            }
            ApiJson.error(request, response, callback, error);
            return true;
        }
    }

    /**
     * The first step of a stop: documents are refused with 503 and {@code Retry-After}, and
     * {@code /ready} says 503 so that a load balancer moves on; searches go on being answered.
     */
    void stopAccepting() {
        stopping = true;
    }

    /**
     * Refuses writes, then stops the server: the requests being answered may finish for up to
     * {@code patience} ({@link GracefulHandler}); new ones are refused meanwhile.
     */
    void close(Duration patience) {
        stopAccepting();
        server.setStopTimeout(Math.max(1, patience.toMillis()));
        long start = System.nanoTime();
        try {
            server.stop();
        } catch (Exception e) {
            LOG.warn("Stopping the HTTP server did not finish cleanly within {} ms: {}", patience.toMillis(), e.getMessage());
        }
        long took = (System.nanoTime() - start) / 1_000_000;
        if (took >= patience.toMillis()) {
            LOG.warn("Stopped the HTTP server after {} ms with requests still being answered", took);
        }
    }

    @Override
    public void close() {
        close(Duration.ZERO);
    }
}
