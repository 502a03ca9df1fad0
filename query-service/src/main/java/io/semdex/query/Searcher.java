package io.semdex.query;

import io.semdex.core.Band;
import io.semdex.core.IndexFields;
import io.semdex.embed.Embedder;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.lucene.document.Document;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;

/**
 * Answers searches over a {@link LiveIndex}. The threshold is always the raw cosine between
 * query and unit, never a rescaled score.
 */
public final class Searcher {

    private static final Set<String> STORED =
            Set.of(IndexFields.UNIT_ID, IndexFields.DOC_ID, IndexFields.TITLE, IndexFields.TEXT, IndexFields.URL);

    private final LiveIndex index;
    private final Embedder embedder;
    private final Band.Cutoffs bands;

    public Searcher(LiveIndex index, Embedder embedder) {
        this.index = index;
        this.embedder = embedder;
        this.bands = embedder.info().bands();
    }

    public SearchResponse search(SearchRequest request) throws IOException {
        long start = System.nanoTime();
        float[] query = embedder.embedQueries(List.of(request.query())).get(0);
        try (LiveIndex.Snapshot snapshot = index.acquire()) {
            List<Hit> hits = snapshot.generation().isEmpty() ? List.of() : vectorHits(snapshot.searcher(), query, request);
            return new SearchResponse(request.query(), request.mode().label(), request.threshold(), embedder.info().modelId(),
                    snapshot.generation().map(g -> g.name()).orElse(null), (System.nanoTime() - start) / 1_000_000, hits);
        }
    }

    private List<Hit> vectorHits(IndexSearcher searcher, float[] query, SearchRequest request) throws IOException {
        TopDocs top = searcher.search(new KnnFloatVectorQuery(IndexFields.VECTOR, query, request.k()), request.k());
        List<Hit> hits = new ArrayList<>(top.scoreDocs.length);
        for (ScoreDoc sd : top.scoreDocs) {
            // Lucene scores DOT_PRODUCT as (1 + dot) / 2; for normalized vectors dot is the cosine.
            double cosine = 2.0 * sd.score - 1.0;
            if (cosine < request.threshold()) {
                continue; // hits come in descending score order; later ones may still tie
            }
            Document doc = searcher.storedFields().document(sd.doc, STORED);
            hits.add(new Hit(hits.size() + 1, doc.get(IndexFields.UNIT_ID), doc.get(IndexFields.DOC_ID),
                    doc.get(IndexFields.TITLE), doc.get(IndexFields.TEXT), doc.get(IndexFields.URL),
                    round(cosine), round(cosine), bands.of(cosine).label()));
        }
        return hits;
    }

    private static double round(double v) {
        return Math.round(v * 1e6) / 1e6;
    }
}
