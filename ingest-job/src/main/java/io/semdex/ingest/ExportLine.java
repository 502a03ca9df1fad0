package io.semdex.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.semdex.core.Json;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.functions.RichMapFunction;

/**
 * Turns one line of an export file into a record for {@link ParseFunction}, as if it had come
 * from Kafka without a key. A BEIR corpus line is rewritten into the input contract first; a line
 * that is not what it should be passes through unchanged, and parsing dead-letters it with a reason.
 */
final class ExportLine extends RichMapFunction<String, KafkaRecord> {

    private final String source;
    private final boolean beir;
    private long line;

    ExportLine(String source, boolean beir) {
        this.source = source;
        this.beir = beir;
    }

    @Override
    public KafkaRecord map(String text) {
        line++;
        byte[] value = (beir ? fromBeir(text) : text).getBytes(StandardCharsets.UTF_8);
        return new KafkaRecord(null, value, "file:" + source, getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(), line);
    }

    static String fromBeir(String text) {
        try {
            JsonNode node = Json.MAPPER.readTree(text);
            if (!(node instanceof ObjectNode in) || !in.path("_id").isTextual()) {
                return text;
            }
            ObjectNode out = Json.MAPPER.createObjectNode();
            out.put("id", in.get("_id").asText());
            if (in.path("title").isTextual() && !in.get("title").asText().isBlank()) {
                out.put("title", in.get("title").asText());
            }
            if (in.path("text").isTextual()) {
                out.put("body", in.get("text").asText());
            }
            if (in.path("metadata").isObject()) {
                ObjectNode fields = out.putObject("fields");
                in.get("metadata").fields().forEachRemaining(e -> {
                    if (e.getValue().isValueNode() && !e.getValue().isNull()) {
                        fields.set(e.getKey(), e.getValue());
                    }
                });
            }
            return Json.MAPPER.writeValueAsString(out);
        } catch (java.io.IOException e) {
            return text;
        }
    }
}
