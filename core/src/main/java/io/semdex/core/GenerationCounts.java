package io.semdex.core;

import java.io.IOException;
import java.util.HashSet;
import java.util.Set;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.BytesRef;

/**
 * How many documents and units a generation holds, in the published commits of its shards — what
 * a search of it would see. A reindex compares a new generation with the live one by these numbers.
 */
public record GenerationCounts(long documents, long units) {

    /**
     * Counts {@code generation}; a shard with nothing published counts as empty. A live generation
     * may publish a newer commit (and delete the one being opened) while it is counted: the shard is
     * then counted at its newer commit.
     */
    public static GenerationCounts of(Generation generation) throws IOException {
        int shards = Manifest.read(generation.manifestFile()).shardCount();
        long documents = 0;
        long units = 0;
        for (int shard = 0; shard < shards; shard++) {
            GenerationCounts counts = PublishedCommit.readPublished(generation.shardDir(shard),
                    reader -> new GenerationCounts(distinctDocuments(reader), reader.numDocs())).orElse(new GenerationCounts(0, 0));
            documents += counts.documents();
            units += counts.units();
        }
        return new GenerationCounts(documents, units);
    }

    /** A document lives in one shard (the job keys by document id), so per-shard counts add up. */
    private static long distinctDocuments(DirectoryReader reader) throws IOException {
        Set<BytesRef> ids = new HashSet<>();
        for (LeafReaderContext leaf : reader.leaves()) {
            SortedDocValues values = leaf.reader().getSortedDocValues(IndexFields.DOC_ID);
            if (values == null) {
                continue;
            }
            Bits live = leaf.reader().getLiveDocs();
            for (int doc = values.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = values.nextDoc()) {
                if (live == null || live.get(doc)) {
                    ids.add(BytesRef.deepCopyOf(values.lookupOrd(values.ordValue())));
                }
            }
        }
        return ids.size();
    }
}
