package io.semdex.app.eval;

import io.semdex.core.SourceDocument;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What kind of product each document of a catalog is, by its {@value #FIELD} field (the document
 * contract's {@code fields.category}), so that a pseudo-query cut from a product's title is judged
 * as a shopper judges a search: the product named and every product of its kind (the same leaf
 * category: another brand, size or pack of the same thing) answer it. Esci's judgments count such
 * substitutes relevant too; judged by the named product alone, a catalog's threshold map topped out
 * near relevance 0.3 where 0.8–0.9 of the kept hits were relevant.
 *
 * <p>A category holding more than {@value #MAX_SHARE} of the documents ("Books") says too little of
 * what a product is and counts as no kind; so does one that a single document has. A corpus with no
 * such field (FAQs, wikis) has no kinds, and its pseudo-queries are judged by their document alone.
 */
final class ProductKinds {

    /** The metadata field naming a document's category. */
    static final String FIELD = "category";
    /** The largest share of the documents one category may hold and still say what kind a product is. */
    static final double MAX_SHARE = 0.1;

    private static final ProductKinds NONE = new ProductKinds(Map.of(), Map.of());

    private final Map<String, String> kindOf;
    private final Map<String, Set<String>> members;

    private ProductKinds(Map<String, String> kindOf, Map<String, Set<String>> members) {
        this.kindOf = kindOf;
        this.members = members;
    }

    /** The kinds of {@code corpus}'s documents, by their {@value #FIELD} field where it is a text. */
    static ProductKinds of(List<SourceDocument> corpus) {
        Map<String, String> categories = new HashMap<>();
        for (SourceDocument doc : corpus) {
            if (doc.fields().get(FIELD) instanceof String category) {
                categories.put(doc.id(), category);
            }
        }
        return of(categories, corpus.size());
    }

    /** The kinds of a corpus of {@code documents} documents, from each one's category (document id to category; blank or absent: none). */
    static ProductKinds of(Map<String, String> categories, int documents) {
        Map<String, List<String>> byCategory = new HashMap<>();
        categories.forEach((id, category) -> {
            if (category != null && !category.isBlank()) {
                byCategory.computeIfAbsent(category.strip(), c -> new ArrayList<>()).add(id);
            }
        });
        byCategory.values().removeIf(ids -> ids.size() < 2 || ids.size() > MAX_SHARE * documents);
        if (byCategory.isEmpty()) {
            return NONE;
        }
        Map<String, String> kindOf = new HashMap<>();
        Map<String, Set<String>> members = new HashMap<>();
        byCategory.forEach((category, ids) -> {
            ids.forEach(id -> kindOf.put(id, category));
            members.put(category, Set.copyOf(ids));
        });
        return new ProductKinds(kindOf, members);
    }

    /** Whether any document has a kind: the corpus is a catalog with categories that say what its products are. */
    boolean any() {
        return !kindOf.isEmpty();
    }

    /** Whether {@code other} is a product of {@code named}'s kind (never when either has none). */
    boolean sameKind(String named, String other) {
        String kind = kindOf.get(named);
        return kind != null && kind.equals(kindOf.get(other));
    }

    /** The documents of {@code named}'s kind, itself included; empty when it has none. */
    Set<String> ofKind(String named) {
        String kind = kindOf.get(named);
        return kind == null ? Set.of() : members.get(kind);
    }

    /** How a fit's description says the pairs were judged. */
    String judgedBy() {
        return any() ? "each query's own document and the products of its kind (its category)" : "each query's own document";
    }
}
