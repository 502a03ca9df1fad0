package io.semdex.sink;

import io.semdex.core.EmbeddedDocument;
import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.OptionalLong;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.groups.SinkWriterMetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One sink subtask's writer, the first phase of a two-phase commit. Before each checkpoint
 * barrier Flink calls {@link #prepareCommit}: the shard makes a durable Lucene commit and hands
 * its sequence on as a committable; {@link #snapshotState} records that same commit in the
 * checkpoint. The {@link ShardPublisher} publishes it only when the checkpoint completes, and a
 * restore reopens the shard at the recorded commit, so the index always matches the Kafka
 * offsets of the checkpoint it came back from.
 */
final class LuceneSinkWriter implements StatefulSinkWriter<EmbeddedDocument, ShardCommit>,
        CommittingSinkWriter<EmbeddedDocument, ShardCommit> {

    private static final Logger LOG = LoggerFactory.getLogger(LuceneSinkWriter.class);

    /** How often a busy writer reports its progress: long batch reindexes would otherwise run silent. */
    private static final long PROGRESS_EVERY_NANOS = 30_000_000_000L;

    private final ShardWriter shard;
    private final boolean forceMergeAtEnd;
    private final Counter upserts;
    private final Counter deletes;
    private final Counter commits;
    private boolean endOfInput;
    private long written;
    private long writtenAtLastReport;
    private long lastReport = System.nanoTime();

    LuceneSinkWriter(ShardWriter shard, boolean forceMergeAtEnd, SinkWriterMetricGroup metrics) {
        this.shard = shard;
        this.forceMergeAtEnd = forceMergeAtEnd;
        this.upserts = metrics.counter("semdexDocumentsUpserted");
        this.deletes = metrics.counter("semdexDocumentsDeleted");
        this.commits = metrics.counter("semdexCommits");
        LOG.info("Writing Lucene shard {} from commit {}", shard.dir(), shard.committedSequence());
    }

    @Override
    public void write(EmbeddedDocument document, Context context) throws IOException {
        shard.apply(document);
        (document.deleted() ? deletes : upserts).inc();
        written++;
        long now = System.nanoTime();
        if (now - lastReport >= PROGRESS_EVERY_NANOS) {
            LOG.info("{}: {} documents written ({} upserts, {} deletes), {} documents/s over the last {} s",
                    shard.dir(), written, upserts.getCount(), deletes.getCount(),
                    String.format("%.1f", (written - writtenAtLastReport) * 1e9 / (now - lastReport)),
                    (now - lastReport) / 1_000_000_000L);
            lastReport = now;
            writtenAtLastReport = written;
        }
    }

    @Override
    public void flush(boolean endOfInput) throws IOException {
        if (endOfInput && !this.endOfInput && forceMergeAtEnd) {
            long start = System.nanoTime();
            shard.forceMerge();
            LOG.info("Force-merged {} in {} ms", shard.dir(), (System.nanoTime() - start) / 1_000_000);
        }
        this.endOfInput |= endOfInput;
    }

    @Override
    public Collection<ShardCommit> prepareCommit() throws IOException {
        OptionalLong sequence = shard.commit();
        if (sequence.isEmpty()) {
            return List.of();
        }
        commits.inc();
        return List.of(new ShardCommit(shard.dir().toString(), sequence.getAsLong()));
    }

    @Override
    public List<ShardCommit> snapshotState(long checkpointId) {
        return List.of(new ShardCommit(shard.dir().toString(), shard.committedSequence()));
    }

    @Override
    public void close() throws IOException {
        shard.close();
    }
}
