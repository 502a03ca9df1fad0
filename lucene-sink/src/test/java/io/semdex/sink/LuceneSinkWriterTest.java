package io.semdex.sink;

import static io.semdex.sink.ShardContents.commits;
import static io.semdex.sink.ShardContents.doc;
import static io.semdex.sink.ShardContents.published;
import static io.semdex.sink.ShardContents.publishedSegments;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.semdex.core.EmbeddedDocument;
import io.semdex.core.IndexLayout;
import io.semdex.core.IndexOptions;
import io.semdex.core.PublishedCommit;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sink's two-phase commit as Flink drives it, on a real shard: writes, then at each barrier
 * {@code flush}, {@code prepareCommit} and {@code snapshotState}; once the checkpoint completes, the
 * {@link ShardPublisher} gets the committables; a restore hands the writer its checkpointed state.
 */
class LuceneSinkWriterTest {

    /** What one checkpoint took from the writer: the committables for the publisher and the writer's state. */
    private record Checkpoint(List<ShardCommit> committables, List<ShardCommit> state) {}

    private static final SinkWriter.Context NO_TIME = new SinkWriter.Context() {
        @Override
        public long currentWatermark() {
            return Long.MIN_VALUE;
        }

        @Override
        public Long timestamp() {
            return null;
        }
    };

    @TempDir
    Path root;

    private final List<LuceneSinkWriter> opened = new ArrayList<>();
    private long checkpointId;

    @AfterEach
    void closeWriters() throws IOException {
        for (LuceneSinkWriter writer : opened) {
            writer.close();
        }
    }

    /** The task dies: what no commit holds is gone, the shard's lock is free for the restored writer. */
    private void crash(LuceneSinkWriter writer) throws IOException {
        opened.remove(writer);
        writer.close();
    }

    private Path shard() {
        return new IndexLayout(root).generation(1).shardDir(0);
    }

    private LuceneSink sink(IndexOptions options) {
        return LuceneSink.builder().indexRoot(root).generation(1).indexOptions(options).build();
    }

    private LuceneSinkWriter start() throws IOException {
        return restore(List.of());
    }

    private LuceneSinkWriter restore(Collection<ShardCommit> state) throws IOException {
        return restore(IndexOptions.DEFAULT, state);
    }

    private LuceneSinkWriter restore(IndexOptions options, Collection<ShardCommit> state) throws IOException {
        LuceneSinkWriter writer = (LuceneSinkWriter) sink(options).restoreWriter(new SubtaskContext(0, 1), state);
        opened.add(writer);
        return writer;
    }

    private static void write(LuceneSinkWriter writer, EmbeddedDocument... documents) throws IOException {
        for (EmbeddedDocument document : documents) {
            writer.write(document, NO_TIME);
        }
    }

    /** What Flink does with the writer at a checkpoint barrier. */
    private Checkpoint checkpoint(LuceneSinkWriter writer) throws IOException {
        writer.flush(false);
        List<ShardCommit> committables = List.copyOf(writer.prepareCommit());
        return new Checkpoint(committables, writer.snapshotState(++checkpointId));
    }

    /** What Flink does once a checkpoint completes (and again after a restore from it). */
    private static List<PublishRequest> complete(Checkpoint checkpoint) {
        return PublishRequest.publish(checkpoint.committables());
    }

    @Test
    void aCheckpointMakesADurableCommitThatReadersSeeOnlyOnceTheCheckpointCompletes() throws IOException {
        LuceneSinkWriter writer = start();
        write(writer, doc("a", "one"), doc("b", "two"));

        Checkpoint checkpoint = checkpoint(writer);

        ShardCommit commit = new ShardCommit(shard().toString(), 1);
        assertThat(checkpoint.committables()).containsExactly(commit);
        assertThat(checkpoint.state()).as("the state names the same commit").containsExactly(commit);
        assertThat(commits(shard())).contains(1L);
        assertThat(published(shard())).as("before the checkpoint completes").isEmpty();

        complete(checkpoint);

        assertThat(published(shard())).containsExactly(entry("a#0", "one"), entry("b#0", "two"));
    }

    @Test
    void writesAfterABarrierStayUnpublishedUntilTheirOwnCheckpointCompletes() throws IOException {
        LuceneSinkWriter writer = start();
        write(writer, doc("a", "one"));
        Checkpoint first = checkpoint(writer);
        write(writer, doc("b", "two"));
        Checkpoint second = checkpoint(writer); // its barrier passed before the first checkpoint completed

        complete(first);
        assertThat(published(shard())).containsOnlyKeys("a#0");

        complete(second);
        assertThat(published(shard())).containsOnlyKeys("a#0", "b#0");
    }

    @Test
    void aCheckpointWithNothingNewHasNoCommittableAndItsStateStillNamesTheLastCommit() throws IOException {
        LuceneSinkWriter writer = start();
        Checkpoint empty = checkpoint(writer);
        assertThat(empty.committables()).isEmpty();
        assertThat(empty.state()).containsExactly(new ShardCommit(shard().toString(), 0));

        write(writer, doc("a", "one"));
        complete(checkpoint(writer));
        Checkpoint idle = checkpoint(writer);

        assertThat(idle.committables()).isEmpty();
        assertThat(idle.state()).containsExactly(new ShardCommit(shard().toString(), 1));
        assertThat(commits(shard())).doesNotContain(2L);
    }

    @Test
    void anUpsertReplacesEveryPublishedUnitOfTheDocumentAndADeleteRemovesThemAll() throws IOException {
        LuceneSinkWriter writer = start();
        write(writer, doc("a", "one", "two", "three"), doc("b", "bee"), doc("c", "sea"));
        complete(checkpoint(writer));
        assertThat(published(shard())).containsOnlyKeys("a#0", "a#1", "a#2", "b#0", "c#0");

        write(writer, doc("a", "uno"), EmbeddedDocument.delete("b"));
        complete(checkpoint(writer));

        assertThat(published(shard())).containsExactly(entry("a#0", "uno"), entry("c#0", "sea"));
    }

    @Test
    void aRestoreRecommitsItsCheckpointsCommittableAndTheReplayEndsWithEveryDocumentOnce() throws IOException {
        LuceneSinkWriter crashed = start();
        write(crashed, doc("a", "one"));
        Checkpoint completed = checkpoint(crashed); // completes, but the job dies before the publisher hears of it
        write(crashed, doc("b", "two"));
        checkpoint(crashed); // never completes
        write(crashed, doc("c", "three"), EmbeddedDocument.delete("a"));
        crash(crashed);

        LuceneSinkWriter restored = restore(completed.state());
        List<PublishRequest> recommit = complete(completed); // Flink commits the restored checkpoint's committables again
        assertThat(recommit).allMatch(PublishRequest::answeredNothing);
        assertThat(published(shard())).containsExactly(entry("a#0", "one"));
        assertThat(complete(completed)).as("a second delivery of the same committable").allMatch(PublishRequest::alreadyCommitted);
        assertThat(published(shard())).containsExactly(entry("a#0", "one"));

        // the source replays everything after the restored checkpoint
        write(restored, doc("b", "two"), doc("c", "three"), EmbeddedDocument.delete("a"), doc("d", "four"));
        complete(checkpoint(restored));

        assertThat(published(shard())).containsExactly(entry("b#0", "two"), entry("c#0", "three"), entry("d#0", "four"));
    }

    @Test
    void recommittingAnAlreadyPublishedCommittableAfterARestoreChangesNothing() throws IOException {
        LuceneSinkWriter crashed = start();
        write(crashed, doc("a", "one"));
        Checkpoint completed = checkpoint(crashed);
        complete(completed);
        write(crashed, doc("b", "two"));
        crash(crashed);

        restore(completed.state());
        List<PublishRequest> recommit = complete(completed);

        assertThat(recommit).allMatch(PublishRequest::alreadyCommitted);
        assertThat(PublishedCommit.read(shard())).hasValue(completed.committables().get(0).sequence());
        assertThat(published(shard())).containsExactly(entry("a#0", "one"));
    }

    @Test
    void restoringTwiceFromACheckpointOlderThanThePublishedCommitNeverPublishesThatNumberAgain() throws IOException {
        LuceneSinkWriter first = start();
        write(first, doc("a", "one"));
        Checkpoint older = checkpoint(first);
        complete(older);
        write(first, doc("b", "two"));
        complete(checkpoint(first));
        long served = PublishedCommit.read(shard()).orElseThrow(); // a query replica may keep serving it for a while
        crash(first);

        crash(restore(older.state())); // e.g. started again from an older savepoint, and failed before its first checkpoint
        LuceneSinkWriter restored = restore(older.state());
        write(restored, doc("c", "three"));
        complete(checkpoint(restored));

        // A replica compares commit numbers only: had the number come back, it would keep serving "b" and miss "c".
        assertThat(PublishedCommit.read(shard()).orElseThrow()).isGreaterThan(served);
        assertThat(published(shard())).containsExactly(entry("a#0", "one"), entry("c#0", "three"));
    }

    @Test
    void theEndOfABoundedInputMergesTheShardToOneSegmentInItsLastCommit() throws IOException {
        IndexOptions merging = IndexOptions.DEFAULT.withForceMerge(true);
        LuceneSinkWriter writer = restore(merging, List.of());
        write(writer, doc("a", "one"));
        complete(checkpoint(writer));
        write(writer, doc("b", "two"));
        complete(checkpoint(writer));
        assertThat(publishedSegments(shard())).isEqualTo(2);

        writer.flush(true);
        List<ShardCommit> last = List.copyOf(writer.prepareCommit());

        assertThat(last).as("the merge alone is a change to commit").hasSize(1);
        complete(new Checkpoint(last, writer.snapshotState(++checkpointId)));
        assertThat(publishedSegments(shard())).isEqualTo(1);
        assertThat(published(shard())).containsOnlyKeys("a#0", "b#0");
    }

    @Test
    void withoutForceMergeTheEndOfInputAddsNoCommit() throws IOException {
        LuceneSinkWriter writer = start();
        write(writer, doc("a", "one"));
        complete(checkpoint(writer));
        write(writer, doc("b", "two"));
        complete(checkpoint(writer));

        writer.flush(true);

        assertThat(writer.prepareCommit()).isEmpty();
        assertThat(publishedSegments(shard())).isEqualTo(2);
    }
}
