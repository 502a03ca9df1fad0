package io.semdex.app.eval;

import com.fasterxml.jackson.databind.JsonNode;
import io.semdex.core.Json;
import io.semdex.core.SourceDocument;
import io.semdex.ingest.FormatDetector;
import io.semdex.core.TextAnalysis;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A retrieval test set in BEIR layout: {@code corpus.jsonl} ({@code _id, title, text, metadata}),
 * {@code queries.jsonl} ({@code _id, text}) and {@code qrels/test.tsv} (query id, corpus id, grade;
 * a header line). Corpus entries become {@link SourceDocument}s, their scalar metadata the
 * document's {@code fields}, so filters work on them as on any indexed document.
 *
 * @param queries query id to text, in file order, only queries with at least one relevant (grade &gt; 0) judgment
 * @param qrels query id to (document id to grade)
 */
public record BeirDataset(String name, List<SourceDocument> corpus, Map<String, String> queries, Map<String, Map<String, Integer>> qrels) {

    /** Corpus and judgments from {@code dir}; queries from {@code queriesDir} (e.g. the same questions in another language). */
    public static BeirDataset load(Path dir, Path queriesDir) throws IOException {
        List<SourceDocument> corpus = new ArrayList<>();
        forEachLine(dir.resolve("corpus.jsonl"), node -> corpus.add(document(node)));
        Map<String, Map<String, Integer>> qrels = new LinkedHashMap<>();
        List<String> lines = Files.readAllLines(dir.resolve("qrels").resolve("test.tsv"), StandardCharsets.UTF_8);
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] cols = line.split("\t");
            if (cols.length != 3) {
                throw new IOException(dir + "/qrels/test.tsv line " + (i + 1) + ": expected 3 tab-separated columns, got " + cols.length);
            }
            qrels.computeIfAbsent(cols[0], k -> new LinkedHashMap<>()).put(cols[1], Integer.parseInt(cols[2]));
        }
        Map<String, String> queries = new LinkedHashMap<>();
        forEachLine(queriesDir.resolve("queries.jsonl"), node -> {
            String id = node.get("_id").asText();
            Map<String, Integer> judged = qrels.get(id);
            if (judged != null && judged.values().stream().anyMatch(g -> g > 0)) {
                queries.put(id, node.get("text").asText());
            }
        });
        String name = dir.getFileName().toString();
        if (!queriesDir.equals(dir)) {
            name = queriesDir.getFileName() + " queries → " + name;
        }
        return new BeirDataset(name, corpus, queries, qrels);
    }

    /**
     * The first {@code docs} documents, the queries with a relevant document among them, and their
     * judgments restricted to them: a small, self-consistent piece for quick runs and tests.
     */
    BeirDataset slice(int docs) {
        if (docs < 1) {
            throw new IllegalArgumentException("a slice needs at least 1 document, got " + docs);
        }
        List<SourceDocument> kept = corpus.subList(0, Math.min(docs, corpus.size()));
        Set<String> ids = kept.stream().map(SourceDocument::id).collect(Collectors.toSet());
        Map<String, Map<String, Integer>> keptQrels = new LinkedHashMap<>();
        Map<String, String> keptQueries = new LinkedHashMap<>();
        for (Map.Entry<String, String> q : queries.entrySet()) {
            Map<String, Integer> judged = new LinkedHashMap<>(qrels.get(q.getKey()));
            judged.keySet().retainAll(ids);
            if (judged.values().stream().anyMatch(g -> g > 0)) {
                keptQrels.put(q.getKey(), judged);
                keptQueries.put(q.getKey(), q.getValue());
            }
        }
        return new BeirDataset(name + " (first " + kept.size() + " documents)", List.copyOf(kept), keptQueries, keptQrels);
    }

    /** The same corpus and judgments with only the queries whose id starts with {@code prefix}. */
    BeirDataset queriesStartingWith(String prefix) {
        Map<String, String> kept = new LinkedHashMap<>();
        queries.forEach((id, text) -> {
            if (id.startsWith(prefix)) {
                kept.put(id, text);
            }
        });
        return new BeirDataset(name + " (" + prefix + " queries)", corpus, kept, qrels);
    }

    /** The corpus language by script ({@code zh}, {@code en}) from its first documents, or null. */
    public String language() {
        StringBuilder sample = new StringBuilder();
        for (SourceDocument doc : corpus) {
            sample.append(doc.title()).append(' ').append(doc.body()).append('\n');
            if (sample.length() > 20_000) {
                break;
            }
        }
        return TextAnalysis.guessLanguage(sample);
    }

    private static SourceDocument document(JsonNode node) {
        Map<String, Object> fields = new LinkedHashMap<>();
        JsonNode metadata = node.get("metadata");
        if (metadata != null && metadata.isObject()) {
            metadata.fields().forEachRemaining(e -> {
                JsonNode v = e.getValue();
                if (v.isNumber()) {
                    fields.put(e.getKey(), v.numberValue());
                } else if (v.isBoolean()) {
                    fields.put(e.getKey(), v.asBoolean());
                } else if (v.isTextual() && !v.asText().isBlank()) {
                    fields.put(e.getKey(), v.asText());
                }
            });
        }
        String title = node.hasNonNull("title") && !node.get("title").asText().isBlank() ? node.get("title").asText() : null;
        // A corpus of catalog records (brand, SKU or price in its metadata) is read as products, as
        // the ingest job reads them; any other BEIR text as plain text, whatever it looks like.
        String format = FormatDetector.isCatalogRecord(fields) ? "product" : "text";
        return new SourceDocument(node.get("_id").asText(), title, node.path("text").asText(""), format, null, "beir", null, null,
                List.of(), fields);
    }

    private interface LineHandler {
        void accept(JsonNode node) throws IOException;
    }

    private static void forEachLine(Path file, LineHandler handler) throws IOException {
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            int number = 0;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode node;
                try {
                    node = Json.MAPPER.readTree(line);
                } catch (IOException e) {
                    throw new IOException(file + " line " + number + " is not JSON: " + e.getMessage(), e);
                }
                if (!node.hasNonNull("_id")) {
                    throw new IOException(file + " line " + number + " has no _id");
                }
                handler.accept(node);
            }
        }
    }
}
