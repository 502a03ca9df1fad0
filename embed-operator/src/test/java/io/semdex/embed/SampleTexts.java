package io.semdex.embed;

import com.fasterxml.jackson.databind.JsonNode;
import io.semdex.core.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Real Chinese and English sentences from the shared XQuAD corpora, alternating, for tests. */
final class SampleTexts {

    private SampleTexts() {}

    static List<String> mixed(int count) {
        List<String> zh = sentences("xquad-zh", "(?<=[。！？])");
        List<String> en = sentences("xquad-en", "(?<=[.!?])\\s+");
        List<String> out = new ArrayList<>(count);
        for (int i = 0; out.size() < count; i++) {
            if (i >= zh.size() && i >= en.size()) {
                throw new IllegalStateException("the XQuAD corpora hold fewer than " + count + " sentences");
            }
            if (i < zh.size() && out.size() < count) {
                out.add(zh.get(i));
            }
            if (i < en.size() && out.size() < count) {
                out.add(en.get(i));
            }
        }
        return out;
    }

    private static List<String> sentences(String set, String splitter) {
        Path corpus = Path.of(System.getProperty("semdex.shared.data", "../../shared/data"), "eval", set, "corpus.jsonl");
        List<String> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(corpus)) {
                JsonNode doc = Json.MAPPER.readTree(line);
                for (String sentence : doc.path("text").asText().split(splitter)) {
                    String s = sentence.strip();
                    if (s.length() >= 8) {
                        out.add(s);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + corpus + " (the shared test data, ../shared/data)", e);
        }
        return out;
    }
}
