package io.semdex.query;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The query service's Prometheus metrics, written in the text exposition format (version 0.0.4)
 * at {@code /metrics}. Label values come from fixed sets (modes, endpoints, statuses), so the
 * number of series stays bounded whatever clients send.
 */
final class Metrics {

    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    /** Endpoints counted by name; every other path is {@code other}. */
    static final List<String> ENDPOINTS = List.of("/api/search", "/api/documents", "/api/status", "/v1/embeddings", "/v1/models",
            "/health", "/ready", "/metrics", "/");

    private final Map<SearchMode, Histogram> search = new EnumMap<>(SearchMode.class);
    final Histogram embed = new Histogram(Histogram.SECONDS);
    private final ConcurrentHashMap<String, LongAdder> requests = new ConcurrentHashMap<>();

    Metrics() {
        for (SearchMode mode : SearchMode.values()) {
            search.put(mode, new Histogram(Histogram.SECONDS));
        }
    }

    void searched(SearchMode mode, long nanos) {
        search.get(mode).observeNanos(nanos);
    }

    void answered(String path, int status) {
        String endpoint = ENDPOINTS.contains(path) ? path
                : path.startsWith("/v1/models/") ? "/v1/models"
                : path.startsWith("/static/") || path.equals("/index.html") ? "/" : "other";
        requests.computeIfAbsent("endpoint=\"" + endpoint + "\",status=\"" + status + "\"", k -> new LongAdder()).increment();
    }

    String scrape(IndexStatus.Stats index, OptionalLong deadLetters, String model) {
        StringBuilder out = new StringBuilder(4096);
        header(out, "semdex_search_duration_seconds", "histogram", "Time to answer /api/search, by mode (embedding included).");
        for (var e : search.entrySet()) {
            e.getValue().write(out, "semdex_search_duration_seconds", "mode=\"" + e.getKey().label() + "\"");
        }
        header(out, "semdex_embed_duration_seconds", "histogram", "Time of one model call of the query service (queries and /v1/embeddings).");
        embed.write(out, "semdex_embed_duration_seconds", "");
        header(out, "semdex_http_requests_total", "counter", "HTTP requests answered, by endpoint and status.");
        requests.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> out.append("semdex_http_requests_total{").append(e.getKey()).append("} ").append(e.getValue().sum()).append('\n'));
        gauge(out, "semdex_index_units", "Units (Lucene documents) searchable now.", index.units());
        gauge(out, "semdex_index_documents", "Documents searchable now.", index.documents());
        gauge(out, "semdex_index_size_bytes", "Bytes on disk of the live generation.", index.sizeBytes());
        gauge(out, "semdex_index_generation", "Number of the live generation (0: none yet).", index.generationNumber());
        gauge(out, "semdex_index_last_change_timestamp_seconds", "When the searchable index last changed (Unix time).",
                index.changedAtMillis() / 1000.0);
        if (deadLetters.isPresent()) {
            gauge(out, "semdex_dead_letter_records", "Records in the dead-letter topic: input the ingest job could not index.",
                    deadLetters.getAsLong());
        }
        header(out, "semdex_model_info", "gauge", "The embedding model this service serves.");
        out.append("semdex_model_info{model=\"").append(escape(model)).append("\"} 1\n");
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        header(out, "jvm_memory_used_bytes", "gauge", "JVM memory in use.");
        out.append("jvm_memory_used_bytes{area=\"heap\"} ").append(heap.getUsed()).append('\n');
        out.append("jvm_memory_used_bytes{area=\"nonheap\"} ").append(ManagementFactory.getMemoryMXBean().getNonHeapMemoryUsage().getUsed())
                .append('\n');
        header(out, "jvm_memory_used_after_gc_bytes", "gauge", "Heap in use right after the last collection of each pool: what stays.");
        out.append("jvm_memory_used_after_gc_bytes ").append(heapAfterGc()).append('\n');
        long rss = residentBytes();
        if (rss > 0) {
            gauge(out, "process_resident_memory_bytes", "Resident memory of this process.", rss);
        }
        return out.toString();
    }

    /** Heap the last collections left in use, summed over the heap pools that report it. */
    static long heapAfterGc() {
        long used = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            MemoryUsage afterGc = pool.getType() == MemoryType.HEAP ? pool.getCollectionUsage() : null;
            if (afterGc != null) {
                used += afterGc.getUsed();
            }
        }
        return used;
    }

    /** VmRSS of this process from {@code /proc/self/status}; 0 where there is no procfs. */
    static long residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return 0;
    }

    private static void header(StringBuilder out, String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void gauge(StringBuilder out, String name, String help, double value) {
        header(out, name, "gauge", help);
        out.append(name).append(' ').append(Histogram.number(value)).append('\n');
    }

    static String escape(String label) {
        return label.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
