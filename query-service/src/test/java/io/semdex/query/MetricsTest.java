package io.semdex.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class MetricsTest {

    private static final IndexStatus.Stats INDEX = new IndexStatus.Stats("gen-3", 3, 10, 4, 2048, 1_700_000_000_000L, 0, null, null);
    private static final Pattern LINE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)\\})? (\\S+)");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    /** One sample line of a scrape. */
    record Sample(String name, Map<String, String> labels, double value) {}

    static List<Sample> parse(String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher m = LINE.matcher(line);
            assertThat(m.matches()).as(line).isTrue();
            Map<String, String> labels = new LinkedHashMap<>();
            if (m.group(2) != null) {
                Matcher l = LABEL.matcher(m.group(2));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2));
                }
            }
            samples.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(3))));
        }
        return samples;
    }

    private static double bound(String le) {
        return le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
    }

    private static List<Sample> named(List<Sample> samples, String name, Map<String, String> labels) {
        return samples.stream().filter(s -> s.name().equals(name) && s.labels().entrySet().containsAll(labels.entrySet())).toList();
    }

    private static double value(List<Sample> samples, String name, Map<String, String> labels) {
        List<Sample> found = named(samples, name, labels);
        assertThat(found).as(name + labels).hasSize(1);
        return found.getFirst().value();
    }

    @Test
    void aScrapeHasEveryDocumentedSeriesWithItsLabels() {
        Metrics metrics = new Metrics();
        metrics.watch(() -> INDEX, () -> OptionalLong.of(2), () -> "bge-small-zh-v1.5");
        metrics.searched(SearchMode.KEYWORD, 2_000_000);
        metrics.embed.observe(0.003);
        metrics.answered("/api/search", 200);
        metrics.answered("/api/search", 200);
        metrics.answered("/wp-login.php", 404);
        String text = metrics.scrape();
        List<Sample> samples = parse(text);

        assertThat(text).contains("# TYPE semdex_search_duration_seconds histogram", "# TYPE semdex_embed_duration_seconds histogram",
                "# TYPE semdex_query_batch_size histogram",
                "# TYPE semdex_http_requests_total counter", "# TYPE semdex_index_units gauge");
        List<Double> bounds = new ArrayList<>();
        for (double b : Metrics.SECONDS) {
            bounds.add(b);
        }
        bounds.add(Double.POSITIVE_INFINITY);
        for (SearchMode mode : SearchMode.values()) {
            Map<String, String> labels = Map.of("mode", mode.label());
            assertThat(named(samples, "semdex_search_duration_seconds_bucket", labels)).extracting(s -> bound(s.labels().get("le")))
                    .as("buckets of mode " + mode.label()).containsExactlyElementsOf(bounds);
            assertThat(value(samples, "semdex_search_duration_seconds_count", labels)).isEqualTo(mode == SearchMode.KEYWORD ? 1 : 0);
            value(samples, "semdex_search_duration_seconds_sum", labels);
        }
        assertThat(value(samples, "semdex_search_duration_seconds_bucket", Map.of("mode", "keyword", "le", "0.001"))).isZero();
        assertThat(value(samples, "semdex_search_duration_seconds_bucket", Map.of("mode", "keyword", "le", "0.0025"))).isEqualTo(1);

        assertThat(named(samples, "semdex_embed_duration_seconds_bucket", Map.of())).extracting(s -> bound(s.labels().get("le")))
                .containsExactlyElementsOf(bounds);
        assertThat(value(samples, "semdex_embed_duration_seconds_count", Map.of())).isEqualTo(1);
        assertThat(value(samples, "semdex_embed_duration_seconds_sum", Map.of())).isEqualTo(0.003);

        assertThat(value(samples, "semdex_http_requests_total", Map.of("endpoint", "/api/search", "status", "200"))).isEqualTo(2);
        assertThat(value(samples, "semdex_http_requests_total", Map.of("endpoint", "other", "status", "404"))).isEqualTo(1);
        assertThat(named(samples, "semdex_http_requests_total", Map.of())).allSatisfy(s -> assertThat(s.labels().keySet())
                .containsExactlyInAnyOrder("endpoint", "status"));

        assertThat(value(samples, "semdex_index_units", Map.of())).isEqualTo(10);
        assertThat(value(samples, "semdex_index_documents", Map.of())).isEqualTo(4);
        assertThat(value(samples, "semdex_index_size_bytes", Map.of())).isEqualTo(2048);
        assertThat(value(samples, "semdex_index_generation", Map.of())).isEqualTo(3);
        assertThat(value(samples, "semdex_index_last_change_timestamp_seconds", Map.of())).isEqualTo(1_700_000_000);
        assertThat(value(samples, "semdex_dead_letter_records", Map.of())).isEqualTo(2);
        assertThat(value(samples, "semdex_model_info", Map.of("model", "bge-small-zh-v1.5"))).isEqualTo(1);

        assertThat(value(samples, "process_resident_memory_bytes", Map.of())).isPositive();
        assertThat(value(samples, "jvm_memory_used_bytes", Map.of("area", "heap"))).isPositive();
        assertThat(value(samples, "jvm_memory_used_bytes", Map.of("area", "nonheap"))).isPositive();
        assertThat(named(samples, "jvm_memory_pool_collection_used_bytes", Map.of())).isNotEmpty();
    }

    @Test
    void unknownDeadLettersGiveNoSample() {
        Metrics metrics = new Metrics();
        metrics.watch(() -> INDEX, OptionalLong::empty, () -> "m");
        assertThat(named(parse(metrics.scrape()), "semdex_dead_letter_records", Map.of())).isEmpty();
    }

    @Test
    void servicesInOneJvmKeepTheirOwnCounts() {
        Metrics one = new Metrics();
        Metrics two = new Metrics();
        one.answered("/health", 200);
        assertThat(value(parse(one.scrape()), "semdex_http_requests_total", Map.of("endpoint", "/health"))).isEqualTo(1);
        assertThat(named(parse(two.scrape()), "semdex_http_requests_total", Map.of())).isEmpty();
    }

    @Test
    void oneMetricsWatchesOneService() {
        Metrics metrics = new Metrics();
        metrics.watch(() -> INDEX, OptionalLong::empty, () -> "m");
        assertThatThrownBy(() -> metrics.watch(() -> INDEX, OptionalLong::empty, () -> "m")).isInstanceOf(IllegalStateException.class);
    }
}
