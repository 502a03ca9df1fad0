package io.semdex.query;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/**
 * {@code GET|POST /api/search}: the request decoded by {@link SearchParameters} (400 with its
 * message when a value is bad), searched by the {@link Searcher}; 503 while the index's model cannot
 * be had.
 */
final class SearchResource extends Resource {

    private final Searcher searcher;
    private final LiveIndex index;
    private final Metrics metrics;
    private final int maxBodyBytes;

    SearchResource(Searcher searcher, LiveIndex index, Metrics metrics, int maxBodyBytes) {
        super("GET", "POST");
        this.searcher = searcher;
        this.index = index;
        this.metrics = metrics;
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    protected Object answer(Request request, Response response, Callback callback) throws Exception {
        Map<String, List<String>> query = queryParameters(request);
        SearchRequest search;
        try {
            search = SearchParameters.decode(query, request.getMethod().equals("POST") ? ApiJson.read(request, maxBodyBytes) : null);
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, e.getMessage());
        }
        var problem = index.unsearchable();
        if (problem.isPresent() && problem.get().kind() == LiveIndex.Problem.Kind.MODEL) {
            throw new ApiException(503, problem.get().message());
        }
        try {
            long start = System.nanoTime();
            SearchResponse answer = searcher.search(search);
            metrics.searched(search.mode(), System.nanoTime() - start);
            return answer;
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, e.getMessage()); // a filter on a field the index does not have
        }
    }

    /** The query string's parameters with their values, in order. */
    static Map<String, List<String>> queryParameters(Request request) {
        Fields fields;
        try {
            fields = Request.extractQueryParameters(request, StandardCharsets.UTF_8);
        } catch (RuntimeException e) {
            throw new ApiException(400, "malformed query string: " + e.getMessage());
        }
        Map<String, List<String>> params = new LinkedHashMap<>();
        for (Fields.Field field : fields) {
            params.put(field.getName(), List.copyOf(field.getValues()));
        }
        return params;
    }
}
