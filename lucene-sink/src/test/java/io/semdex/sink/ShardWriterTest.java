package io.semdex.sink;

import static io.semdex.sink.ShardContents.doc;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.semdex.core.EmbeddedDocument;
import io.semdex.core.EmbeddedUnit;
import io.semdex.core.IndexFields;
import io.semdex.core.PublishedCommit;
import io.semdex.core.TextAnalysis;
import io.semdex.core.Unit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexCommit;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two-phase commits of a shard on a real Lucene directory. */
class ShardWriterTest {

    @TempDir
    Path dir;

    /** Unit ids visible in the published commit, as a reader of the shard sees them. */
    private Set<String> published() throws IOException {
        return ShardContents.published(dir).keySet();
    }

    @Test
    void closingAWriterThatLostItsLockKeepsTheCommitsAndThrowsNothing() throws IOException {
        try (ShardWriter shard = ShardWriter.open(dir, TextAnalysis.CJK_BIGRAM, OptionalLong.empty())) {
            shard.apply(doc("a", "one"));
            PublishedCommit.write(dir, shard.commit().orElseThrow());
            shard.apply(doc("b", "two"));
            PublishedCommit.write(dir, shard.commit().orElseThrow());
            shard.forceMerge(); // a merged segment, not committed: the rollback on close must delete its files
            // What an interrupt of the task thread during cancellation does in effect: the lock no longer validates.
            Files.write(dir.resolve(IndexWriter.WRITE_LOCK_NAME), new byte[] {1}, StandardOpenOption.APPEND);
        }
        Files.write(dir.resolve(IndexWriter.WRITE_LOCK_NAME), new byte[0], StandardOpenOption.TRUNCATE_EXISTING);

        assertThat(published()).containsExactly("a#0", "b#0");
        try (ShardWriter reopened = ShardWriter.open(dir, TextAnalysis.CJK_BIGRAM, OptionalLong.of(2))) {
            assertThat(reopened.committedSequence()).isEqualTo(2);
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"none", "int8", "int4"})
    void quantizedShardsKeepTheExactFloatVectorsForCosines(String quantization) throws IOException {
        io.semdex.core.IndexOptions options = io.semdex.core.IndexOptions.DEFAULT.withQuantization(quantization);
        float[] vector = {0.6f, 0.8f, 0f, 0f};
        Unit unit = new Unit("q#0", "q", 0, "text", List.of(), null, null, null, null, null, "h");
        try (ShardWriter shard = ShardWriter.open(dir, TextAnalysis.CJK_BIGRAM, options, OptionalLong.empty())) {
            shard.apply(new EmbeddedDocument("q", 0, false, List.of(new EmbeddedUnit(unit, vector))));
            PublishedCommit.write(dir, shard.commit().orElseThrow());
        }
        try (FSDirectory directory = FSDirectory.open(dir);
                DirectoryReader reader = DirectoryReader.open(directory)) {
            var values = reader.leaves().get(0).reader().getFloatVectorValues(IndexFields.VECTOR);
            assertThat(values.vectorValue(0)).containsExactly(vector);
            var codecName = reader.leaves().get(0).reader().getFieldInfos().fieldInfo(IndexFields.VECTOR).getAttribute(
                    "PerFieldKnnVectorsFormat.format");
            assertThat(codecName).contains(quantization.equals("none") ? "Lucene99HnswVectorsFormat" : "QuantizedVectorsFormat");
        }
    }

    @Test
    void aNewShardIsPublishedEmptyAtCommitZero() throws IOException {
        try (ShardWriter shard = ShardWriter.open(dir, TextAnalysis.CJK_BIGRAM, OptionalLong.empty())) {
            assertThat(shard.committedSequence()).isZero();
        }
        assertThat(PublishedCommit.read(dir)).hasValue(0);
        assertThat(published()).isEmpty();
    }

    @Test
    void aCommitIsInvisibleUntilPublished() throws IOException {
        try (ShardWriter shard = ShardWriter.open(dir, TextAnalysis.CJK_BIGRAM, OptionalLong.empty())) {
            shard.apply(doc("a", "one", "two"));
            assertThat(shard.commit()).hasValue(1);
            assertThat(published()).isEmpty();
            PublishedCommit.write(dir, 1);
            assertThat(published()).containsExactly("a#0", "a#1");
            assertThat(shard.commit()).as("nothing changed, no commit").isEmpty();
        }
    }

    @Test
    void aResendReplacesAllUnitsAndATombstoneDeletesThem() throws IOException {
        try (ShardWriter shard = ShardWriter.open(dir, TextAnalysis.CJK_BIGRAM, OptionalLong.empty())) {
            shard.apply(doc("a", "one", "two", "three"));
            shard.apply(doc("b", "bee"));
            shard.apply(doc("a", "uno"));
            PublishedCommit.write(dir, shard.commit().orElseThrow());
            assertThat(published()).containsExactly("a#0", "b#0");
            shard.apply(EmbeddedDocument.delete("b"));
            PublishedCommit.write(dir, shard.commit().orElseThrow());
            assertThat(published()).containsExactly("a#0");
        }
    }

    /** A restore that fails before its first commit is followed by another one from the same checkpoint. */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0} restore(s)")
    @org.junit.jupiter.params.provider.ValueSource(ints = {1, 2, 3})
    void reopeningAtACheckpointedCommitRollsBackNewerOnesAndNeverReusesTheirNumbers(int restores) throws IOException {
        long checkpointed;
        try (ShardWriter shard = ShardWriter.open(dir, TextAnalysis.CJK_BIGRAM, OptionalLong.empty())) {
            shard.apply(doc("a", "kept"));
            checkpointed = shard.commit().orElseThrow();
            PublishedCommit.write(dir, checkpointed);
            shard.apply(doc("b", "lost in a failed checkpoint"));
            assertThat(shard.commit()).hasValue(checkpointed + 1);
            shard.apply(doc("c", "never committed"));
        } // a crash: the last commit's checkpoint never completed
        for (int failed = 1; failed < restores; failed++) {
            ShardWriter.open(dir, TextAnalysis.CJK_BIGRAM, OptionalLong.of(checkpointed)).close(); // restored, failed again
        }
        try (ShardWriter shard = ShardWriter.open(dir, TextAnalysis.CJK_BIGRAM, OptionalLong.of(checkpointed))) {
            assertThat(shard.committedSequence()).isEqualTo(checkpointed);
            shard.apply(doc("d", "after restore"));
            long next = shard.commit().orElseThrow();
            assertThat(next).as("above the rolled-back commit " + (checkpointed + 1)).isGreaterThan(checkpointed + 1);
            PublishedCommit.write(dir, next);
        }
        assertThat(published()).containsExactly("a#0", "d#0");
    }

    /**
     * Random runs of commits, publications, crashes and restores from any checkpoint whose commit is still
     * there: every new commit is numbered above every commit the shard has ever held.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(longs = {1, 2, 3, 4})
    void aCommitIsNumberedAboveEveryCommitTheShardEverHeldWhateverRestoresCameBefore(long seed) throws IOException {
        Random random = new Random(seed);
        List<Long> checkpoints = new ArrayList<>(List.of(0L));
        long highestSeen = 0;
        ShardWriter shard = ShardWriter.open(dir, TextAnalysis.CJK_BIGRAM, OptionalLong.empty());
        try {
            for (int step = 0; step < 30; step++) {
                switch (random.nextInt(5)) {
                    case 0, 1 -> {
                        shard.apply(doc("d" + random.nextInt(4), "step " + step));
                        long sequence = shard.commit().orElseThrow();
                        assertThat(sequence).as("seed %d, step %d", seed, step).isGreaterThan(highestSeen);
                        checkpoints.add(sequence);
                    }
                    case 2 -> { // a checkpoint completes
                        long sequence = checkpoints.get(random.nextInt(checkpoints.size()));
                        if (sequence > PublishedCommit.read(dir).orElse(-1) && ShardContents.commits(dir).contains(sequence)) {
                            PublishedCommit.write(dir, sequence);
                        }
                    }
                    default -> { // a crash, and a restore from a checkpoint whose commit is still there
                        shard.close();
                        List<Long> restorable = checkpoints.stream().filter(ShardContents.commits(dir)::contains).toList();
                        shard = ShardWriter.open(dir, TextAnalysis.CJK_BIGRAM,
                                OptionalLong.of(restorable.get(random.nextInt(restorable.size()))));
                    }
                }
                highestSeen = Math.max(highestSeen, Collections.max(ShardContents.commits(dir)));
            }
        } finally {
            shard.close();
        }
    }

    @Test
    void restoringFromAnOlderCheckpointMovesThePublishedCommitBack() throws IOException {
        long first;
        try (ShardWriter shard = ShardWriter.open(dir, TextAnalysis.CJK_BIGRAM, OptionalLong.empty())) {
            shard.apply(doc("a", "first"));
            first = shard.commit().orElseThrow();
            PublishedCommit.write(dir, first);
            shard.apply(doc("b", "second"));
            PublishedCommit.write(dir, shard.commit().orElseThrow());
        }
        // Commit 1 is dropped only by the first commit made after 2 was published, so it is still here.
        try (ShardWriter restored = ShardWriter.open(dir, TextAnalysis.CJK_BIGRAM, OptionalLong.of(first))) {
            assertThat(PublishedCommit.read(dir)).hasValue(first);
        }
        assertThat(published()).containsExactly("a#0");
    }

    @Test
    void restoringACommitThatNoLongerExistsFailsWithAClearMessage() throws IOException {
        try (ShardWriter shard = ShardWriter.open(dir, TextAnalysis.CJK_BIGRAM, OptionalLong.empty())) {
            for (int i = 0; i < 3; i++) {
                shard.apply(doc("a", "v" + i));
                PublishedCommit.write(dir, shard.commit().orElseThrow());
            }
        }
        assertThatThrownBy(() -> ShardWriter.open(dir, TextAnalysis.CJK_BIGRAM, OptionalLong.of(1)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no longer holds commit 1");
    }

    @Test
    void oldCommitsAreDroppedOncePublishedPastButTheUnpublishedOnesAreKept() throws IOException {
        try (ShardWriter shard = ShardWriter.open(dir, TextAnalysis.CJK_BIGRAM, OptionalLong.empty())) {
            for (int i = 0; i < 4; i++) {
                shard.apply(doc("a", "v" + i));
                long seq = shard.commit().orElseThrow();
                if (i < 2) {
                    PublishedCommit.write(dir, seq);
                }
            }
            try (FSDirectory directory = FSDirectory.open(dir)) {
                List<Long> kept = new ArrayList<>();
                for (IndexCommit c : DirectoryReader.listCommits(directory)) {
                    kept.add(PublishedCommit.sequenceOf(c));
                }
                assertThat(kept).containsExactly(2L, 3L, 4L);
            }
        }
    }
}
