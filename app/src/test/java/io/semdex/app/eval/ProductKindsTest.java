package io.semdex.app.eval;

import static org.assertj.core.api.Assertions.assertThat;

import io.semdex.core.SourceDocument;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProductKindsTest {

    private static SourceDocument product(String id, Object category) {
        Map<String, Object> fields = new HashMap<>();
        if (category != null) {
            fields.put(ProductKinds.FIELD, category);
        }
        return new SourceDocument(id, "Product " + id, "What product " + id + " is.", "text", null, null, null, null, List.of(), fields);
    }

    /** 40 products: 4 slippers, 3 sunglasses, 1 lone belt, 30 books, 1 blank category, 1 with a list of categories. */
    private static List<SourceDocument> catalog() {
        List<SourceDocument> corpus = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            corpus.add(product("slipper-" + i, "Shoes > Slippers"));
        }
        for (int i = 0; i < 3; i++) {
            corpus.add(product("sunglasses-" + i, " Eyewear > Sunglasses "));
        }
        corpus.add(product("belt", "Accessories > Belts"));
        for (int i = 0; i < 30; i++) {
            corpus.add(product("book-" + i, "Books"));
        }
        corpus.add(product("blank", " "));
        corpus.add(product("listed", List.of("Shoes > Slippers", "Books")));
        return corpus;
    }

    @Test
    void productsOfOneCategoryAreOfOneKindAndOfNoOther() {
        ProductKinds kinds = ProductKinds.of(catalog());

        assertThat(kinds.any()).isTrue();
        assertThat(kinds.sameKind("slipper-0", "slipper-3")).isTrue();
        assertThat(kinds.sameKind("slipper-3", "slipper-0")).isTrue();
        assertThat(kinds.sameKind("sunglasses-0", "sunglasses-2")).as("the category is taken without its surrounding blanks").isTrue();
        assertThat(kinds.sameKind("slipper-0", "sunglasses-0")).isFalse();
        assertThat(kinds.ofKind("slipper-1")).containsExactlyInAnyOrder("slipper-0", "slipper-1", "slipper-2", "slipper-3");
    }

    @Test
    void aCategoryOfOneProductOrOfTooManySaysNoKindAndNeitherDoesABlankOrAList() {
        ProductKinds kinds = ProductKinds.of(catalog());

        assertThat(kinds.ofKind("belt")).as("alone in its category").isEmpty();
        // 30 of 40 documents: more than a tenth, so "Books" says too little of what a product is.
        assertThat(kinds.ofKind("book-0")).isEmpty();
        assertThat(kinds.sameKind("book-0", "book-1")).isFalse();
        assertThat(kinds.ofKind("blank")).isEmpty();
        assertThat(kinds.ofKind("listed")).isEmpty();
        assertThat(kinds.sameKind("listed", "slipper-0")).isFalse();
        assertThat(kinds.ofKind("no-such-document")).isEmpty();
    }

    @Test
    void aCorpusWithoutCategoriesHasNoKindsAndItsPairsAreJudgedByTheirOwnDocument() {
        List<SourceDocument> faq = List.of(product("q1", null), product("q2", null), product("q3", null));

        ProductKinds kinds = ProductKinds.of(faq);

        assertThat(kinds.any()).isFalse();
        assertThat(kinds.sameKind("q1", "q2")).isFalse();
        assertThat(kinds.judgedBy()).isEqualTo("each query's own document");
        assertThat(ProductKinds.of(catalog()).judgedBy()).contains("the products of its kind");
    }
}
