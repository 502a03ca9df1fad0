package io.semdex.sink;

import io.semdex.core.ContentHash;
import io.semdex.core.EmbeddedDocument;
import io.semdex.core.EmbeddedUnit;
import io.semdex.core.IndexFields;
import io.semdex.core.PublishedCommit;
import io.semdex.core.Unit;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexCommit;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.Bits;

/** Documents for the sink's tests, and what a shard on disk holds, read the way the query service reads it. */
final class ShardContents {

    private ShardContents() {}

    /** A version of document {@code id} with one unit per text. */
    static EmbeddedDocument doc(String id, String... texts) {
        List<EmbeddedUnit> units = new ArrayList<>();
        for (int i = 0; i < texts.length; i++) {
            Unit unit = new Unit(Unit.idOf(id, i), id, i, texts[i], List.of(), null, null, null, null, null, ContentHash.of(texts[i]));
            units.add(new EmbeddedUnit(unit, new float[] {1, 0}));
        }
        return new EmbeddedDocument(id, 0, false, units);
    }

    /**
     * The live units of the shard's published commit, unit id to text, in unit id order. A unit
     * that is there twice fails here: a map would hide the duplicate.
     */
    static Map<String, String> published(Path shard) throws IOException {
        return PublishedCommit.readPublished(shard, reader -> {
            Map<String, String> units = new TreeMap<>();
            for (LeafReaderContext leaf : reader.leaves()) {
                Bits live = leaf.reader().getLiveDocs();
                StoredFields stored = leaf.reader().storedFields();
                for (int doc = 0; doc < leaf.reader().maxDoc(); doc++) {
                    if (live == null || live.get(doc)) {
                        var fields = stored.document(doc);
                        String previous = units.put(fields.get(IndexFields.UNIT_ID), fields.get(IndexFields.TEXT));
                        if (previous != null) {
                            throw new AssertionError("unit " + fields.get(IndexFields.UNIT_ID) + " is in " + shard + " twice");
                        }
                    }
                }
            }
            return units;
        }).orElseThrow(() -> new AssertionError("nothing is published in " + shard));
    }

    /** The sequence numbers of the commits the shard holds, oldest first. */
    static List<Long> commits(Path shard) throws IOException {
        List<Long> sequences = new ArrayList<>();
        try (FSDirectory directory = FSDirectory.open(shard)) {
            for (IndexCommit commit : DirectoryReader.listCommits(directory)) {
                sequences.add(PublishedCommit.sequenceOf(commit));
            }
        }
        return sequences;
    }

    /** Segments of the published commit, for checks of a merge. */
    static int publishedSegments(Path shard) throws IOException {
        return PublishedCommit.readPublished(shard, reader -> reader.leaves().size()).orElseThrow();
    }
}
