package io.semdex.sink;

import io.semdex.core.PublishedCommit;
import java.nio.file.Path;
import java.util.Collection;
import org.apache.flink.api.connector.sink2.Committer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The second phase: once a checkpoint completes, makes the shard commits it covers visible to
 * readers by publishing their sequence numbers. Re-publishing after a restore is harmless, and an
 * older sequence never replaces a newer one.
 */
final class ShardPublisher implements Committer<ShardCommit> {

    private static final Logger LOG = LoggerFactory.getLogger(ShardPublisher.class);

    @Override
    public void commit(Collection<CommitRequest<ShardCommit>> requests) {
        for (CommitRequest<ShardCommit> request : requests) {
            ShardCommit commit = request.getCommittable();
            Path dir = Path.of(commit.shardDir());
            long published = PublishedCommit.read(dir).orElse(-1);
            if (commit.sequence() <= published) {
                request.signalAlreadyCommitted();
                continue;
            }
            PublishedCommit.write(dir, commit.sequence());
            LOG.debug("Published commit {} of {}", commit.sequence(), dir);
        }
    }

    @Override
    public void close() {}
}
