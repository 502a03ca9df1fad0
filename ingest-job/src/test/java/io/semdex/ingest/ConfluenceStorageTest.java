package io.semdex.ingest;

import static io.semdex.ingest.HtmlParserTest.allText;
import static io.semdex.ingest.HtmlParserTest.doc;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ConfluenceStorageTest {

    private static final String PAGE = """
            <ac:structured-macro ac:name="toc" ac:schema-version="1"><ac:parameter ac:name="maxLevel">2</ac:parameter></ac:structured-macro>
            <h1>Install</h1>
            <p>Ask <ac:link><ri:user ri:account-id="557058:abc"/></ac:link> for access, then read
              <ac:link><ri:page ri:content-title="Network setup"/></ac:link> and
              <ac:link><ri:page ri:content-title="Other"/><ac:plain-text-link-body><![CDATA[the firewall notes]]></ac:plain-text-link-body></ac:link>.&nbsp;Status:
              <ac:structured-macro ac:name="status"><ac:parameter ac:name="title">READY</ac:parameter></ac:structured-macro></p>
            <ac:structured-macro ac:name="code"><ac:parameter ac:name="language">bash</ac:parameter>
              <ac:plain-text-body><![CDATA[./install.sh --prefix /opt/app
            echo "a < b && c"]]></ac:plain-text-body></ac:structured-macro>
            <ac:structured-macro ac:name="info"><ac:parameter ac:name="title">Before you start</ac:parameter>
              <ac:rich-text-body><p>Back up the database.</p></ac:rich-text-body></ac:structured-macro>
            <ac:structured-macro ac:name="expand"><ac:rich-text-body>
              <ac:structured-macro ac:name="noformat"><ac:plain-text-body><![CDATA[raw log line]]></ac:plain-text-body></ac:structured-macro>
            </ac:rich-text-body></ac:structured-macro>
            <ac:task-list><ac:task><ac:task-id>1</ac:task-id><ac:task-status>incomplete</ac:task-status>
              <ac:task-body>Rotate the keys</ac:task-body></ac:task></ac:task-list>
            <ac:layout><ac:layout-section ac:type="two_equal"><ac:layout-cell><p>Left cell.</p></ac:layout-cell>
              <ac:layout-cell><p>Right cell.</p></ac:layout-cell></ac:layout-section></ac:layout>
            <ac:structured-macro ac:name="children"/><ac:image><ri:attachment ri:filename="shot.png"/></ac:image>
            """;

    @Test
    void readsStorageFormatMacrosAsText() {
        ParsedDocument page = DocumentParser.parse(doc("confluence", PAGE));
        assertThat(page.title()).isEqualTo("Install");
        assertThat(HtmlParserTest.texts(page)).containsExactly(
                "Ask for access, then read Network setup and the firewall notes. Status: READY",
                "./install.sh --prefix /opt/app\necho \"a < b && c\"",
                "Before you start",
                "Back up the database.",
                "raw log line",
                "- Rotate the keys",
                "Left cell.",
                "Right cell.");
        assertThat(page.blocks().get(1).kind()).isEqualTo(Block.Kind.CODE);
        assertThat(page.blocks().get(4).kind()).isEqualTo(Block.Kind.CODE);
        assertThat(allText(page)).doesNotContain("557058", "maxLevel", "incomplete", "shot.png", "bash");
    }

    @Test
    void detectsStorageFormatWhenTheFormatIsNotGiven() {
        assertThat(DocumentParser.parse(doc(null, PAGE)).format()).isEqualTo("confluence");
    }
}
