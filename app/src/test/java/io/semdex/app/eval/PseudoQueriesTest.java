package io.semdex.app.eval;

import static org.assertj.core.api.Assertions.assertThat;

import io.semdex.core.SourceDocument;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PseudoQueriesTest {

    private static SourceDocument doc(String id, String title, String body) {
        return new SourceDocument(id, title, body, "text", null, null, null, null, List.of(), Map.of());
    }

    @Test
    void aUniqueTitleIsTheQueryAndLeavesItsDocument() {
        PseudoQueries.Cut cut = PseudoQueries.cut(doc("p1", "Waterproof trail running shoes", "Breathable mesh, a grippy sole and a cushioned heel for long runs."), true);
        assertThat(cut.query()).isEqualTo("Waterproof trail running shoes");
        assertThat(cut.rest().title()).isNull();
        assertThat(cut.rest().body()).isEqualTo("Breathable mesh, a grippy sole and a cushioned heel for long runs.");
        assertThat(cut.rest().id()).isEqualTo("p1");
    }

    @Test
    void withoutAUniqueTitleTheFirstSentenceIsTheQueryChineseToo() {
        PseudoQueries.Cut en = PseudoQueries.cut(doc("x", "Super_Bowl_50", "The Panthers defense gave up just 308 points. "
                + "They ranked sixth in the league and led the NFL in interceptions."), false);
        assertThat(en.query()).isEqualTo("The Panthers defense gave up just 308 points.");
        assertThat(en.rest().body()).isEqualTo("They ranked sixth in the league and led the NFL in interceptions.");
        assertThat(en.rest().title()).as("a shared title stays context").isEqualTo("Super_Bowl_50");

        PseudoQueries.Cut zh = PseudoQueries.cut(doc("z", null, "黑豹队的防守只丢了308分，在联赛中排名第六。同时也以24次拦截领先国家橄榄球联盟，并且四次入选职业碗，防守截锋卡万·肖特领先全队。"), false);
        assertThat(zh.query()).isEqualTo("黑豹队的防守只丢了308分，在联赛中排名第六。");
        assertThat(zh.rest().body()).startsWith("同时也以24次拦截");
    }

    @Test
    void aDocumentThatWouldSayTooLittleWithoutItsQueryGivesNone() {
        assertThat(PseudoQueries.cut(doc("s", "A title of words", "Too short."), true)).isNull();
        assertThat(PseudoQueries.cut(doc("s", null, "One sentence only, with nothing after it."), false)).isNull();
    }

    @Test
    void theSetJudgesEachQueryByItsDocumentAndKeepsEveryOtherDocumentAsItWas() {
        List<SourceDocument> corpus = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            corpus.add(doc("d" + i, "Product number " + i + " of the catalog", "A description long enough to stand without its title, item " + i + "."));
        }
        corpus.add(doc("same-a", "Shared title here", "A description long enough to stand without its title, the first."));
        corpus.add(doc("same-b", "Shared title here", "A description long enough to stand without its title, the second."));

        BeirDataset set = PseudoQueries.cut("catalog", corpus);

        assertThat(set.queries()).hasSize(PseudoQueries.MAX_QUERIES);
        assertThat(set.queries().values()).doesNotContain("Shared title here");
        assertThat(set.corpus()).hasSize(corpus.size());
        set.qrels().forEach((query, judged) -> {
            String docId = judged.keySet().iterator().next();
            SourceDocument cut = set.corpus().stream().filter(d -> d.id().equals(docId)).findFirst().orElseThrow();
            assertThat(cut.title()).as("its query was taken out").isNull();
            assertThat(set.queries().get(query)).isEqualTo(corpus.get(Integer.parseInt(docId.substring(1))).title());
        });
        assertThat(PseudoQueries.cut("catalog", corpus).queries()).as("the same sample each time").isEqualTo(set.queries());
    }

    @Test
    void inACatalogAQueryIsJudgedByItsProductAndTheProductsOfItsKindElsewhereByItsDocumentAlone() {
        List<SourceDocument> corpus = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            String kind = "Kind " + (i % 20); // 20 kinds of 5 products
            corpus.add(new SourceDocument("p" + i, "Product number " + i + " of the catalog",
                    "A description long enough to stand without its title, item " + i + ".", "text", null, null, null, null, List.of(),
                    Map.of(ProductKinds.FIELD, kind)));
        }
        BeirDataset named = PseudoQueries.cut("catalog", corpus);

        BeirDataset byKind = PseudoQueries.judgedByKind(named, ProductKinds.of(named.corpus()));

        assertThat(byKind.queries()).isEqualTo(named.queries());
        assertThat(byKind.corpus()).isEqualTo(named.corpus());
        named.qrels().forEach((query, judged) -> {
            int product = Integer.parseInt(judged.keySet().iterator().next().substring(1));
            assertThat(byKind.qrels().get(query)).as(query).hasSize(5).allSatisfy((id, grade) -> {
                assertThat(Integer.parseInt(id.substring(1)) % 20).isEqualTo(product % 20);
                assertThat(grade).isEqualTo(1);
            });
        });

        BeirDataset faq = PseudoQueries.cut("faq", corpus.stream().map(d -> new SourceDocument(d.id(), d.title(), d.body(), "text", null, null,
                null, null, List.of(), Map.of())).toList());
        assertThat(PseudoQueries.judgedByKind(faq, ProductKinds.of(faq.corpus()))).isSameAs(faq);
    }
}
