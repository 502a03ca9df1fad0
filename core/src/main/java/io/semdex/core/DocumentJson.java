package io.semdex.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads and writes the input document contract (DESIGN.md, "Input document"). Every way a record
 * can be wrong ends in an {@link InvalidDocumentException} whose message says what to change;
 * nothing is guessed silently.
 */
public final class DocumentJson {

    /** Largest accepted record, in bytes of UTF-8 JSON. */
    public static final int DEFAULT_MAX_BYTES = 4 * 1024 * 1024;

    static final Set<String> FIELDS =
            Set.of("id", "title", "body", "format", "url", "source", "lang", "updated", "faq", "fields");
    static final Set<String> FORMATS = Set.of("text", "markdown", "html", "confluence", "faq", "product");

    private DocumentJson() {}

    /**
     * Parses one Kafka record. A null value is a delete of the key's document.
     *
     * @param key the record key as UTF-8 bytes, may be null
     * @param value the JSON value, or null for a tombstone
     */
    public static DocumentChange parseRecord(byte[] key, byte[] value, int maxBytes) {
        String keyId = key == null ? null : decodeUtf8(key, "key");
        if (value == null) {
            if (keyId == null || keyId.isBlank()) {
                throw new InvalidDocumentException("a tombstone (null value) needs the document id as its key");
            }
            return DocumentChange.delete(keyId);
        }
        if (value.length > maxBytes) {
            throw new InvalidDocumentException(
                    "record is " + value.length + " bytes; the limit is " + maxBytes + " (split the document)");
        }
        SourceDocument doc = parse(decodeUtf8(value, "value"), keyId);
        return DocumentChange.upsert(doc);
    }

    /** Parses one JSON document; {@code keyId}, when given, is the id if the JSON has none and must agree if it has one. */
    public static SourceDocument parse(String json, String keyId) {
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new InvalidDocumentException("malformed JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new InvalidDocumentException("a document must be a JSON object, got " + kind(node));
        }
        return fromNode((ObjectNode) node, keyId);
    }

    public static SourceDocument fromNode(ObjectNode node, String keyId) {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw new InvalidDocumentException("unknown field '" + name + "'; known fields: " + String.join(", ", sorted(FIELDS)));
            }
        }
        String id = text(node, "id");
        if (id == null || id.isBlank()) {
            if (keyId == null || keyId.isBlank()) {
                throw new InvalidDocumentException("'id' is required (or send the id as the record key)");
            }
            id = keyId;
        } else if (keyId != null && !keyId.isBlank() && !keyId.equals(id)) {
            throw new InvalidDocumentException("record key '" + keyId + "' and 'id' '" + id + "' differ");
        }
        String format = text(node, "format");
        if (format != null && !FORMATS.contains(format)) {
            throw new InvalidDocumentException("'format' must be one of " + String.join(", ", sorted(FORMATS)) + ", got '" + format + "'");
        }
        Instant updated = null;
        String updatedText = text(node, "updated");
        if (updatedText != null) {
            try {
                updated = Instant.parse(updatedText);
            } catch (DateTimeParseException e) {
                throw new InvalidDocumentException("'updated' must be an ISO-8601 instant like 2026-11-20T08:00:00Z, got '" + updatedText + "'");
            }
        }
        SourceDocument doc = new SourceDocument(id, text(node, "title"), text(node, "body"), format, text(node, "url"),
                text(node, "source"), text(node, "lang"), updated, faq(node), fields(node));
        boolean hasText = notBlank(doc.title()) || notBlank(doc.body()) || !doc.faq().isEmpty();
        if (!hasText) {
            throw new InvalidDocumentException("document '" + id + "' has no text: give a 'title', a 'body' or 'faq' entries");
        }
        return doc;
    }

    /** The JSON form of a document, as produced to the input topic. */
    public static byte[] toBytes(SourceDocument doc) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("id", doc.id());
        putIfPresent(node, "title", doc.title());
        putIfPresent(node, "body", doc.body());
        putIfPresent(node, "format", doc.format());
        putIfPresent(node, "url", doc.url());
        putIfPresent(node, "source", doc.source());
        putIfPresent(node, "lang", doc.lang());
        if (doc.updated() != null) {
            node.put("updated", doc.updated().toString());
        }
        if (!doc.faq().isEmpty()) {
            var faq = node.putArray("faq");
            for (SourceDocument.FaqEntry e : doc.faq()) {
                faq.addObject().put("q", e.q()).put("a", e.a());
            }
        }
        if (!doc.fields().isEmpty()) {
            node.set("fields", Json.MAPPER.valueToTree(doc.fields()));
        }
        try {
            return Json.MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a document always serializes", e);
        }
    }

    private static List<SourceDocument.FaqEntry> faq(ObjectNode node) {
        JsonNode faq = node.get("faq");
        if (faq == null || faq.isNull()) {
            return List.of();
        }
        if (!faq.isArray()) {
            throw new InvalidDocumentException("'faq' must be an array of {\"q\": …, \"a\": …}, got " + kind(faq));
        }
        List<SourceDocument.FaqEntry> entries = new ArrayList<>();
        for (int i = 0; i < faq.size(); i++) {
            JsonNode entry = faq.get(i);
            if (!entry.isObject() || !entry.path("q").isTextual() || !entry.path("a").isTextual()) {
                throw new InvalidDocumentException("'faq[" + i + "]' must be an object with text fields 'q' and 'a'");
            }
            entries.add(new SourceDocument.FaqEntry(entry.get("q").asText(), entry.get("a").asText()));
        }
        return entries;
    }

    private static Map<String, Object> fields(ObjectNode node) {
        JsonNode fields = node.get("fields");
        if (fields == null || fields.isNull()) {
            return Map.of();
        }
        if (!fields.isObject()) {
            throw new InvalidDocumentException("'fields' must be an object of metadata values, got " + kind(fields));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        fields.fields().forEachRemaining(e -> out.put(e.getKey(), fieldValue(e.getKey(), e.getValue())));
        return out;
    }

    private static Object fieldValue(String name, JsonNode value) {
        if (value.isTextual()) {
            return value.asText();
        }
        if (value.isNumber()) {
            return value.doubleValue();
        }
        if (value.isBoolean()) {
            return Boolean.toString(value.asBoolean());
        }
        if (value.isArray()) {
            List<Object> values = new ArrayList<>();
            for (JsonNode v : value) {
                if (v.isArray() || v.isObject() || v.isNull()) {
                    throw new InvalidDocumentException("'fields." + name + "' may hold a list of strings or numbers, not nested values");
                }
                values.add(fieldValue(name, v));
            }
            return values;
        }
        throw new InvalidDocumentException("'fields." + name + "' must be a string, number, boolean or list of them, got " + kind(value));
    }

    private static String text(ObjectNode node, String name) {
        JsonNode value = node.get(name);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw new InvalidDocumentException("'" + name + "' must be a string, got " + kind(value));
        }
        return value.asText();
    }

    private static String decodeUtf8(byte[] bytes, String what) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new InvalidDocumentException("record " + what + " is not valid UTF-8");
        }
    }

    private static String kind(JsonNode node) {
        return node == null ? "nothing" : node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    }

    private static boolean notBlank(String s) {
        return s != null && !s.isBlank();
    }

    private static void putIfPresent(ObjectNode node, String name, String value) {
        if (value != null) {
            node.put(name, value);
        }
    }

    private static List<String> sorted(Set<String> names) {
        return names.stream().sorted().toList();
    }
}
