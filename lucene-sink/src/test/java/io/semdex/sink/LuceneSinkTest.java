package io.semdex.sink;

import static io.semdex.sink.ShardContents.doc;
import static io.semdex.sink.ShardContents.published;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.semdex.core.IndexLayout;
import io.semdex.core.IndexOptions;
import io.semdex.core.Manifest;
import io.semdex.core.TextAnalysis;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the sink's writers write, and the restores it refuses, on real shards of a generation. */
class LuceneSinkTest {

    @TempDir
    Path root;

    private LuceneSink sink() {
        return LuceneSink.builder().indexRoot(root).generation(1).build();
    }

    private Path shard(int number) {
        return new IndexLayout(root).generation(1).shardDir(number);
    }

    @Test
    void eachSubtaskWritesItsOwnShardOfTheGeneration() throws IOException {
        for (int subtask = 0; subtask < 2; subtask++) {
            try (var writer = (LuceneSinkWriter) sink().createWriter(new SubtaskContext(subtask, 2))) {
                writer.write(doc("doc-" + subtask, "text"), null);
                PublishRequest.publish(writer.prepareCommit());
            }
        }

        assertThat(published(shard(0))).containsOnlyKeys("doc-0#0");
        assertThat(published(shard(1))).containsOnlyKeys("doc-1#0");
    }

    @Test
    void aRestoredStateOfAnotherShardIsRefused() {
        List<ShardCommit> stateOfShard0 = List.of(new ShardCommit(shard(0).toString(), 0));

        assertThatThrownBy(() -> sink().restoreWriter(new SubtaskContext(1, 2), stateOfShard0))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("restored state belongs to shard " + shard(0) + ", not " + shard(1));
        assertThat(shard(1)).doesNotExist();
    }

    @Test
    void aSinkRunningWithOtherThanTheGenerationsShardCountIsRefused() throws IOException {
        Files.createDirectories(shard(0).getParent());
        new Manifest("model", 2, "cosine", TextAnalysis.CJK_BIGRAM, 2, Instant.EPOCH, "test", IndexOptions.DEFAULT)
                .write(new IndexLayout(root).generation(1).manifestFile());

        assertThatThrownBy(() -> sink().createWriter(new SubtaskContext(0, 3)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("gen-1 has 2 shards but the sink runs with 3 subtasks");
        assertThat(shard(0)).doesNotExist();
    }

    @Test
    void aRestoreFromACommitTheShardNoLongerHoldsFailsWithAClearMessage() throws IOException {
        try (var writer = (LuceneSinkWriter) sink().createWriter(new SubtaskContext(0, 1))) {
            for (int version = 0; version < 3; version++) {
                writer.write(doc("a", "v" + version), null);
                PublishRequest.publish(writer.prepareCommit());
            }
        }
        List<ShardCommit> tooOld = List.of(new ShardCommit(shard(0).toString(), 1)); // pruned once 2 was published and 3 made

        assertThatThrownBy(() -> sink().restoreWriter(new SubtaskContext(0, 1), tooOld))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no longer holds commit 1");
        assertThat(published(shard(0))).containsEntry("a#0", "v2");
    }

    @Test
    void committablesAndStatesSurviveTheirCheckpointSerialization() throws IOException {
        ShardCommit commit = new ShardCommit(shard(3).toString() + "/文档", 42);
        for (SimpleVersionedSerializer<ShardCommit> serializer : List.of(sink().getCommittableSerializer(),
                sink().getWriterStateSerializer())) {
            byte[] bytes = serializer.serialize(commit);
            assertThat(serializer.deserialize(serializer.getVersion(), bytes)).isEqualTo(commit);
        }
    }

    @Test
    void aCheckpointWrittenInAnUnknownSerializationVersionIsRefused() throws IOException {
        SimpleVersionedSerializer<ShardCommit> serializer = sink().getCommittableSerializer();
        byte[] bytes = serializer.serialize(new ShardCommit("/index/gen-1/shard-0", 1));

        assertThatThrownBy(() -> serializer.deserialize(serializer.getVersion() + 1, bytes))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("unknown ShardCommit serialization version " + (serializer.getVersion() + 1));
    }
}
