package io.semdex.cluster;

import io.semdex.core.IndexFields;
import io.semdex.core.IndexLayout;
import io.semdex.core.PublishedCommit;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.MultiBits;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.Bits;

/** What a reader of the published commits sees: every unit text per document, in ordinal order. */
final class PublishedIndex {

    private PublishedIndex() {}

    /**
     * The units of the live generation's published commits; a map naming the first duplicate unit
     * when one is found, and an empty map while a commit is superseded under our feet.
     */
    static Map<String, List<String>> units(Path indexRoot) throws Exception {
        Map<String, TreeMap<Integer, String>> units = new TreeMap<>();
        var layout = new IndexLayout(indexRoot);
        var current = layout.current();
        if (current.isEmpty()) {
            return Map.of();
        }
        var generation = current.get();
        int shards = io.semdex.core.Manifest.read(generation.manifestFile()).shardCount();
        for (int shard = 0; shard < shards; shard++) {
            Path dir = generation.shardDir(shard);
            if (PublishedCommit.read(dir).isEmpty()) {
                continue;
            }
            try (FSDirectory directory = FSDirectory.open(dir)) {
                var commit = PublishedCommit.find(directory, PublishedCommit.read(dir).getAsLong());
                if (commit.isEmpty()) {
                    return Map.of();
                }
                try (DirectoryReader reader = DirectoryReader.open(commit.get())) {
                    Bits live = MultiBits.getLiveDocs(reader);
                    StoredFields stored = reader.storedFields();
                    for (int i = 0; i < reader.maxDoc(); i++) {
                        if (live != null && !live.get(i)) {
                            continue;
                        }
                        Document d = stored.document(i);
                        String previous = units.computeIfAbsent(d.get(IndexFields.DOC_ID), k -> new TreeMap<>())
                                .put(d.getField(IndexFields.ORDINAL).numericValue().intValue(), d.get(IndexFields.TEXT));
                        if (previous != null) {
                            return Map.of("duplicate unit " + d.get(IndexFields.UNIT_ID), List.of());
                        }
                    }
                }
            } catch (java.nio.file.NoSuchFileException e) {
                return Map.of(); // an old commit's file was deleted while we opened it; poll again
            }
        }
        Map<String, List<String>> out = new TreeMap<>();
        units.forEach((id, byOrdinal) -> out.put(id, List.copyOf(byOrdinal.values())));
        return out;
    }

    /** Polls until the published index equals {@code want}; returns the last state seen. */
    static Map<String, List<String>> awaitEqual(Path indexRoot, Map<String, List<String>> want, long timeoutMillis) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        Map<String, List<String>> got = Map.of();
        while (System.currentTimeMillis() < deadline) {
            got = units(indexRoot);
            if (got.equals(want)) {
                return got;
            }
            Thread.sleep(100);
        }
        return got;
    }
}
