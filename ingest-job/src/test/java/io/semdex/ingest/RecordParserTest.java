package io.semdex.ingest;

import static io.semdex.ingest.BadRecords.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.semdex.core.InvalidDocumentException;
import io.semdex.core.Json;
import org.junit.jupiter.api.Test;

class RecordParserTest {

    private final RecordParser parser = new RecordParser(BadRecords.MAX_BYTES);

    @Test
    void everyKindOfBadRecordFailsWithAReasonThatSaysWhatIsWrong() {
        for (BadRecords.Bad bad : BadRecords.all()) {
            assertThatThrownBy(() -> parser.parse(bad.key(), bad.value()))
                    .as(bad.name())
                    .isInstanceOf(InvalidDocumentException.class)
                    .hasMessageContaining(bad.reason());
        }
    }

    @Test
    void hostileMarkupParsesInsteadOfFailing() throws Exception {
        RecordParser roomy = new RecordParser(io.semdex.core.DocumentJson.DEFAULT_MAX_BYTES);
        int n = 0;
        for (String body : BadRecords.hostileBodies()) {
            for (String format : new String[] {"html", "markdown", "confluence", "text", null}) {
                var node = Json.MAPPER.createObjectNode().put("id", "h-" + n++).put("body", body);
                if (format != null) {
                    node.put("format", format);
                }
                ParsedChange change = roomy.parse(null, Json.MAPPER.writeValueAsBytes(node));
                assertThat(Splitter.withDefaults().split(change.document()))
                        .as("%s as %s", body.substring(0, Math.min(30, body.length())), format)
                        .allSatisfy(u -> assertThat(u.text()).isNotBlank());
            }
        }
    }

    @Test
    void aTombstoneIsADeleteAndAGoodRecordIsParsedByItsFormat() {
        assertThat(parser.parse(utf8("gone"), null)).isEqualTo(ParsedChange.delete("gone"));
        ParsedChange change = parser.parse(utf8("p"), utf8("{\"id\":\"p\",\"body\":\"<h1>T</h1><p>Hello.</p>\"}"));
        assertThat(change.document().format()).isEqualTo("html");
        assertThat(change.document().title()).isEqualTo("T");
        assertThat(change.document().blocks()).extracting(Block::text).containsExactly("Hello.");
    }

    @Test
    void aParserFailureBecomesAnInvalidDocumentNotACrash() {
        // A StackOverflowError or RuntimeException inside a parser costs the record, not the job.
        assertThatThrownBy(() -> DocumentParser.parseMarkup(io.semdex.core.SourceDocument.ofText("x", "y"), "y", "pdf", false))
                .isInstanceOf(InvalidDocumentException.class).hasMessageContaining("no parser for format 'pdf'");
        assertThat(SplitReport.reasonKind("record key 'k-1' and 'id' 'k-2' differ")).isEqualTo("record key '…' and 'id' '…' differ");
        assertThat(SplitReport.reasonKind("record is 5000000 bytes; the limit is 4194304 (split the document)"))
                .isEqualTo("record is N bytes; the limit is N (split the document)");
        assertThat(SplitReport.reasonKind("malformed JSON: Unexpected end-of-input at line 1")).isEqualTo("malformed JSON");
        assertThat(SplitReport.reasonKind("record value is not valid UTF-8")).isEqualTo("record value is not valid UTF-8");
    }
}
