package io.semdex.app.eval;

import io.semdex.embed.Embedder;
import io.semdex.embed.ForwardingEmbedder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An {@link Embedder} that answers queries embedded beforehand (each alone, as the query service
 * embeds them) and passes everything else to the model: evaluation runs every query in four modes
 * and embeds it once.
 */
final class PrecomputedQueries extends ForwardingEmbedder {

    private final Map<String, float[]> queries;

    PrecomputedQueries(Embedder model, Map<String, float[]> queries) {
        super(model);
        this.queries = Map.copyOf(queries);
    }

    @Override
    public List<float[]> embedQueries(List<String> texts) {
        List<float[]> out = new ArrayList<>(texts.size());
        for (String q : texts) {
            float[] v = queries.get(q);
            out.add(v != null ? v : delegate.embedQueries(List.of(q)).get(0));
        }
        return out;
    }

    @Override
    public void close() {
        // the model belongs to the caller
    }
}
