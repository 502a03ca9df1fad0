package io.semdex.cluster;

import io.semdex.core.DocumentJson;
import io.semdex.core.SourceDocument;
import io.semdex.core.Unit;
import io.semdex.ingest.Splitter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Seeded documents for the cluster tests, in the shape of ExactlyOnceIT's: a first load of new
 * documents, then updates, deletes, re-adds and stale versions in Kafka order. It keeps what the
 * index must hold at the end: every live document once, at its latest version.
 */
final class Workload {

    private static final String[] WORDS = ("queue broker topic message offset partition shard index commit checkpoint "
            + "vector cosine search ranking token sentence paragraph 文档 索引 向量 检索 消息 分区").split(" ");
    private static final Instant BASE = Instant.parse("2026-11-01T00:00:00Z");

    private final Random random;
    private final String topic;
    private final Map<String, SourceDocument> expected = new TreeMap<>();
    private final Map<String, Integer> versions = new HashMap<>();

    Workload(long seed, String topic) {
        this.random = new Random(seed);
        this.topic = topic;
    }

    /** {@code count} new documents {@code prefix-N}, version 1. */
    List<ProducerRecord<byte[], byte[]>> load(String prefix, int count) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String id = prefix + "-" + i;
            versions.put(id, 1);
            SourceDocument doc = document(id, 1);
            expected.put(id, doc);
            records.add(record(id, doc));
        }
        return records;
    }

    /** {@code count} changes to the documents so far: half newer versions, a fifth deletes, the rest stale versions. */
    List<ProducerRecord<byte[], byte[]>> changes(int count) {
        List<String> ids = new ArrayList<>(versions.keySet());
        ids.sort(null);
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        while (records.size() < count) {
            String id = ids.get(random.nextInt(ids.size()));
            int version = versions.get(id);
            int kind = random.nextInt(10);
            if (kind < 5) {
                versions.put(id, version + 1);
                SourceDocument doc = document(id, version + 1);
                expected.put(id, doc);
                records.add(record(id, doc));
            } else if (kind < 7) {
                expected.remove(id);
                records.add(new ProducerRecord<>(topic, id.getBytes(StandardCharsets.UTF_8), null));
            } else if (version > 1) {
                records.add(record(id, document(id, version - 1)));
            }
        }
        return records;
    }

    /** The unit texts per live document that the index must hold, in ordinal order. */
    Map<String, List<String>> expectedUnits() {
        Splitter splitter = Splitter.withDefaults();
        Map<String, List<String>> want = new TreeMap<>();
        expected.forEach((id, doc) -> want.put(id, splitter.split(doc).stream().map(Unit::text).toList()));
        return want;
    }

    int liveDocuments() {
        return expected.size();
    }

    private SourceDocument document(String id, int version) {
        StringBuilder body = new StringBuilder();
        int paragraphs = 1 + random.nextInt(3);
        for (int p = 0; p < paragraphs; p++) {
            if (p > 0) {
                body.append("\n\n");
            }
            body.append(id).append(" version ").append(version).append(" part ").append(p).append(':');
            for (int w = 0; w < 4 + random.nextInt(8); w++) {
                body.append(' ').append(WORDS[random.nextInt(WORDS.length)]);
            }
            body.append('.');
        }
        return new SourceDocument(id, null, body.toString(), "text", null, "test", null, BASE.plusSeconds(version * 60L), List.of(), Map.of());
    }

    private ProducerRecord<byte[], byte[]> record(String id, SourceDocument doc) {
        return new ProducerRecord<>(topic, id.getBytes(StandardCharsets.UTF_8), DocumentJson.toBytes(doc));
    }
}
