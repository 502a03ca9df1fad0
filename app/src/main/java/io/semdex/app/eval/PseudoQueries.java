package io.semdex.app.eval;

import io.semdex.core.ContentHash;
import io.semdex.core.SourceDocument;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Judged queries cut from a corpus's own documents, so that a generation can fit what its defaults
 * need (the threshold map, the fusion weight's constant) on the corpus it indexes, with no judged
 * query of anyone's. From each of up to {@value #MAX_QUERIES} documents (a fixed sample, by a hash of
 * their ids) one query, in its author's words:
 * <ul>
 *   <li>its title, when no other document has the same one and the body says enough on its own (a
 *       product's name, an FAQ entry's question, a page's title);
 *   <li>else its first sentence (Chinese sentences too), when the rest says enough.
 * </ul>
 * The query is taken out of its document, which stays in the corpus among the others: a query never
 * finds its own words, only the text they introduce, as a user's question finds an answer.
 */
public final class PseudoQueries {

    /** Queries cut at most: enough for a fit, few enough to embed in seconds at build time. */
    static final int MAX_QUERIES = 300;
    /** Fewer queries than this fit no threshold map: the model's own is used. */
    static final int MIN_FIT_QUERIES = 30;
    /** What is left of a document must say this much. */
    static final int MIN_REST_CHARS = 40;
    /** Words a query needs (Chinese characters count one word per two). */
    static final int MIN_QUERY_WORDS = 3;
    /** A title at most this long is a query; longer ones are descriptions. */
    static final int MAX_QUERY_WORDS = 40;

    private static final Pattern FIRST_SENTENCE = Pattern.compile("^\\s*(.+?[.!?。！？])(\\s+|(?<=[。！？]))(.*)$", Pattern.DOTALL);

    private PseudoQueries() {}

    /** The corpus with each sampled document's query taken out of it, the queries, and each query's document as its judgment. */
    static BeirDataset cut(String name, List<SourceDocument> corpus) {
        Map<String, Integer> titles = new HashMap<>();
        for (SourceDocument doc : corpus) {
            if (doc.title() != null) {
                titles.merge(doc.title().strip(), 1, Integer::sum);
            }
        }
        List<SourceDocument> sample = new ArrayList<>(corpus);
        sample.sort(Comparator.comparing(d -> ContentHash.of(d.id())));
        Map<String, SourceDocument> changed = new HashMap<>();
        Map<String, String> queries = new LinkedHashMap<>();
        Map<String, Map<String, Integer>> qrels = new LinkedHashMap<>();
        for (SourceDocument doc : sample) {
            if (queries.size() == MAX_QUERIES) {
                break;
            }
            Cut cut = cut(doc, doc.title() != null && titles.get(doc.title().strip()) == 1);
            if (cut != null) {
                String id = "pseudo-" + (queries.size() + 1);
                queries.put(id, cut.query());
                qrels.put(id, Map.of(doc.id(), 1));
                changed.put(doc.id(), cut.rest());
            }
        }
        List<SourceDocument> cutCorpus = new ArrayList<>(corpus.size());
        for (SourceDocument doc : corpus) {
            cutCorpus.add(changed.getOrDefault(doc.id(), doc));
        }
        return new BeirDataset(name, cutCorpus, queries, qrels);
    }

    /**
     * {@code pseudo}'s queries judged as a shopper judges a catalog's search ({@link ProductKinds}):
     * by each query's own document and every product of its kind. What a generation's threshold map
     * is fitted on; with no kinds the set comes back as it is. (The full lift is chosen on the
     * document alone: which fusion ranks the named product first.)
     */
    static BeirDataset judgedByKind(BeirDataset pseudo, ProductKinds kinds) {
        if (!kinds.any()) {
            return pseudo;
        }
        Map<String, Map<String, Integer>> qrels = new LinkedHashMap<>();
        pseudo.qrels().forEach((query, judged) -> {
            Map<String, Integer> wider = new HashMap<>(judged);
            for (String named : judged.keySet()) {
                for (String same : kinds.ofKind(named)) {
                    wider.putIfAbsent(same, 1);
                }
            }
            qrels.put(query, wider);
        });
        return new BeirDataset(pseudo.name(), pseudo.corpus(), pseudo.queries(), qrels);
    }

    /** A query cut from a document, and the document without it. */
    public record Cut(String query, SourceDocument rest) {}

    /**
     * The query of one document: its title when {@code titleUnique} and the body says enough, else
     * its first sentence when the rest does; null when neither can be cut.
     */
    public static Cut cut(SourceDocument doc, boolean titleUnique) {
        String body = doc.body() == null ? "" : doc.body().strip();
        String title = doc.title() == null ? null : doc.title().strip();
        if (title != null && titleUnique && body.length() >= MIN_REST_CHARS && fits(title)) {
            return new Cut(title, with(doc, null, body));
        }
        Matcher m = FIRST_SENTENCE.matcher(body);
        if (m.matches() && fits(m.group(1)) && m.group(3).strip().length() >= MIN_REST_CHARS) {
            return new Cut(m.group(1).strip(), with(doc, title, m.group(3).strip()));
        }
        return null;
    }

    private static boolean fits(String query) {
        int words = CalibrationSet.words(query);
        return words >= MIN_QUERY_WORDS && words <= MAX_QUERY_WORDS;
    }

    private static SourceDocument with(SourceDocument doc, String title, String body) {
        return new SourceDocument(doc.id(), title, body, doc.format(), doc.url(), doc.source(), doc.lang(), doc.updated(), doc.faq(),
                doc.fields());
    }
}
