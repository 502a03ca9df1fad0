package io.semdex.sink;

import io.semdex.core.IndexFields;
import io.semdex.core.IndexLayout;
import io.semdex.core.StoredVectors;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexNotFoundException;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.PostingsEnum;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Terms;
import org.apache.lucene.index.TermsEnum;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.BytesRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The vectors a generation's shards hold, for the embed stage to reuse: embed subtask {@code i} reads
 * shard {@code i}, the one its own sink subtask writes, at the shard's newest commit. A document's
 * units are found by its id and read with their stored {@link IndexFields#VECTOR_KEY vector keys};
 * units written before keys were stored have none and are not offered.
 *
 * <p>This keeps the vectors out of the job's state: a checkpoint no longer copies every vector of the
 * corpus, and the memory the job needs no longer grows with it.
 */
public final class ShardVectors implements StoredVectors {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ShardVectors.class);

    private final String indexRoot;
    private final int generation;

    public ShardVectors(Path indexRoot, int generation) {
        this.indexRoot = indexRoot.toAbsolutePath().toString();
        this.generation = generation;
    }

    @Override
    public View open(int subtask) throws IOException {
        return new ShardView(new IndexLayout(Path.of(indexRoot)).generation(generation).shardDir(subtask));
    }

    /** One shard's newest commit, reopened on {@link #refresh()}. */
    static final class ShardView implements View {

        private static final Set<String> KEY_FIELD = Set.of(IndexFields.VECTOR_KEY);

        private final Path dir;
        private Directory directory;
        /** Null while the shard has no commit. */
        private DirectoryReader reader;

        ShardView(Path dir) throws IOException {
            this.dir = dir;
            refresh();
        }

        @Override
        public Map<String, float[]> vectors(String docId) throws IOException {
            if (reader == null) {
                return Map.of();
            }
            BytesRef id = new BytesRef(docId);
            Map<String, float[]> found = new HashMap<>();
            PostingsEnum postings = null;
            for (LeafReaderContext context : reader.leaves()) {
                LeafReader leaf = context.reader();
                Terms terms = leaf.terms(IndexFields.DOC_ID);
                if (terms == null) {
                    continue;
                }
                TermsEnum term = terms.iterator();
                if (!term.seekExact(id)) {
                    continue;
                }
                FloatVectorValues values = leaf.getFloatVectorValues(IndexFields.VECTOR);
                if (values == null) {
                    continue;
                }
                KnnVectorValues.DocIndexIterator vectors = values.iterator();
                StoredFields stored = leaf.storedFields();
                Bits live = leaf.getLiveDocs();
                postings = term.postings(postings, PostingsEnum.NONE);
                // A document's units are added as one block, in order: the vector iterator only moves forward.
                for (int doc = postings.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = postings.nextDoc()) {
                    if (live != null && !live.get(doc)) {
                        continue;
                    }
                    Document fields = stored.document(doc, KEY_FIELD);
                    String key = fields.get(IndexFields.VECTOR_KEY);
                    if (key != null && vectors.docID() <= doc && vectors.advance(doc) == doc) {
                        found.put(key, values.vectorValue(vectors.index()).clone()); // the values reuse their array
                    }
                }
            }
            return found;
        }

        @Override
        public void refresh() throws IOException {
            try {
                if (reader != null) {
                    DirectoryReader newer = DirectoryReader.openIfChanged(reader);
                    if (newer != null) {
                        reader.close();
                        reader = newer;
                    }
                    return;
                }
                if (directory == null) {
                    if (!Files.isDirectory(dir)) {
                        return;
                    }
                    directory = FSDirectory.open(dir);
                }
                reader = DirectoryReader.open(directory);
            } catch (IndexNotFoundException e) {
                // No commit yet: the sink makes the shard's first one when it opens.
            } catch (NoSuchFileException | FileNotFoundException e) {
                // A commit the sink's retention or a restore's rollback deleted while it was being opened: the next refresh
                // takes the one after it, and meanwhile the older view stays (its vectors are no less right).
                LOG.debug("Shard {}: kept the vectors of the commit already open ({})", dir, e.getMessage());
            }
        }

        @Override
        public void close() throws IOException {
            try {
                if (reader != null) {
                    reader.close();
                }
            } finally {
                if (directory != null) {
                    directory.close();
                }
            }
        }
    }
}
