package io.semdex.sink;

import static io.semdex.sink.ShardContents.commits;
import static io.semdex.sink.ShardContents.published;
import static org.assertj.core.api.Assertions.assertThat;

import io.semdex.core.IndexFields;
import io.semdex.core.PublishedCommit;
import java.io.IOException;
import java.nio.file.Path;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.IndexCommit;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which commits of a shard the deletion policy keeps, on a real Lucene directory written by a
 * plain {@link IndexWriter}: the policy alone decides, not the shard writer around it.
 */
class CommitRetentionTest {

    @TempDir
    Path dir;

    /** A writer on a new shard whose commits the policy governs. */
    private IndexWriter create(FSDirectory directory) throws IOException {
        return new IndexWriter(directory, new IndexWriterConfig(new StandardAnalyzer())
                .setOpenMode(IndexWriterConfig.OpenMode.CREATE)
                .setCommitOnClose(false)
                .setIndexDeletionPolicy(new CommitRetention(dir, 0)));
    }

    /** A writer opened at the commit tagged {@code sequence}, as a restore opens the shard. */
    private IndexWriter reopen(FSDirectory directory, long sequence) throws IOException {
        IndexCommit start = PublishedCommit.find(directory, sequence).orElseThrow();
        return new IndexWriter(directory, new IndexWriterConfig(new StandardAnalyzer())
                .setOpenMode(IndexWriterConfig.OpenMode.APPEND)
                .setIndexCommit(start)
                .setCommitOnClose(false)
                .setIndexDeletionPolicy(new CommitRetention(dir, sequence)));
    }

    /** Adds one unit and commits it tagged with {@code sequence}. */
    private static void commit(IndexWriter writer, long sequence) throws IOException {
        Document unit = new Document();
        unit.add(new StringField(IndexFields.UNIT_ID, "u#" + sequence, Field.Store.YES));
        unit.add(new TextField(IndexFields.TEXT, "committed as " + sequence, Field.Store.YES));
        writer.addDocument(unit);
        writer.setLiveCommitData(PublishedCommit.userData(sequence).entrySet());
        writer.commit();
    }

    @Test
    void nothingIsDeletedWhileNothingIsPublished() throws IOException {
        try (FSDirectory directory = FSDirectory.open(dir); IndexWriter writer = create(directory)) {
            for (long sequence = 1; sequence <= 4; sequence++) {
                commit(writer, sequence);
            }
            assertThat(commits(dir)).containsExactly(1L, 2L, 3L, 4L);
        }
    }

    @Test
    void aCommitDeletesTheOnesOlderThanThePublishedAndKeepsItAndEveryNewerOne() throws IOException {
        try (FSDirectory directory = FSDirectory.open(dir); IndexWriter writer = create(directory)) {
            commit(writer, 1);
            commit(writer, 2);
            commit(writer, 3);
            PublishedCommit.write(dir, 2);
            assertThat(commits(dir)).as("publishing alone deletes nothing").containsExactly(1L, 2L, 3L);

            commit(writer, 4);

            // 3 is not the newest, but its checkpoint may still complete and publish it
            assertThat(commits(dir)).containsExactly(2L, 3L, 4L);
        }
    }

    @Test
    void thePublishedCommitStaysReadableHoweverManyCommitsFollowIt() throws IOException {
        try (FSDirectory directory = FSDirectory.open(dir); IndexWriter writer = create(directory)) {
            commit(writer, 1);
            commit(writer, 2);
            PublishedCommit.write(dir, 2);
            for (long sequence = 3; sequence <= 6; sequence++) {
                commit(writer, sequence);
            }

            assertThat(commits(dir)).containsExactly(2L, 3L, 4L, 5L, 6L);
            assertThat(published(dir)).containsOnlyKeys("u#1", "u#2");
        }
    }

    @Test
    void theNewestCommitIsKeptEvenWhenThePublishedPointerIsAheadOfEveryCommit() throws IOException {
        try (FSDirectory directory = FSDirectory.open(dir); IndexWriter writer = create(directory)) {
            commit(writer, 1);
            PublishedCommit.write(dir, 99); // e.g. a pointer left over from a shard that was rebuilt

            commit(writer, 2);

            assertThat(commits(dir)).containsExactly(2L);
        }
    }

    @Test
    void theFirstCommitAfterOpeningAtACommitRollsBackEveryNewerOne() throws IOException {
        try (FSDirectory directory = FSDirectory.open(dir)) {
            try (IndexWriter writer = create(directory)) {
                for (long sequence = 1; sequence <= 4; sequence++) {
                    commit(writer, sequence); // 3 and 4: checkpoints that never completed
                }
            }
            reopen(directory, 2).close(); // a restore that failed before its first commit

            assertThat(commits(dir)).as("until a commit numbered above them is durable, they hold the highest number used")
                    .containsExactly(1L, 2L, 3L, 4L);

            try (IndexWriter restored = reopen(directory, 2)) {
                commit(restored, 5);
                assertThat(commits(dir)).containsExactly(1L, 2L, 5L);
                PublishedCommit.write(dir, 5);
                assertThat(published(dir)).containsOnlyKeys("u#1", "u#2", "u#5");
            }
        }
    }

    @Test
    void openingDeletesNoCommitOlderThanThePublishedOne() throws IOException {
        try (FSDirectory directory = FSDirectory.open(dir)) {
            try (IndexWriter writer = create(directory)) {
                commit(writer, 1);
                commit(writer, 2);
                commit(writer, 3);
            }
            PublishedCommit.write(dir, 3); // published after the last commit: nothing has pruned 1 and 2 yet

            try (IndexWriter restored = reopen(directory, 3)) {
                assertThat(commits(dir)).as("pruning waits for the next real commit").containsExactly(1L, 2L, 3L);
                commit(restored, 4);
                assertThat(commits(dir)).containsExactly(3L, 4L);
            }
        }
    }
}
