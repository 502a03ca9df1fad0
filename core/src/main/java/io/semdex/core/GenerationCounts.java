package io.semdex.core;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexCommit;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.BytesRef;

/**
 * How many documents and units a generation holds, in the published commits of its shards — what
 * a search of it would see. A reindex compares a new generation with the live one by these numbers.
 */
public record GenerationCounts(long documents, long units) {

    private static final int MAX_ATTEMPTS = 10;

    /**
     * Counts {@code generation}; a shard with nothing published counts as empty. A live generation
     * may publish a newer commit (and delete the one being opened) while it is counted: the shard is
     * then counted again at its newer commit.
     */
    public static GenerationCounts of(Generation generation) throws IOException {
        int shards = Manifest.read(generation.manifestFile()).shardCount();
        long documents = 0;
        long units = 0;
        for (int shard = 0; shard < shards; shard++) {
            Path dir = generation.shardDir(shard);
            for (int attempt = 1; ; attempt++) {
                try {
                    GenerationCounts counts = ofShard(dir);
                    if (counts != null) {
                        documents += counts.documents();
                        units += counts.units();
                        break;
                    }
                } catch (NoSuchFileException | FileNotFoundException e) {
                    if (attempt == MAX_ATTEMPTS) {
                        throw e;
                    }
                }
                if (attempt == MAX_ATTEMPTS) {
                    throw new IOException("cannot count " + dir + ": its published commit kept changing");
                }
            }
        }
        return new GenerationCounts(documents, units);
    }

    /** The shard's counts at its published commit; null when that commit was superseded while we looked. */
    private static GenerationCounts ofShard(Path dir) throws IOException {
        OptionalLong published = Files.isDirectory(dir) ? PublishedCommit.read(dir) : OptionalLong.empty();
        if (published.isEmpty()) {
            return new GenerationCounts(0, 0);
        }
        try (Directory directory = FSDirectory.open(dir)) {
            Optional<IndexCommit> commit = PublishedCommit.find(directory, published.getAsLong());
            if (commit.isEmpty()) {
                return null;
            }
            try (DirectoryReader reader = DirectoryReader.open(commit.get())) {
                return new GenerationCounts(distinctDocuments(reader), reader.numDocs());
            }
        }
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
