package io.semdex.app.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.semdex.core.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The benchmark's inputs: sentences of the XQuAD corpora in the shared data, Chinese and English
 * alternating, in corpus order, so every run and every machine embeds the same texts.
 */
final class BenchTexts {

    private BenchTexts() {}

    static List<String> mixed(Path data, int count) throws IOException {
        List<String> zh = sentences(data.resolve("eval/xquad-zh/corpus.jsonl"), "(?<=[。！？])");
        List<String> en = sentences(data.resolve("eval/xquad-en/corpus.jsonl"), "(?<=[.!?])\\s+");
        if (zh.size() + en.size() < count) {
            throw new IllegalArgumentException("the XQuAD corpora under " + data + " hold " + (zh.size() + en.size())
                    + " sentences; ask for at most that many texts");
        }
        List<String> out = new ArrayList<>(count);
        for (int i = 0; out.size() < count; i++) {
            if (i < zh.size()) {
                out.add(zh.get(i));
            }
            if (i < en.size() && out.size() < count) {
                out.add(en.get(i));
            }
        }
        return out;
    }

    private static List<String> sentences(Path corpus, String splitter) throws IOException {
        if (!Files.isRegularFile(corpus)) {
            throw new IllegalArgumentException(corpus + " does not exist: point --data at the shared data directory");
        }
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(corpus)) {
            JsonNode doc = Json.MAPPER.readTree(line);
            for (String sentence : doc.path("text").asText().split(splitter)) {
                String s = sentence.strip();
                if (s.length() >= 8) {
                    out.add(s);
                }
            }
        }
        return out;
    }
}
