package io.semdex.sink;

import static io.semdex.sink.ShardContents.commits;
import static io.semdex.sink.ShardContents.doc;
import static io.semdex.sink.ShardContents.published;
import static org.assertj.core.api.Assertions.assertThat;

import io.semdex.core.PublishedCommit;
import io.semdex.core.TextAnalysis;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The second phase of the sink's commit on a real shard: the PUBLISHED pointer and what readers see through it. */
class ShardPublisherTest {

    @TempDir
    Path dir;

    private ShardWriter shard;

    @BeforeEach
    void openShard() throws IOException {
        shard = ShardWriter.open(dir, TextAnalysis.CJK_BIGRAM, OptionalLong.empty());
    }

    @AfterEach
    void closeShard() throws IOException {
        shard.close();
    }

    /** Applies a version of {@code id} and commits it without publishing, as the writer does at a barrier. */
    private long commit(String id, String text) throws IOException {
        shard.apply(doc(id, text));
        return shard.commit().orElseThrow();
    }

    private List<PublishRequest> publish(long... sequences) {
        return PublishRequest.publish(Arrays.stream(sequences).mapToObj(sequence -> new ShardCommit(dir.toString(), sequence)).toList());
    }

    @Test
    void publishingACommitMovesThePointerToItAndReadersSeeItsDocuments() throws IOException {
        long first = commit("a", "one");
        assertThat(published(dir)).isEmpty();

        PublishRequest request = publish(first).get(0);

        assertThat(request.answeredNothing()).as("a first publication is simply done").isTrue();
        assertThat(PublishedCommit.read(dir)).hasValue(first);
        assertThat(published(dir)).containsOnlyKeys("a#0");
    }

    @Test
    void publishingTheSameCommitAgainAfterARestoreChangesNothingAndSaysItWasCommitted() throws IOException {
        long first = commit("a", "one");
        publish(first);

        PublishRequest again = publish(first).get(0);

        assertThat(again.alreadyCommitted()).isTrue();
        assertThat(PublishedCommit.read(dir)).hasValue(first);
        assertThat(published(dir)).containsOnlyKeys("a#0");
    }

    @Test
    void anOlderCommitNeverReplacesANewerPublishedOne() throws IOException {
        long older = commit("a", "one");
        long newer = commit("b", "two");
        publish(newer);

        PublishRequest stale = publish(older).get(0);

        assertThat(stale.alreadyCommitted()).isTrue();
        assertThat(PublishedCommit.read(dir)).hasValue(newer);
        assertThat(published(dir)).containsOnlyKeys("a#0", "b#0");
    }

    @Test
    void committablesOfSeveralCheckpointsInOneCallLeaveTheNewestPublishedWhateverTheirOrder() throws IOException {
        long first = commit("a", "one");
        long second = commit("b", "two");
        long third = commit("c", "three");

        List<PublishRequest> requests = publish(third, first, second);

        assertThat(PublishedCommit.read(dir)).hasValue(third);
        assertThat(requests.get(0).answeredNothing()).isTrue();
        assertThat(requests.get(1).alreadyCommitted()).isTrue();
        assertThat(requests.get(2).alreadyCommitted()).isTrue();
        assertThat(published(dir)).containsOnlyKeys("a#0", "b#0", "c#0");
    }

    @Test
    void aCommittableWhoseCommitWasAlreadyPrunedIsAcknowledgedAndReadersKeepThePublishedCommit() throws IOException {
        long pruned = commit("a", "one");
        publish(pruned);
        long live = commit("a", "two");
        publish(live);
        commit("b", "not yet published"); // this commit prunes everything older than the published one
        assertThat(commits(dir)).doesNotContain(pruned).contains(live);

        PublishRequest late = publish(pruned).get(0); // e.g. re-delivered from an older checkpoint's state

        assertThat(late.alreadyCommitted()).isTrue();
        assertThat(PublishedCommit.read(dir)).hasValue(live);
        assertThat(published(dir)).containsEntry("a#0", "two").containsOnlyKeys("a#0");
    }
}
