package io.semdex.query;

import io.semdex.core.IndexFields;
import io.semdex.core.TextAnalysis;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermQuery;

/**
 * The keyword side: BM25 over a unit's title and text, the query analyzed with the generation's
 * analyzer. Any query term may match (OR); a unit's score is the sum over the terms and both fields,
 * so a term in the title and the text counts twice, as Elasticsearch's {@code most_fields} does.
 */
final class KeywordQuery {

    /**
     * Fields searched, equally weighted: boosting the title 2x or 3x moved stackfaq's keyword nDCG@10
     * by +0.001 and -0.007, so no boost.
     */
    static final List<String> FIELDS = List.of(IndexFields.TITLE, IndexFields.TEXT);
    /** Keeps a 2000-character query below Lucene's clause limit (1024 by default). */
    private static final int MAX_CLAUSES = 900;

    private KeywordQuery() {}

    /** The analyzed terms of {@code query}, once each, for highlighting. */
    static Set<String> terms(Analyzer analyzer, String query) {
        return new LinkedHashSet<>(TextAnalysis.terms(analyzer, IndexFields.TEXT, query));
    }

    /** The BM25 query, or null when analysis leaves no term (a query of stop words or punctuation). */
    static Query build(Analyzer analyzer, String query) {
        BooleanQuery.Builder any = new BooleanQuery.Builder();
        int clauses = 0;
        for (String field : FIELDS) {
            for (String term : TextAnalysis.terms(analyzer, field, query)) {
                if (clauses == MAX_CLAUSES) {
                    break;
                }
                any.add(new TermQuery(new Term(field, term)), BooleanClause.Occur.SHOULD);
                clauses++;
            }
        }
        return clauses == 0 ? null : any.build();
    }
}
