package io.semdex.query;

import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * The query service's Prometheus metrics, kept by the Prometheus Java client in a registry of this
 * instance (several services may share a JVM, as in tests) and written in the text exposition format
 * (version 0.0.4) at {@code /metrics}, with the client's JVM and process metrics beside them. Label
 * values come from fixed sets (modes, endpoints, statuses), so the number of series stays bounded
 * whatever clients send.
 */
final class Metrics {

    /** 1 ms to 10 s, roughly ×2.5 apart: query embedding and search latencies of a CPU model fall well inside. */
    static final double[] SECONDS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    /** Endpoints counted by name; every other path is {@code other}. */
    static final List<String> ENDPOINTS = List.of("/api/search", "/api/documents", "/api/status", "/v1/embeddings", "/v1/models",
            "/health", "/ready", "/metrics", "/openapi.json", "/");

    private static final PrometheusTextFormatWriter WRITER = PrometheusTextFormatWriter.create();
    static final String CONTENT_TYPE = WRITER.getContentType();

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Histogram search;
    final DistributionDataPoint embed;
    /** Queries per model call made for searches: above 1 where concurrent searches shared a call ({@link QueryBatcher}). */
    final DistributionDataPoint queryBatch;
    private final Counter requests;
    private boolean watching;

    Metrics() {
        search = Histogram.builder().name("semdex_search_duration_seconds")
                .help("Time to answer /api/search, by mode (embedding included).")
                .labelNames("mode").classicOnly().classicUpperBounds(SECONDS).register(registry);
        for (SearchMode mode : SearchMode.values()) {
            search.initLabelValues(mode.label()); // every mode shows, at 0, before its first search
        }
        embed = Histogram.builder().name("semdex_embed_duration_seconds")
                .help("Time of one model call of the query service (queries and /v1/embeddings).")
                .classicOnly().classicUpperBounds(SECONDS).register(registry);
        queryBatch = Histogram.builder().name("semdex_query_batch_size")
                .help("Queries per model call made for /api/search: 1 when a query found the model free, more when concurrent"
                        + " searches shared a call.")
                .classicOnly().classicUpperBounds(1, 2, 4, 8, 16).register(registry);
        requests = Counter.builder().name("semdex_http_requests_total").help("HTTP requests answered, by endpoint and status.")
                .labelNames("endpoint", "status").register(registry);
        JvmMetrics.builder().register(registry);
    }

    void searched(SearchMode mode, long nanos) {
        search.labelValues(mode.label()).observe(nanos / 1e9);
    }

    void answered(String path, int status) {
        String endpoint = ENDPOINTS.contains(path) ? path
                : path.startsWith("/v1/models/") ? "/v1/models"
                : path.startsWith("/static/") || path.equals("/index.html") ? "/" : "other";
        requests.labelValues(endpoint, Integer.toString(status)).inc();
    }

    /**
     * Registers the gauges read at scrape time: the live index, the dead-letter count (no sample
     * while it is unknown) and the model served (read at each scrape: a model switch changes it). Once
     * per instance: one service owns its metrics.
     */
    synchronized void watch(Supplier<IndexStatus.Stats> index, Supplier<OptionalLong> deadLetters, Supplier<String> model) {
        if (watching) {
            throw new IllegalStateException("these metrics already watch a service; give each service its own Metrics");
        }
        watching = true;
        gauge("semdex_index_units", "Units (Lucene documents) searchable now.", () -> index.get().units());
        gauge("semdex_index_documents", "Documents searchable now.", () -> index.get().documents());
        gauge("semdex_index_size_bytes", "Bytes on disk of the live generation.", () -> index.get().sizeBytes());
        gauge("semdex_index_generation", "Number of the live generation (0: none yet).", () -> index.get().generationNumber());
        gauge("semdex_index_last_change_timestamp_seconds", "When the searchable index last changed (Unix time).",
                () -> index.get().changedAtMillis() / 1000.0);
        GaugeWithCallback.builder().name("semdex_dead_letter_records")
                .help("Records in the dead-letter topic: input the ingest job could not index.")
                .callback(callback -> deadLetters.get().ifPresent(callback::call)).register(registry);
        GaugeWithCallback.builder().name("semdex_model_info").help("The embedding model this service serves.")
                .labelNames("model").callback(callback -> callback.call(1, model.get())).register(registry);
    }

    private void gauge(String name, String help, Supplier<Number> value) {
        GaugeWithCallback.builder().name(name).help(help).callback(callback -> callback.call(value.get().doubleValue())).register(registry);
    }

    /** Every metric of this instance, in the text exposition format. */
    String scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16384);
        try {
            WRITER.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
