package io.semdex.sink;

import io.semdex.core.EmbeddedDocument;
import java.io.IOException;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.groups.SinkWriterMetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One sink subtask's writer. Flink calls {@link #flush} before each checkpoint barrier and at end
 * of input; the shard commits there, so what a checkpoint covers is on disk when it completes.
 * Upserts replace by document id, so records replayed after a restore are applied idempotently.
 */
final class LuceneSinkWriter implements SinkWriter<EmbeddedDocument> {

    private static final Logger LOG = LoggerFactory.getLogger(LuceneSinkWriter.class);

    private final ShardWriter shard;
    private final Counter upserts;
    private final Counter deletes;
    private final Counter commits;

    LuceneSinkWriter(ShardWriter shard, SinkWriterMetricGroup metrics) {
        this.shard = shard;
        this.upserts = metrics.counter("semdexDocumentsUpserted");
        this.deletes = metrics.counter("semdexDocumentsDeleted");
        this.commits = metrics.counter("semdexCommits");
        LOG.info("Writing Lucene shard {}", shard.dir());
    }

    @Override
    public void write(EmbeddedDocument document, Context context) throws IOException {
        shard.apply(document);
        (document.deleted() ? deletes : upserts).inc();
    }

    @Override
    public void flush(boolean endOfInput) throws IOException {
        if (shard.commit()) {
            commits.inc();
        }
    }

    @Override
    public void close() throws IOException {
        shard.close();
    }
}
