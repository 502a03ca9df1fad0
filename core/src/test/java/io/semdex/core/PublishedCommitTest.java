package io.semdex.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.CorruptIndexException;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexCommit;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.NoDeletionPolicy;
import org.apache.lucene.store.ChecksumIndexInput;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.FilterDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reader lists a shard's commits while its writer deletes an older one: Lucene's writer deletes
 * the {@code segments_N} file first, then the segments only it referenced, so a listing that opened
 * {@code segments_N} just before finds its segment files gone.
 */
class PublishedCommitTest {

    @TempDir
    Path tmp;

    @Test
    void aCommitDeletedWhileTheCommitsAreListedDoesNotFailTheSearchForTheNewestOne() throws Exception {
        try (FSDirectory real = FSDirectory.open(twoCommits(tmp.resolve("a")));
                DeletedWhileRead racing = new DeletedWhileRead(real)) {
            Optional<IndexCommit> found = PublishedCommit.find(racing, 2);

            assertThat(racing.deleted).as("the old commit went while it was read").isTrue();
            assertThat(found).isPresent();
            assertThat(PublishedCommit.sequenceOf(found.get())).isEqualTo(2L);
        }
    }

    @Test
    void luceneItselfFailsTheListingThatRaceTurnsUp() throws Exception {
        try (FSDirectory real = FSDirectory.open(twoCommits(tmp.resolve("b")));
                DeletedWhileRead racing = new DeletedWhileRead(real)) {
            assertThatThrownBy(() -> DirectoryReader.listCommits(racing)).isInstanceOf(CorruptIndexException.class);
            assertThat(racing.deleted).isTrue();
        }
    }

    /** Commit 1 holds segment {@code _0} alone; commit 2 a merged segment that replaced it. Both kept. */
    private static Path twoCommits(Path dir) throws IOException {
        try (FSDirectory directory = FSDirectory.open(dir);
                IndexWriter writer = new IndexWriter(directory, new IndexWriterConfig(new StandardAnalyzer())
                        .setIndexDeletionPolicy(NoDeletionPolicy.INSTANCE))) {
            writer.addDocument(doc("a"));
            writer.setLiveCommitData(PublishedCommit.userData(1).entrySet());
            writer.commit();
            writer.addDocument(doc("b"));
            writer.forceMerge(1);
            writer.setLiveCommitData(PublishedCommit.userData(2).entrySet());
            writer.commit();
        }
        return dir;
    }

    private static Document doc(String id) {
        Document d = new Document();
        d.add(new StringField(IndexFields.DOC_ID, id, Field.Store.YES));
        return d;
    }

    /** Deletes commit 1 as a writer would, {@code segments_1} first, right after a reader opened {@code segments_1}. */
    private static final class DeletedWhileRead extends FilterDirectory {
        boolean deleted;

        DeletedWhileRead(Directory in) {
            super(in);
        }

        @Override
        public ChecksumIndexInput openChecksumInput(String name) throws IOException {
            ChecksumIndexInput input = super.openChecksumInput(name);
            if (name.equals("segments_1") && !deleted) {
                deleted = true;
                in.deleteFile("segments_1");
                for (String file : in.listAll()) {
                    if (file.startsWith("_0.") || file.startsWith("_0_")) {
                        in.deleteFile(file);
                    }
                }
            }
            return input;
        }
    }
}
