package io.semdex.sink;

import io.semdex.core.PublishedCommit;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.lucene.index.IndexCommit;
import org.apache.lucene.index.IndexDeletionPolicy;

/**
 * Keeps the Lucene commits a restore or a reader may still need: the published one, every newer
 * one (their checkpoints may yet complete), and the newest. On opening, commits newer than the
 * one the writer starts from are deleted: they belong to checkpoints that never completed, and
 * their changes will be replayed from Kafka.
 */
final class CommitRetention extends IndexDeletionPolicy {

    private final Path shardDir;
    private final long startSequence;

    /** @param startSequence the commit the writer opens at; newer ones are rolled back */
    CommitRetention(Path shardDir, long startSequence) {
        this.shardDir = shardDir;
        this.startSequence = startSequence;
    }

    /** Only rolls back: older commits are pruned after the next real commit, never while opening. */
    @Override
    public void onInit(List<? extends IndexCommit> commits) throws IOException {
        for (IndexCommit commit : commits) {
            if (PublishedCommit.sequenceOf(commit) > startSequence) {
                commit.delete();
            }
        }
    }

    @Override
    public void onCommit(List<? extends IndexCommit> commits) throws IOException {
        if (commits.isEmpty()) {
            return; // a new index: nothing committed yet
        }
        long published = PublishedCommit.read(shardDir).orElse(-1);
        IndexCommit newest = commits.get(commits.size() - 1);
        for (IndexCommit commit : commits) {
            if (commit != newest && !commit.isDeleted() && PublishedCommit.sequenceOf(commit) < published) {
                commit.delete();
            }
        }
    }
}
