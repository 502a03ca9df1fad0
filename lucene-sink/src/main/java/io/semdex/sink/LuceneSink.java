package io.semdex.sink;

import io.semdex.core.EmbeddedDocument;
import io.semdex.core.IndexLayout;
import io.semdex.core.IndexOptions;
import io.semdex.core.TextAnalysis;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Objects;
import java.util.OptionalLong;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.SupportsWriterState;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * Writes embedded documents into one generation of a Lucene index, one shard per sink subtask
 * ({@code gen-N/shard-K}), exactly once: shard commits are tied to Flink checkpoints with a
 * two-phase commit (see {@link LuceneSinkWriter}). Upstream must key the stream by document id,
 * so every version of a document reaches the same shard.
 *
 * <pre>{@code
 * stream.keyBy(EmbeddedDocument::docId)
 *       .sinkTo(LuceneSink.builder().indexRoot(Path.of("/data/index")).generation(1).build());
 * }</pre>
 */
public final class LuceneSink implements Sink<EmbeddedDocument>,
        SupportsWriterState<EmbeddedDocument, ShardCommit>, SupportsCommitter<ShardCommit> {

    private final String indexRoot;
    private final int generation;
    private final String analyzer;
    private final IndexOptions options;

    private LuceneSink(String indexRoot, int generation, String analyzer, IndexOptions options) {
        this.indexRoot = indexRoot;
        this.generation = generation;
        this.analyzer = analyzer;
        this.options = options;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public StatefulSinkWriter<EmbeddedDocument, ShardCommit> createWriter(WriterInitContext context) throws IOException {
        return restoreWriter(context, java.util.List.of());
    }

    @Override
    public StatefulSinkWriter<EmbeddedDocument, ShardCommit> restoreWriter(WriterInitContext context, Collection<ShardCommit> states)
            throws IOException {
        var gen = new IndexLayout(Path.of(indexRoot)).generation(generation);
        int subtasks = context.getTaskInfo().getNumberOfParallelSubtasks();
        if (java.nio.file.Files.isRegularFile(gen.manifestFile())) {
            // A scheduler may change the parallelism behind the job's back (reactive mode, `flink run -p`
            // on a restore); units are placed by shard, so a rescaled sink would scatter documents.
            int shards = io.semdex.core.Manifest.read(gen.manifestFile()).shardCount();
            if (subtasks != shards) {
                throw new IllegalStateException(String.format("%s has %d shards but the sink runs with %d subtasks: keep the"
                        + " parallelism at %d (no reactive mode or rescaling), or reindex into a new generation with --parallelism %d",
                        gen.name(), shards, subtasks, shards, subtasks));
            }
        }
        Path dir = gen.shardDir(context.getTaskInfo().getIndexOfThisSubtask());
        OptionalLong restore = OptionalLong.empty();
        for (ShardCommit state : states) {
            if (!Path.of(state.shardDir()).equals(dir)) {
                throw new IllegalStateException("restored state belongs to shard " + state.shardDir() + ", not " + dir
                        + ": the sink's parallelism or generation changed; keep it, or reindex into a new generation");
            }
            restore = OptionalLong.of(state.sequence());
        }
        return new LuceneSinkWriter(ShardWriter.open(dir, analyzer, options, restore), options.forceMerge(), context.metricGroup());
    }

    @Override
    public SimpleVersionedSerializer<ShardCommit> getWriterStateSerializer() {
        return new ShardCommit.Serializer();
    }

    @Override
    public Committer<ShardCommit> createCommitter(CommitterInitContext context) {
        return new ShardPublisher();
    }

    @Override
    public SimpleVersionedSerializer<ShardCommit> getCommittableSerializer() {
        return new ShardCommit.Serializer();
    }

    /** Builds a {@link LuceneSink}; index root and generation are required. */
    public static final class Builder {
        private Path indexRoot;
        private int generation = -1;
        private String analyzer = TextAnalysis.CJK_BIGRAM;
        private IndexOptions options = IndexOptions.DEFAULT;

        public Builder indexRoot(Path indexRoot) {
            this.indexRoot = indexRoot.toAbsolutePath();
            return this;
        }

        public Builder generation(int generation) {
            this.generation = generation;
            return this;
        }

        public Builder analyzer(String analyzer) {
            TextAnalysis.create(analyzer).close(); // fail now on an unknown name
            this.analyzer = analyzer;
            return this;
        }

        /** HNSW parameters, quantization, and whether to merge each shard to one segment at end of input. */
        public Builder indexOptions(IndexOptions options) {
            this.options = Objects.requireNonNull(options, "options");
            return this;
        }

        public LuceneSink build() {
            Objects.requireNonNull(indexRoot, "indexRoot is required");
            if (generation < 1) {
                throw new IllegalArgumentException("generation must be >= 1, got " + generation);
            }
            return new LuceneSink(indexRoot.toString(), generation, analyzer, options);
        }
    }
}
