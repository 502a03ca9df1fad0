package io.semdex.app;

import io.semdex.embed.Embedder;
import io.semdex.embed.EmbedderInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An {@link Embedder} that answers queries embedded beforehand (each alone, as the query service
 * embeds them) and passes everything else to the model: evaluation runs every query in four modes
 * and embeds it once.
 */
final class PrecomputedQueries implements Embedder {

    private final Embedder model;
    private final Map<String, float[]> queries;

    PrecomputedQueries(Embedder model, Map<String, float[]> queries) {
        this.model = model;
        this.queries = Map.copyOf(queries);
    }

    @Override
    public List<float[]> embedDocuments(List<String> texts) {
        return model.embedDocuments(texts);
    }

    @Override
    public List<float[]> embedQueries(List<String> texts) {
        List<float[]> out = new ArrayList<>(texts.size());
        for (String q : texts) {
            float[] v = queries.get(q);
            out.add(v != null ? v : model.embedQueries(List.of(q)).get(0));
        }
        return out;
    }

    @Override
    public List<float[]> embedTexts(List<String> texts) {
        return model.embedTexts(texts);
    }

    @Override
    public EmbedderInfo info() {
        return model.info();
    }

    @Override
    public io.semdex.embed.ModelPreset preset() {
        return model.preset();
    }

    @Override
    public int countTokens(String text) {
        return model.countTokens(text);
    }

    @Override
    public void close() {
        // the model belongs to the caller
    }
}
