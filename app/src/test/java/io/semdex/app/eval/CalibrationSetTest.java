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
    void chineseQuestionsAndHeadingsAreQueriesWithoutTheirSectionNumbers() {
        ParsedDocument page = page("faq/basic-defs.zh-cn.html", "第 1 章 定义和概览",
                block(List.of("第 1 章 定义和概览", "1.2. 什么是 Debian GNU/Linux？"), null,
                        "Debian GNU/Linux 是一个由自由软件组成的操作系统，由遍布世界各地的志愿者维护。"),
                block(List.of("第 1 章 定义和概览", "1.4. 软件包的管理方式"), null, "软件包由 dpkg 安装和删除，由 APT 从软件源下载并自动解决依赖关系，升级整个系统也只需要一条命令。"),
                block(List.of("第 1 章 定义和概览", "1.5. 概览"), null, "本章给出定义和概览，后面各章详细说明每一个主题的细节。"));

        BeirDataset set = CalibrationSet.of("docs", List.of(page));

        // A question ending in a full-width question mark; a heading of enough characters; "概览" alone says too little.
        assertThat(set.queries().values()).containsExactly("什么是 Debian GNU/Linux？", "软件包的管理方式");
        assertThat(CalibrationSet.words("软件包的管理方式")).isGreaterThanOrEqualTo(CalibrationSet.MIN_HEADING_WORDS);
        assertThat(CalibrationSet.words("概览")).isLessThan(CalibrationSet.MIN_HEADING_WORDS);
        assertThat(CalibrationSet.unnumbered("2. Special Interest Group Title")).isEqualTo("Special Interest Group Title");
        assertThat(CalibrationSet.unnumbered("2.1.3 apt-get")).isEqualTo("apt-get");
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
