package io.semdex.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.NoDeletionPolicy;
import org.apache.lucene.index.Term;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PublishedUnitsTest {

    @TempDir
    Path root;

    private Generation generation(int shards) {
        IndexLayout layout = new IndexLayout(root);
        Generation generation = layout.create(1, new Manifest("m", 4, "cosine", TextAnalysis.CJK_BIGRAM, shards,
                Instant.parse("2026-11-22T00:00:00Z"), "kafka:documents", IndexOptions.DEFAULT));
        layout.switchTo(generation);
        return generation;
    }

    private static Document unit(String doc, int ordinal, String text) {
        Document d = new Document();
        d.add(new StringField(IndexFields.UNIT_ID, doc + "#" + ordinal, Field.Store.YES));
        d.add(new StringField(IndexFields.DOC_ID, doc, Field.Store.YES));
        d.add(new StoredField(IndexFields.ORDINAL, ordinal));
        d.add(new StoredField(IndexFields.TEXT, text));
        return d;
    }

    private static void commit(IndexWriter writer, long sequence) throws Exception {
        writer.setLiveCommitData(PublishedCommit.userData(sequence).entrySet());
        writer.commit();
    }

    @Test
    void readsThePublishedCommitOfEveryShardAndNothingNewer() throws Exception {
        Generation generation = generation(2);
        try (FSDirectory d0 = FSDirectory.open(generation.shardDir(0)); FSDirectory d1 = FSDirectory.open(generation.shardDir(1));
                IndexWriter w0 = new IndexWriter(d0, new IndexWriterConfig(new StandardAnalyzer()));
                IndexWriter w1 = new IndexWriter(d1, new IndexWriterConfig(new StandardAnalyzer()).setIndexDeletionPolicy(NoDeletionPolicy.INSTANCE))) {
            w0.addDocument(unit("a", 1, "a two"));
            w0.addDocument(unit("a", 0, "a one"));
            commit(w0, 1);
            PublishedCommit.write(generation.shardDir(0), 1);
            w1.addDocument(unit("b", 0, "b one"));
            commit(w1, 1);
            PublishedCommit.write(generation.shardDir(1), 1);
            w1.deleteDocuments(new Term(IndexFields.DOC_ID, "b"));
            w1.addDocument(unit("c", 0, "not published yet"));
            commit(w1, 2);

            assertThat(PublishedUnits.textsByDocument(PublishedUnits.read(root)))
                    .isEqualTo(Map.of("a", List.of("a one", "a two"), "b", List.of("b one")));
        }
    }

    @Test
    void aPublishedCommitThatIsGoneIsReadAgainFromTheNewestPublished() throws Exception {
        Generation generation = generation(1);
        Path shard = generation.shardDir(0);
        try (FSDirectory dir = FSDirectory.open(shard); IndexWriter writer = new IndexWriter(dir, new IndexWriterConfig(new StandardAnalyzer()))) {
            writer.addDocument(unit("a", 0, "first"));
            commit(writer, 1);
            writer.deleteDocuments(new Term(IndexFields.DOC_ID, "a"));
            writer.addDocument(unit("a", 0, "second"));
            commit(writer, 2); // the default deletion policy has deleted commit 1
            PublishedCommit.write(shard, 1); // a reader that read PUBLISHED just before the writer moved on
            CompletableFuture<Void> publisher = CompletableFuture.runAsync(() -> {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                PublishedCommit.write(shard, 2);
            });
            assertThat(PublishedUnits.textsByDocument(PublishedUnits.read(root))).isEqualTo(Map.of("a", List.of("second")));
            publisher.join();
        }
    }

    @Test
    void anEmptyRootHasNoUnitsAndADuplicateUnitIsNamed() throws Exception {
        assertThat(PublishedUnits.read(root)).isEmpty();
        assertThatThrownBy(() -> PublishedUnits.textsByDocument(List.of(new PublishedUnits.Unit("a", 0, "a#0", "x"),
                new PublishedUnits.Unit("a", 0, "a#0", "x")))).isInstanceOf(IllegalStateException.class).hasMessageContaining("a#0");
    }
}
