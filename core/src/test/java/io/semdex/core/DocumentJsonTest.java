package io.semdex.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class DocumentJsonTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static DocumentChange parse(String key, String value) {
        return DocumentJson.parseRecord(key == null ? null : utf8(key), value == null ? null : utf8(value), DocumentJson.DEFAULT_MAX_BYTES);
    }

    @Test
    void parsesEveryFieldOfTheContract() {
        DocumentChange change = parse("p-1", """
                {"id":"p-1","title":"跑鞋","body":"轻便透气。","format":"product","url":"https://x/p-1","source":"catalog",
                 "lang":"zh","updated":"2026-11-20T08:00:00Z","faq":[{"q":"尺码?","a":"标准码"}],
                 "fields":{"brand":"ACME","price":59.9,"tags":["run","women"],"stock":true}}""");
        SourceDocument doc = change.document();
        assertThat(change.isDelete()).isFalse();
        assertThat(doc.id()).isEqualTo("p-1");
        assertThat(doc.title()).isEqualTo("跑鞋");
        assertThat(doc.format()).isEqualTo("product");
        assertThat(doc.updated()).isEqualTo(Instant.parse("2026-11-20T08:00:00Z"));
        assertThat(doc.faq()).containsExactly(new SourceDocument.FaqEntry("尺码?", "标准码"));
        assertThat(doc.fields()).containsEntry("brand", "ACME").containsEntry("price", 59.9)
                .containsEntry("tags", List.of("run", "women")).containsEntry("stock", "true");
    }

    @Test
    void takesTheIdFromTheKeyWhenTheJsonHasNone() {
        assertThat(parse("k-7", "{\"body\":\"hello\"}").docId()).isEqualTo("k-7");
    }

    @Test
    void aNullValueIsADeleteOfTheKeysDocument() {
        DocumentChange change = parse("gone-1", null);
        assertThat(change.isDelete()).isTrue();
        assertThat(change.docId()).isEqualTo("gone-1");
    }

    @Test
    void roundTripsThroughItsOwnJson() {
        SourceDocument doc = parse(null, "{\"id\":\"a\",\"title\":\"T\",\"body\":\"B\",\"fields\":{\"n\":1.5}}").document();
        assertThat(DocumentJson.parseRecord(null, DocumentJson.toBytes(doc), 1 << 20).document()).isEqualTo(doc);
    }

    @Test
    void rejectsEachKindOfBadRecordWithAReasonThatSaysWhatToChange() {
        assertBad(null, "{\"id\":\"a\",", "malformed JSON");
        assertBad(null, "[1,2]", "must be a JSON object");
        assertBad(null, "{\"body\":\"no id\"}", "'id' is required");
        assertBad("a", "{\"id\":\"b\",\"body\":\"x\"}", "record key 'a' and 'id' 'b' differ");
        assertBad(null, "{\"id\":5,\"body\":\"x\"}", "'id' must be a string, got number");
        assertBad(null, "{\"id\":\"a\",\"body\":[\"x\"]}", "'body' must be a string, got array");
        assertBad(null, "{\"id\":\"a\",\"boddy\":\"x\"}", "unknown field 'boddy'");
        assertBad(null, "{\"id\":\"a\",\"body\":\"x\",\"format\":\"pdf\"}", "'format' must be one of");
        assertBad(null, "{\"id\":\"a\",\"body\":\"x\",\"updated\":\"yesterday\"}", "ISO-8601");
        assertBad(null, "{\"id\":\"a\",\"body\":\"x\",\"faq\":[{\"q\":\"only a question\"}]}", "'faq[0]'");
        assertBad(null, "{\"id\":\"a\",\"body\":\"x\",\"fields\":{\"n\":{\"deep\":1}}}", "'fields.n'");
        assertBad(null, "{\"id\":\"a\",\"body\":\"   \"}", "has no text");
        assertBad(null, "{\"id\":\"a\",\"body\":\"x\"} trailing", "malformed JSON");
        assertBad(null, null, "needs the document id as its key");
    }

    @Test
    void rejectsInvalidUtf8() {
        byte[] bad = {'{', '"', 'i', 'd', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
        assertThatThrownBy(() -> DocumentJson.parseRecord(null, bad, 1 << 20))
                .isInstanceOf(InvalidDocumentException.class).hasMessageContaining("not valid UTF-8");
    }

    @Test
    void rejectsARecordOverTheSizeLimit() {
        byte[] big = utf8("{\"id\":\"a\",\"body\":\"" + "x".repeat(2000) + "\"}");
        assertThatThrownBy(() -> DocumentJson.parseRecord(null, big, 1000))
                .isInstanceOf(InvalidDocumentException.class).hasMessageContaining("the limit is 1000");
    }

    private static void assertBad(String key, String value, String reason) {
        assertThatThrownBy(() -> parse(key, value))
                .as("record %s", value)
                .isInstanceOf(InvalidDocumentException.class)
                .hasMessageContaining(reason);
    }
}
