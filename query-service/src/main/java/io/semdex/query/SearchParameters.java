package io.semdex.query;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The HTTP form of a {@link SearchRequest}: query parameters and, for a POST, the members of a JSON
 * body (a body member wins over the query parameter of the same name). Every bad value is an
 * {@link IllegalArgumentException} whose message names the parameter and what it accepts.
 *
 * <pre>{@code
 * SearchRequest request = SearchParameters.decode(Map.of("q", List.of("running shoes"), "k", List.of("5")), null);
 * }</pre>
 */
public final class SearchParameters {

    /** Every parameter a search takes; only {@code filter} may be given more than once. */
    public static final List<String> NAMES =
            List.of("q", "k", "offset", "threshold", "threshold_scale", "mode", "fusion", "alpha", "rrf_k", "filter", "group", "candidates",
                    "highlight");

    private SearchParameters() {}

    /**
     * @param query the query string's parameters, each with its values in order
     * @param body a POST's JSON body, or null for a GET
     * @throws IllegalArgumentException naming the bad parameter
     */
    public static SearchRequest decode(Map<String, List<String>> query, JsonNode body) {
        Map<String, List<String>> params = new LinkedHashMap<>(query);
        if (body != null) {
            if (!body.isObject()) {
                throw new IllegalArgumentException("the search body must be a JSON object like {\"q\": \"…\", \"k\": 10}");
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
        }
        for (Map.Entry<String, List<String>> param : params.entrySet()) {
            String name = param.getKey();
            if (!NAMES.contains(name)) {
                throw new IllegalArgumentException("unknown parameter '" + name + "'; known: " + String.join(", ", NAMES));
            }
            if (param.getValue().size() > 1 && !name.equals("filter")) {
                throw new IllegalArgumentException("parameter '" + name + "' is given more than once");
            }
        }
        ThresholdScale scale = params.containsKey("threshold_scale") ? ThresholdScale.parse(single(params, "threshold_scale"))
                : ThresholdScale.DEFAULT;
        SearchRequest.Builder builder = SearchRequest.builder(single(params, "q"))
                .k(integer(params, "k", SearchRequest.DEFAULT_K))
                .offset(integer(params, "offset", 0))
                .thresholdScale(scale)
                .threshold(number(params, "threshold", scale == ThresholdScale.COSINE
                        ? SearchRequest.DEFAULT_COSINE_THRESHOLD : SearchRequest.DEFAULT_THRESHOLD))
                .mode(params.containsKey("mode") ? SearchMode.parse(single(params, "mode")) : SearchMode.DEFAULT)
                .fusion(params.containsKey("fusion") ? Fusion.parse(single(params, "fusion")) : SearchRequest.DEFAULT_FUSION)
                .rrfK(integer(params, "rrf_k", SearchRequest.DEFAULT_RRF_K))
                .candidates(integer(params, "candidates", SearchRequest.DEFAULT_CANDIDATES))
                .groupByDoc(group(single(params, "group")))
                .highlight(bool("highlight", single(params, "highlight"), true));
        if (params.containsKey("alpha")) {
            builder.alpha(number(params, "alpha", Double.NaN));
        }
        for (String filter : params.getOrDefault("filter", List.of())) {
            builder.filter(MetadataFilter.parse(filter));
        }
        return builder.build();
    }

    /** A search parameter from a JSON body: a string, number or boolean; {@code q}, {@code filter} and the names only strings. */
    private static String scalar(String name, JsonNode value) {
        boolean textOnly = name.equals("q") || name.equals("filter") || name.equals("mode") || name.equals("fusion") || name.equals("group")
                || name.equals("threshold_scale");
        if (value.isTextual()) {
            return value.asText();
        }
        if (!textOnly && (value.isNumber() || value.isBoolean())) {
            return value.asText();
        }
        throw new IllegalArgumentException("'" + name + "' must be " + (textOnly ? "a string" : "a number or boolean") + ", got "
                + value.getNodeType().name().toLowerCase(Locale.ROOT));
    }

    private static String single(Map<String, List<String>> params, String name) {
        List<String> values = params.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private static boolean group(String value) {
        if (value == null || value.equals("none")) {
            return false;
        }
        if (value.equals("doc")) {
            return true;
        }
        throw new IllegalArgumentException("'group' must be 'doc' (one hit per document) or 'none', got '" + value + "'");
    }

    private static boolean bool(String name, String value, boolean fallback) {
        if (value == null) {
            return fallback;
        }
        return switch (value.strip()) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("'" + name + "' must be true or false, got '" + value + "'");
        };
    }

    private static int integer(Map<String, List<String>> params, String name, int fallback) {
        String value = single(params, name);
        if (value == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + name + "' must be an integer, got '" + value + "'");
        }
    }

    private static double number(Map<String, List<String>> params, String name, double fallback) {
        String value = single(params, name);
        if (value == null) {
            return fallback;
        }
        try {
            return Double.parseDouble(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + name + "' must be a number, got '" + value + "'");
        }
    }
}
