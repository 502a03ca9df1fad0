package io.semdex.ingest;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** Records that break the input contract, each with the reason the job must give, and hostile but valid ones. */
final class BadRecords {

    record Bad(String name, byte[] key, byte[] value, String reason) {}

    static final int MAX_BYTES = 64 * 1024;

    private BadRecords() {}

    static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    static List<Bad> all() {
        byte[] invalidUtf8 = {'{', '"', 'i', 'd', '"', ':', '"', 'x', '"', ',', '"', 'b', 'o', 'd', 'y', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
        return List.of(
                new Bad("malformed JSON", utf8("m-1"), utf8("{\"id\":\"m-1\",\"body\":"), "malformed JSON"),
                new Bad("not an object", null, utf8("[\"a\"]"), "must be a JSON object"),
                new Bad("missing id", null, utf8("{\"body\":\"no id and no key\"}"), "'id' is required"),
                new Bad("id/key mismatch", utf8("k-1"), utf8("{\"id\":\"k-2\",\"body\":\"x\"}"), "record key 'k-1' and 'id' 'k-2' differ"),
                new Bad("wrong id type", null, utf8("{\"id\":7,\"body\":\"x\"}"), "'id' must be a string, got number"),
                new Bad("wrong body type", utf8("t-1"), utf8("{\"id\":\"t-1\",\"body\":[\"x\"]}"), "'body' must be a string, got array"),
                new Bad("wrong faq type", utf8("t-2"), utf8("{\"id\":\"t-2\",\"faq\":\"q?\"}"), "'faq' must be an array"),
                new Bad("wrong fields type", utf8("t-3"), utf8("{\"id\":\"t-3\",\"body\":\"x\",\"fields\":[1]}"), "'fields' must be an object"),
                new Bad("unknown format", utf8("f-1"), utf8("{\"id\":\"f-1\",\"body\":\"x\",\"format\":\"pdf\"}"), "'format' must be one of"),
                new Bad("unknown field", utf8("u-1"), utf8("{\"id\":\"u-1\",\"boddy\":\"x\"}"), "unknown field 'boddy'"),
                new Bad("no text", utf8("e-1"), utf8("{\"id\":\"e-1\",\"body\":\"  \"}"), "has no text"),
                new Bad("bad timestamp", utf8("d-1"), utf8("{\"id\":\"d-1\",\"body\":\"x\",\"updated\":\"yesterday\"}"), "ISO-8601"),
                new Bad("over size", utf8("o-1"), utf8("{\"id\":\"o-1\",\"body\":\"" + "x".repeat(MAX_BYTES) + "\"}"), "the limit is " + MAX_BYTES),
                new Bad("invalid UTF-8 value", null, invalidUtf8, "record value is not valid UTF-8"),
                new Bad("invalid UTF-8 key", new byte[] {(byte) 0xFF}, utf8("{\"body\":\"x\"}"), "record key is not valid UTF-8"),
                new Bad("tombstone without key", null, null, "needs the document id as its key"));
    }

    /** Hostile markup that must parse (to something) rather than fail or be dead-lettered. */
    static List<String> hostileBodies() {
        return List.of(
                "<div>".repeat(10_000) + "deep",
                "<table><tr><td><table><tr><td>" + "<p><b><i>".repeat(2_000) + "nested</table>",
                "<p>&#xD800; &#0; &#x110000; &bogus; \u0000 text</p>",
                "<ac:structured-macro ac:name=\"code\"><ac:plain-text-body><![CDATA[unterminated",
                "<<<<>>>>" + "<".repeat(10_000),
                "> ".repeat(5_000) + "deep quote",
                "- ".repeat(5_000) + "deep list",
                "[".repeat(20_000) + "](x)",
                "*".repeat(20_000) + "emphasis" + "_".repeat(20_000));
    }
}
