package io.semdex.app.eval;

import static org.assertj.core.api.Assertions.assertThat;

import io.semdex.core.SourceDocument;
import io.semdex.ingest.Block;
import io.semdex.ingest.ParsedDocument;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CalibrationSetTest {

    private static final String ANSWER = "Use the journal's backup tool while the broker runs, then copy the files it wrote.";

    @Test
    void aQuestionTitledPageIsAQueryForItsAnswerWhichNoLongerCarriesTheQuestion() {
        ParsedDocument page = page("faq/backup.html", "How do I back-up KahaDB", block(List.of(), null, ANSWER));

        BeirDataset set = CalibrationSet.of("docs", List.of(page));

        assertThat(set.queries()).containsOnlyKeys("question-1").containsValue("How do I back-up KahaDB");
        assertThat(set.qrels().get("question-1")).containsExactly(Map.entry("faq/backup.html#0", 1));
        SourceDocument answer = set.corpus().getFirst();
        assertThat(answer.title()).isNull();
        assertThat(answer.body()).isEqualTo(ANSWER);
    }

    @Test
    void faqEntriesAndAskingHeadingsAreQueriesForTheTextUnderThem() {
        ParsedDocument page = page("wiki/FAQ.md", "FAQ",
                block(List.of("General"), "Does Hyperledger support smart contracts?", "Yes: every framework runs them, as chaincode or as EVM bytecode."),
                block(List.of("General", "Where is the public Hyperledger network?"), null, "There is none: each project runs its own networks, public or private."),
                block(List.of("General", "Where is the public Hyperledger network?"), null, "Test networks are listed on the project pages."));

        BeirDataset set = CalibrationSet.of("docs", List.of(page));

        assertThat(set.queries().values()).containsExactly("Does Hyperledger support smart contracts?", "Where is the public Hyperledger network?");
        assertThat(set.corpus()).extracting(SourceDocument::title).containsOnlyNulls();
        assertThat(set.corpus().get(1).body()).contains("There is none").contains("Test networks are listed");
        assertThat(set.corpus()).allSatisfy(d -> assertThat(d.body()).doesNotContain("?"));
    }

    @Test
    void aHeadingOfThreeWordsOrMoreIsAQueryAndLeavesTheTitleOfItsSection() {
        ParsedDocument page = page("site/persistence.html", "Persistence",
                block(List.of("Stores", "Configuring the JDBC adapter"), null, "Point the adapter at a data source and give it a table prefix."),
                block(List.of("Stores", "Options"), null, "Every store takes a directory and a size for its journal files."));

        BeirDataset set = CalibrationSet.of("docs", List.of(page));

        assertThat(set.queries()).containsOnlyKeys("heading-1").containsValue("Configuring the JDBC adapter");
        assertThat(set.corpus()).extracting(SourceDocument::title)
                .containsExactly("Persistence — Stores", "Persistence — Stores — Options");
    }

    @Test
    void aListOfQuestionsAnswersNoneAndOneQuestionAskedTwiceIsOneQuery() {
        ParsedDocument index = page("faq/index.html", "FAQ",
                block(List.of("General"), null, "- How do I back-up KahaDB"),
                block(List.of("General"), null, "- Can two brokers share the same database"),
                block(List.of("General"), null, "- Does ActiveMQ support clustering"));
        ParsedDocument answer = page("faq/backup.html", "How do I back-up KahaDB",
                block(List.of(), "How do I back-up KahaDB?", ANSWER));

        BeirDataset set = CalibrationSet.of("docs", List.of(index, answer));

        assertThat(set.corpus()).extracting(SourceDocument::id).containsExactly("faq/backup.html#0");
        assertThat(set.queries()).hasSize(1);
        assertThat(set.qrels().values().iterator().next()).containsOnlyKeys("faq/backup.html#0");
    }

    @Test
    void questionsAreLinesThatAskInThreeWordsOrMore() {
        assertThat(CalibrationSet.isQuestion("Can you browse a topic")).isTrue();
        assertThat(CalibrationSet.isQuestion("Why should this group be launched?")).isTrue();
        assertThat(CalibrationSet.isQuestion("Exceptions")).isFalse();
        assertThat(CalibrationSet.isQuestion("Why?")).isFalse();
        assertThat(CalibrationSet.isQuestion("Configuring the JDBC adapter")).isFalse();
    }

    private static Block block(List<String> headings, String lead, String text) {
        return new Block(Block.Kind.PARAGRAPH, headings, lead, text);
    }

    private static ParsedDocument page(String id, String title, Block... blocks) {
        SourceDocument source = new SourceDocument(id, title, "", "html", null, "test", null, null, List.of(), Map.of());
        return new ParsedDocument(source, "html", title, List.of(blocks));
    }
}
