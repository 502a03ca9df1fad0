package io.semdex.sink;

import io.semdex.core.EmbeddedDocument;
import io.semdex.core.IndexLayout;
import io.semdex.core.TextAnalysis;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * Writes embedded documents into one generation of a Lucene index, one shard per sink subtask
 * ({@code gen-N/shard-K}). Upstream must key the stream by document id, so every version of a
 * document reaches the same shard.
 *
 * <pre>{@code
 * stream.keyBy(EmbeddedDocument::docId)
 *       .sinkTo(LuceneSink.builder().indexRoot(Path.of("/data/index")).generation(1).build());
 * }</pre>
 */
public final class LuceneSink implements Sink<EmbeddedDocument> {

    private final String indexRoot;
    private final int generation;
    private final String analyzer;

    private LuceneSink(String indexRoot, int generation, String analyzer) {
        this.indexRoot = indexRoot;
        this.generation = generation;
        this.analyzer = analyzer;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public SinkWriter<EmbeddedDocument> createWriter(WriterInitContext context) throws IOException {
        int shard = context.getTaskInfo().getIndexOfThisSubtask();
        Path dir = new IndexLayout(Path.of(indexRoot)).generation(generation).shardDir(shard);
        return new LuceneSinkWriter(new ShardWriter(dir, analyzer), context.metricGroup());
    }

    /** Builds a {@link LuceneSink}; index root and generation are required. */
    public static final class Builder {
        private Path indexRoot;
        private int generation = -1;
        private String analyzer = TextAnalysis.CJK_BIGRAM;

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

        public LuceneSink build() {
            Objects.requireNonNull(indexRoot, "indexRoot is required");
            if (generation < 1) {
                throw new IllegalArgumentException("generation must be >= 1, got " + generation);
            }
            return new LuceneSink(indexRoot.toString(), generation, analyzer);
        }
    }
}
